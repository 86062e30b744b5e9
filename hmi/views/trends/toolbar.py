"""The trend toolbar (live, presets, custom range, layout, cursor, axes, views, exports) and
the custom-range dialog. Every action is a visible button: nothing hides behind hover or a
right click, so the same toolbar works on a touch panel. The buttons wrap into a second row
(:class:`~hmi.widgets.flow_layout.FlowLayout`) when the view is narrower than all of them, so a
button is never squeezed below its text and the toolbar never widens the window."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QToolButton,
    QWidget,
)

from core.model import NS_PER_S
from hmi.icons import tag_icon
from hmi.views.trends.pens import PRESETS_S
from hmi.widgets.flow_layout import FlowLayout

MS_PER_S = 1000


def _button(text: str, icon: str | None = None, checkable: bool = False) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    if icon:
        tag_icon(button, icon)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setCheckable(checkable)
    button.setObjectName(f"trend_{text.lower().replace(' ', '_').replace('…', '')}")
    return button


class TrendToolbar(QWidget):
    """Buttons of the trend view; it only emits, the view decides."""

    live_toggled = Signal(bool)
    preset_chosen = Signal(int)
    custom_requested = Signal()
    layout_toggled = Signal(bool)
    """True: overlay (one plot, several axes); False: stacked plots."""
    cursor_toggled = Signal(bool)
    own_axis_requested = Signal()
    share_axis_requested = Signal()
    remove_requested = Signal()
    save_requested = Signal()
    view_chosen = Signal(str)
    csv_requested = Signal()
    png_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trendToolbar")
        layout = FlowLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.live = _button("Live", "live", checkable=True)
        self.live.setChecked(True)
        self.live.toggled.connect(self.live_toggled.emit)
        layout.addWidget(self.live)
        self.presets = QButtonGroup(self)
        self.preset_buttons: dict[int, QToolButton] = {}
        for text, seconds in PRESETS_S:
            button = _button(text, checkable=True)
            self.presets.addButton(button, seconds)
            self.preset_buttons[seconds] = button
            layout.addWidget(button)
        self.presets.idClicked.connect(self.preset_chosen.emit)
        self.custom = _button("Custom…")
        self.custom.clicked.connect(self.custom_requested.emit)
        layout.addWidget(self.custom)
        self.overlay = _button("Overlay", "overlay", checkable=True)
        self.overlay.toggled.connect(self.layout_toggled.emit)
        self.cursor_button = _button("Cursor", "cursor", checkable=True)
        self.cursor_button.toggled.connect(self.cursor_toggled.emit)
        self.own_axis = _button("Own axis")
        self.own_axis.clicked.connect(self.own_axis_requested.emit)
        self.share_axis = _button("Share axis")
        self.share_axis.clicked.connect(self.share_axis_requested.emit)
        self.remove = _button("Remove pen", "remove")
        self.remove.clicked.connect(self.remove_requested.emit)
        for button in (
            self.overlay,
            self.cursor_button,
            self.own_axis,
            self.share_axis,
            self.remove,
        ):
            layout.addWidget(button)
        self._add_view_controls(layout)

    def _add_view_controls(self, layout: FlowLayout) -> None:
        self.views = QComboBox()
        self.views.setPlaceholderText("Saved views")
        self.views.setMinimumWidth(140)
        self.views.textActivated.connect(self.view_chosen.emit)
        self.save = _button("Save view", "save")
        self.save.clicked.connect(self.save_requested.emit)
        self.csv = _button("CSV", "export")
        self.csv.setToolTip("Export the visible data to CSV")
        self.csv.clicked.connect(self.csv_requested.emit)
        self.png = _button("PNG", "image")
        self.png.setToolTip("Export the chart to PNG")
        self.png.clicked.connect(self.png_requested.emit)
        for widget in (self.views, self.save, self.csv, self.png):
            layout.addWidget(widget)

    def extra_height(self, width: int) -> int:
        """Height the wrapped rows need at ``width`` beyond the one-row minimum."""
        return max(self.heightForWidth(width) - self.minimumSizeHint().height(), 0)

    def show_preset(self, span_s: int | None) -> None:
        """Check the preset matching the span (none for a custom range)."""
        button = self.preset_buttons.get(span_s or -1)
        self.presets.setExclusive(False)
        for other in self.preset_buttons.values():
            other.setChecked(other is button)
        self.presets.setExclusive(True)

    def set_views(self, names: list[str]) -> None:
        """The saved view names."""
        self.views.clear()
        self.views.addItems(names)
        self.views.setCurrentIndex(-1)


class CustomRangeDialog(QDialog):
    """From/to in plant time."""

    def __init__(self, start_ns: int, end_ns: int, zone: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Custom time range")
        tz = QTimeZone(zone.encode())
        self.start = QDateTimeEdit(QDateTime.fromMSecsSinceEpoch(start_ns // 1_000_000, tz))
        self.end = QDateTimeEdit(QDateTime.fromMSecsSinceEpoch(end_ns // 1_000_000, tz))
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        form = QFormLayout(self)
        form.addRow(QLabel(f"Plant time ({zone})"))
        form.addRow("From", self.start)
        form.addRow("To", self.end)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def range_ns(self) -> tuple[int, int]:
        """The chosen range as UTC nanoseconds."""
        start = self.start.dateTime().toMSecsSinceEpoch() * (NS_PER_S // MS_PER_S)
        end = self.end.dateTime().toMSecsSinceEpoch() * (NS_PER_S // MS_PER_S)
        return start, end
