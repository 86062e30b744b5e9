"""The details pane of the alarm console: what the alarm means and what to do about it."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from core.model import now_ns
from hmi.formatting import PlantClock, age_text, value_text
from hmi.icons import icon_button
from hmi.models.alarm_model import AlarmItem
from hmi.models.alarm_table import STATE_TEXT
from hmi.theme import PRIORITY_NUMBERS


class AlarmDetails(QWidget):
    """Cause, consequence, corrective action, limits and state history of the selected alarm."""

    def __init__(self, clock: PlantClock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self.title = QLabel("Select an alarm")
        self.title.setProperty("role", "heading")
        self.title.setWordWrap(True)
        self.body = QTextBrowser()
        self.body.setOpenLinks(False)
        self.trend_button = icon_button("trend_this", "Trend this")
        self.faceplate_button = icon_button("faceplate", "Faceplate")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.trend_button)
        layout.addWidget(self.faceplate_button)
        self.item: AlarmItem | None = None
        self.show_item(None)

    def show_item(self, item: AlarmItem | None) -> None:
        """Describe an alarm (or nothing)."""
        self.item = item
        self.trend_button.setEnabled(item is not None)
        self.faceplate_button.setEnabled(item is not None)
        if item is None:
            self.title.setText("Select an alarm")
            self.body.setHtml(
                "<p>Select an alarm to see its cause, consequence and corrective action.</p>"
            )
            return
        number = PRIORITY_NUMBERS.get(item.priority, 4)
        self.title.setText(f"P{number} {item.text}")
        self.body.setHtml(self._html(item))

    def _html(self, item: AlarmItem) -> str:
        e = html.escape
        now = now_ns()
        rows = [
            ("Alarm", item.name),
            ("Tag", item.tag),
            ("Area", item.area or "—"),
            ("State", STATE_TEXT.get(item.state, item.state.value)),
            ("Value", value_text(item.value)),
            ("Limit", f"{item.alarm_type.replace('_', ' ')} {item.limit:g}"),
            ("Came in", self._when(item.activated_ns, now)),
            ("Acknowledged", self._when(item.acked_ns, now)),
        ]
        if item.max_response_s:
            rows.append(("Respond within", f"{item.max_response_s / 60:g} min"))
        if item.shelved_until_ns:
            rows.append(("Shelved until", self._clock.datetime_text(item.shelved_until_ns)))
            rows.append(("Shelved by", f"{item.shelved_by}: {item.shelve_reason}"))
        if item.oos_reference:
            rows.append(("Out of service", f"{item.oos_by}: {item.oos_reference}"))
        table = "".join(f"<tr><td><b>{e(k)}</b></td><td>{e(v)}</td></tr>" for k, v in rows)
        sections = [
            ("Cause", item.cause),
            ("Consequence", item.consequence),
            ("Corrective action", item.corrective_action),
        ]
        text = "".join(
            f"<h4>{e(title)}</h4><p>{e(body) if body else '<i>not documented</i>'}</p>"
            for title, body in sections
        )
        return f"<table cellspacing='4'>{table}</table>{text}"

    def _when(self, ts_ns: int | None, now: int) -> str:
        if not ts_ns:
            return "—"
        return f"{self._clock.datetime_text(ts_ns)} ({age_text(now - ts_ns)} ago)"
