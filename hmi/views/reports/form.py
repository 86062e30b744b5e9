"""What report to generate: kind, period (presets or a custom window in plant time) and scope
(an area, and for the energy report the meters and the period grouping; shift notes for the
shift report). The form only builds a :class:`core.reports.ReportRequest`; the request checks
itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QWidget,
)

from core.analytics.energy.periods import Shift
from core.reports import REPORT_KINDS, ReportRequest
from core.reports.model import TITLES
from hmi.formatting import PlantClock
from hmi.views.reports.periods import CUSTOM, DEFAULT_PRESET, preset_window, presets_for

log = logging.getLogger(__name__)

WHOLE_PLANT = "Whole plant"
AUTOMATIC = "automatic"
GROUPINGS = ("hour", "day", "week", "month", "shift", "total")
NS_PER_MS = 1_000_000
MIN_COMBO_CHARS = 14
"""Combo boxes do not widen the form to their longest item (narrow touch panels)."""


class ReportForm(QWidget):
    """Kind, period and scope of the next report."""

    changed = Signal()

    def __init__(
        self,
        clock: PlantClock,
        areas: Sequence[str],
        shifts: Sequence[Shift],
        now: Callable[[], int],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.clock, self.shifts, self._now = clock, list(shifts), now
        self.zone = QTimeZone(clock.name.encode())
        self.kind = self._combo("report_kind", [(TITLES[k], k) for k in REPORT_KINDS])
        self.preset = self._combo("report_preset", [(p, p) for p in presets_for(shifts)])
        self.preset.setCurrentText(DEFAULT_PRESET)
        self.start_edit, self.end_edit = self._edit("report_from"), self._edit("report_to")
        self.area = self._combo("report_area", [(WHOLE_PLANT, ""), *((a, a) for a in areas)])
        groupings = [g for g in GROUPINGS if g != "shift" or shifts]
        choices = [(g, "" if g == AUTOMATIC else g) for g in (AUTOMATIC, *groupings)]
        self.by = self._combo("report_by", choices)
        self.devices = QListWidget()
        self.devices.setObjectName("report_devices")
        self.devices.setMaximumHeight(130)
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("report_notes")
        self.notes.setPlaceholderText("one note per line (printed in the shift report)")
        self.notes.setMaximumHeight(80)
        self.meters: list[tuple[str, str]] = []
        self.form = QFormLayout(self)
        self._build()

    def _combo(self, name: str, items: Sequence[tuple[str, str]]) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(MIN_COMBO_CHARS)
        for text, data in items:
            combo.addItem(text, data)
        combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        return combo

    def _edit(self, name: str) -> QDateTimeEdit:
        edit = QDateTimeEdit()
        edit.setObjectName(name)
        edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        edit.setCalendarPopup(True)
        edit.setTimeZone(self.zone)
        edit.dateTimeChanged.connect(lambda _v: self.changed.emit())
        return edit

    def _build(self) -> None:
        self.form.setContentsMargins(0, 0, 0, 0)
        zone = QLabel(f"plant time, {self.clock.name}")
        zone.setProperty("role", "caption")
        self.form.addRow("Kind", self.kind)
        self.form.addRow("Period", self.preset)
        self.form.addRow("From", self.start_edit)
        self.form.addRow("To", self.end_edit)
        self.form.addRow("", zone)
        self.form.addRow("Area", self.area)
        self.form.addRow("Meters", self.devices)
        self.form.addRow("Grouping", self.by)
        self.form.addRow("Notes", self.notes)
        self.preset.currentIndexChanged.connect(lambda _i: self._preset_changed())
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.area.currentIndexChanged.connect(lambda _i: self._fill_devices())
        self._preset_changed()
        self._kind_changed()

    # -- behaviour ------------------------------------------------------------------------------
    def now(self) -> int:
        """The clock the presets are evaluated at (injected; the security core's)."""
        return self._now()

    def _preset_changed(self) -> None:
        custom = self.preset.currentData() == CUSTOM
        for edit in (self.start_edit, self.end_edit):
            edit.setEnabled(custom)
        if not custom:
            try:
                self._show(*self.window())
            except ValueError as exc:
                log.info("period preset %s: %s", self.preset.currentText(), exc)

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        for widget, only in ((self.devices, "energy"), (self.by, "energy"), (self.notes, "shift")):
            visible = kind == only
            widget.setVisible(visible)
            label = self.form.labelForField(widget)
            if label is not None:
                label.setVisible(visible)

    def _show(self, start_ns: int, end_ns: int) -> None:
        for edit, ts in ((self.start_edit, start_ns), (self.end_edit, end_ns)):
            edit.blockSignals(True)
            edit.setDateTime(QDateTime.fromMSecsSinceEpoch(ts // NS_PER_MS, self.zone))
            edit.blockSignals(False)

    def set_meters(self, meters: Sequence[tuple[str, str]]) -> None:
        """The energy meters that may be chosen: ``(device, area)``."""
        self.meters = list(meters)
        self._fill_devices()

    def _fill_devices(self) -> None:
        area = self.area.currentData() or ""
        self.devices.clear()
        for device, device_area in self.meters:
            if area and device_area != area:
                continue
            item = QListWidgetItem(f"{device} ({device_area})" if device_area else device)
            item.setData(Qt.ItemDataRole.UserRole, device)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.devices.addItem(item)
        self.devices.setToolTip("None ticked: every meter of the area (or of the plant).")

    # -- the request ----------------------------------------------------------------------------
    def choose(self, kind: str, preset: str = "", area: str = "") -> None:
        """Pick a kind, a preset and an area (scripts, tests, the screenshot tour)."""
        self.kind.setCurrentIndex(self.kind.findData(kind))
        if preset:
            self.preset.setCurrentIndex(self.preset.findData(preset))
        self.area.setCurrentIndex(max(self.area.findData(area), 0))

    def set_custom(self, start_ns: int, end_ns: int) -> None:
        """A custom window (whole minutes, as the editors show it)."""
        self.preset.setCurrentIndex(self.preset.findData(CUSTOM))
        self._show(start_ns, end_ns)

    def window(self) -> tuple[int, int]:
        """The chosen ``(start_ns, end_ns)``; a preset is evaluated now."""
        preset = str(self.preset.currentData())
        if preset != CUSTOM:
            return preset_window(preset, self.clock.zone, self.now(), self.shifts)
        start = self.start_edit.dateTime().toMSecsSinceEpoch() * NS_PER_MS
        end = self.end_edit.dateTime().toMSecsSinceEpoch() * NS_PER_MS
        return start, end

    def chosen_devices(self) -> tuple[str, ...]:
        """Ticked meters (energy report only)."""
        items = (self.devices.item(i) for i in range(self.devices.count()))
        ticked = [i for i in items if i.checkState() == Qt.CheckState.Checked]
        return tuple(str(i.data(Qt.ItemDataRole.UserRole)) for i in ticked)

    def request(self, user: str) -> ReportRequest:
        """The report asked for, generated by ``user`` (ConfigError/ValueError when invalid)."""
        kind = str(self.kind.currentData())
        start, end = self.window()
        if end <= start:
            raise ValueError("the period must end after it starts")
        notes = [n.strip() for n in self.notes.toPlainText().splitlines() if n.strip()]
        return ReportRequest(
            kind,
            start,
            end,
            area=str(self.area.currentData() or ""),
            devices=self.chosen_devices() if kind == "energy" else (),
            by=str(self.by.currentData() or "") if kind == "energy" else "",
            notes=tuple(notes) if kind == "shift" else (),
            generated_by=user,
            source="reports view",
        )
