"""Overview tiles: a key value with its normal-range indicator and sparkline; an area roll-up."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.livecache import LiveValue
from hmi.formatting import quality_class, quality_text, value_text
from hmi.icons import bad_quality_icon, icon_button, priority_icon, quiet_priority_icon
from hmi.kpi_selection import NormalRange
from hmi.models.alarm_model import AlarmItem
from hmi.theme import LIGHT, PRIORITY_NUMBERS, Palette, set_property
from hmi.widgets.sparkline import Sparkline


class RangeBar(QWidget):
    """A horizontal scale: the normal band in grey and a pointer at the value."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.range: NormalRange | None = None
        self.value: float | None = None
        self.palette_ = LIGHT
        self.setFixedHeight(14)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(160, 14)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        if self.range is None:
            return
        low = self.range.low if self.range.low is not None else self.value
        high = self.range.high if self.range.high is not None else self.value
        if low is None or high is None:
            return
        span = (high - low) or 1.0
        lo, hi = low - span * 0.5, high + span * 0.5
        painter = QPainter(self)
        rect = QRectF(self.rect()).adjusted(4, 2, -4, -6)

        def x_of(v: float) -> float:
            return rect.left() + (min(max(v, lo), hi) - lo) / (hi - lo) * rect.width()

        painter.fillRect(rect, QColor(self.palette_.panel))
        painter.fillRect(
            QRectF(x_of(low), rect.top(), x_of(high) - x_of(low), rect.height()),
            QColor(self.palette_.normal_band),
        )
        if self.value is not None:
            x = x_of(self.value)
            painter.setPen(QPen(QColor(self.palette_.text), 1))
            painter.setBrush(QColor(self.palette_.text))
            painter.drawPolygon(
                QPolygonF(
                    [
                        QPointF(x - 5, rect.bottom() + 5),
                        QPointF(x + 5, rect.bottom() + 5),
                        QPointF(x, rect.top()),
                    ]
                )
            )
        painter.end()


class KpiTile(QFrame):
    """Title, value + unit, range bar, sparkline, alarm symbol, "trend this"."""

    trend_requested = Signal(str)

    def __init__(self, title: str, tag: str, unit: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tag = tag
        self.setProperty("tile", True)
        self.setObjectName(f"kpi_{title.lower()}")
        self.title = QLabel(title)
        self.title.setProperty("role", "heading")
        self.source = QLabel(tag)
        self.source.setProperty("role", "caption")
        self.value = QLabel("---")
        self.value.setProperty("role", "value")
        self.unit = QLabel(unit)
        self.unit.setProperty("role", "unit")
        self.state = QLabel("")
        self.state.setProperty("role", "caption")
        self.alarm = QLabel()
        self.alarm.setFixedSize(22, 22)
        self.range_bar = RangeBar()
        self.spark = Sparkline()
        self.trend_button = icon_button("trend_this", "Trend")
        self.trend_button.setToolTip(f"Trend {tag}")
        self.trend_button.clicked.connect(lambda: self.trend_requested.emit(self.tag))
        self._build()
        self.range: NormalRange | None = None
        self.last: LiveValue | None = None

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.alarm)
        layout.addLayout(head)
        layout.addWidget(self.source)
        row = QHBoxLayout()
        row.addWidget(self.value)
        row.addWidget(self.unit, 0, Qt.AlignmentFlag.AlignBottom)
        row.addStretch(1)
        row.addWidget(self.trend_button)
        layout.addLayout(row)
        layout.addWidget(self.range_bar)
        layout.addWidget(self.state)
        layout.addWidget(self.spark)

    def set_palette(self, palette: Palette) -> None:
        """Theme colours for the painted parts."""
        self.range_bar.palette_ = palette
        self.spark.set_palette(palette)

    def set_range(self, normal: NormalRange | None) -> None:
        """The normal band."""
        self.range = normal
        self.range_bar.range = normal
        self.spark.set_band(*(normal.low, normal.high) if normal else (None, None))
        self.range_bar.update()

    def set_value(self, live: LiveValue) -> None:
        """Show a new value; out of the normal band is written out, not only coloured."""
        self.last = live
        q = quality_class(live.quality)
        self.value.setText(value_text(live.value))
        set_property(self.value, "quality", q)
        self.range_bar.value = live.value
        self.range_bar.update()
        text = "" if q == "good" else quality_text(live.quality)
        abnormal = self.range is not None and not self.range.contains(live.value)
        if abnormal and self.range is not None:
            side = "HIGH" if self.range.high is not None and live.value > self.range.high else "LOW"
            text = f"{side}: outside normal range ({self.range.source}) {text}".strip()
        self.state.setText(text)
        set_property(self, "abnormal", bool(abnormal))
        if q != "good":
            self.alarm.setPixmap(bad_quality_icon().pixmap(22, 22))

    def set_alarm(self, item: AlarmItem | None) -> None:
        """Show the symbol of the most urgent active alarm of the tag."""
        if item is None:
            if self.last is None or quality_class(self.last.quality) == "good":
                self.alarm.clear()
            self.alarm.setToolTip("")
            return
        self.alarm.setPixmap(priority_icon(item.priority, not item.needs_ack).pixmap(22, 22))
        self.alarm.setToolTip(f"P{PRIORITY_NUMBERS.get(item.priority, 4)} {item.text}")


class AreaTile(QFrame):
    """An area with its active alarm counts per priority; a click opens its devices (level 2)."""

    open_requested = Signal(str)

    def __init__(self, area: str, devices: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.area = area
        self.setProperty("tile", True)
        self.setObjectName(f"area_{area}")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = QVBoxLayout(self)
        title = QLabel(area or "(no area)")
        title.setProperty("role", "heading")
        layout.addWidget(title)
        self.caption = QLabel(f"{devices} device(s)")
        self.caption.setProperty("role", "caption")
        layout.addWidget(self.caption)
        counts = QHBoxLayout()
        self.counts: dict[str, QLabel] = {}
        self.icons: dict[str, QLabel] = {}
        for priority in ("critical", "high", "medium", "low"):
            icon = QLabel()
            icon.setPixmap(quiet_priority_icon(priority).pixmap(20, 20))
            label = QLabel("0")
            label.setToolTip(f"priority {PRIORITY_NUMBERS[priority]} ({priority})")
            counts.addWidget(icon)
            counts.addWidget(label)
            counts.addSpacing(8)
            self.counts[priority], self.icons[priority] = label, icon
        counts.addStretch(1)
        layout.addLayout(counts)
        self.open_button = icon_button("devices", "Devices")
        self.open_button.clicked.connect(lambda: self.open_requested.emit(self.area))
        layout.addWidget(self.open_button)

    def set_devices(self, total: int, online: int) -> None:
        """How many of the area's devices are online."""
        offline = total - online
        text = f"{total} device(s), {online} online"
        self.caption.setText(text + (f", {offline} OFFLINE" if offline else ""))

    def set_alarms(self, items: list[AlarmItem]) -> None:
        """Roll up the active alarms of the area."""
        for priority, label in self.counts.items():
            mine = [i for i in items if i.priority == priority]
            label.setText(str(len(mine)))
            if not mine:
                icon = quiet_priority_icon(priority)
            else:
                icon = priority_icon(priority, not any(i.needs_ack for i in mine))
            self.icons[priority].setPixmap(icon.pixmap(20, 20))
        set_property(self, "abnormal", bool(items))
