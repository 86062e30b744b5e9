"""What the analytics views share: reporting windows in plant time, the period picker, and
background computations that never block the GUI thread and drop results that went stale."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QDateTimeEdit, QHBoxLayout, QLabel, QWidget

from core.analytics.energy.periods import local, local_midnight
from core.model import NS_PER_S, now_ns
from hmi.formatting import PlantClock
from hmi.models.records import Column, Index, RecordTableModel

log = logging.getLogger(__name__)

T = TypeVar("T")
DAY_NS = 86_400 * NS_PER_S
PRESETS = (
    "today",
    "yesterday",
    "this week",
    "this month",
    "last 24 h",
    "last 7 days",
    "last 30 days",
    "custom",
)
"""Reporting windows; calendar ones follow the plant's time zone (a DST day has 23 or 25 h)."""


def preset_window(preset: str, zone: ZoneInfo, now: int) -> tuple[int, int]:
    """``(start_ns, end_ns)`` of a preset at ``now`` (``custom`` has none: ValueError)."""
    today = local(now, zone).date()
    if preset == "today":
        return local_midnight(today, zone), now
    if preset == "yesterday":
        return local_midnight(today - timedelta(days=1), zone), local_midnight(today, zone)
    if preset == "this week":
        return local_midnight(today - timedelta(days=today.weekday()), zone), now
    if preset == "this month":
        return local_midnight(today.replace(day=1), zone), now
    if preset == "last 24 h":
        return now - DAY_NS, now
    if preset == "last 7 days":
        return now - 7 * DAY_NS, now
    if preset == "last 30 days":
        return now - 30 * DAY_NS, now
    raise ValueError(f"no window for preset {preset!r}")


class PeriodPicker(QWidget):
    """A preset (today, yesterday, this week, ...) or a custom window in plant time."""

    changed = Signal()

    def __init__(
        self,
        clock: PlantClock,
        presets: Sequence[str] = PRESETS,
        default: str = "today",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.clock = clock
        self.zone = QTimeZone(clock.name.encode())
        self.preset = QComboBox()
        self.preset.setObjectName("period_preset")
        self.preset.addItems(list(presets))
        self.preset.setCurrentText(default)
        self.start_edit, self.end_edit = self._edit("period_start"), self._edit("period_end")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Period"))
        row.addWidget(self.preset)
        row.addWidget(self.start_edit)
        row.addWidget(QLabel("to"))
        row.addWidget(self.end_edit)
        self.preset.currentTextChanged.connect(self._preset_changed)
        self._preset_changed(self.preset.currentText())

    def _edit(self, name: str) -> QDateTimeEdit:
        edit = QDateTimeEdit()
        edit.setObjectName(name)
        edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        edit.setCalendarPopup(True)
        edit.setTimeZone(self.zone)
        edit.dateTimeChanged.connect(lambda _v: self._custom_edited())
        return edit

    def _preset_changed(self, preset: str) -> None:
        custom = preset == "custom"
        for edit in (self.start_edit, self.end_edit):
            edit.setEnabled(custom)
        if not custom:
            self._show(*preset_window(preset, self.clock.zone, now_ns()))
        self.changed.emit()

    def _custom_edited(self) -> None:
        if self.preset.currentText() == "custom":
            self.changed.emit()

    def _show(self, start_ns: int, end_ns: int) -> None:
        for edit, ts in ((self.start_edit, start_ns), (self.end_edit, end_ns)):
            edit.blockSignals(True)
            edit.setDateTime(QDateTime.fromMSecsSinceEpoch(ts // 1_000_000, self.zone))
            edit.blockSignals(False)

    def set_custom(self, start_ns: int, end_ns: int) -> None:
        """Choose a custom window (whole seconds, as the editors show it)."""
        self.preset.blockSignals(True)
        self.preset.setCurrentText("custom")
        self.preset.blockSignals(False)
        for edit in (self.start_edit, self.end_edit):
            edit.setEnabled(True)
        self._show(start_ns, end_ns)
        self.changed.emit()

    def period(self, now: int | None = None) -> tuple[int, int]:
        """The chosen ``(start_ns, end_ns)``; a preset is evaluated at ``now``."""
        preset = self.preset.currentText()
        if preset != "custom":
            return preset_window(preset, self.clock.zone, now if now is not None else now_ns())
        start = self.start_edit.dateTime().toMSecsSinceEpoch() * 1_000_000
        end = self.end_edit.dateTime().toMSecsSinceEpoch() * 1_000_000
        return start, end


class EmphasisModel(RecordTableModel[T]):
    """Record rows; those ``emphasised`` (an open event, the active model) in bold, never in a
    colour (ISA-101: colour is for abnormal states)."""

    def __init__(self, columns: Sequence[Column[T]], emphasised: Callable[[T], bool]) -> None:
        super().__init__(columns)
        self.emphasised = emphasised

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.FontRole and index.isValid():
            font = QFont()
            font.setBold(self.emphasised(self.records[index.row()]))
            return font
        return super().data(index, role)
