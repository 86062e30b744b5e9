"""A device faceplate (level 3): key values, mini-trend, the device's alarms, writable points."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.livecache import LiveValue
from core.model import NS_PER_S, now_ns
from core.tags import TagInfo
from hmi.bridge import LiveUpdate
from hmi.context import HmiContext
from hmi.formatting import quality_text, value_text
from hmi.icons import icon_button
from hmi.models.alarm_model import AlarmSnapshot
from hmi.models.alarm_table import AlarmTableModel
from hmi.models.records import Column, RecordTableModel
from hmi.series_buffer import SeriesBuffer
from hmi.views.trends.pens import held, seconds, split_by_quality
from hmi.widgets.tables import make_table
from hmi.widgets.write_dialog import WriteDialog

MINI_TREND_S = 600
MINI_TREND_PENS = 3
KEY_VALUES = 12


def key_tags(ctx: HmiContext, device: str) -> list[TagInfo]:
    """The device's tags, most telling first: alarmed, configured, writable, then the rest."""
    alarmed = {d.tag for d in ctx.alarms.definitions()}
    tags = [t for t in ctx.registry if t.device == device]
    return sorted(
        tags, key=lambda t: (t.name not in alarmed, t.origin != "config", t.writable, t.name)
    )


class Faceplate(QFrame):
    """Everything about one device on one panel."""

    def __init__(self, ctx: HmiContext, device: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.device = device
        self.setObjectName("faceplate")
        self.tags = key_tags(ctx, device)
        self.values: dict[int, LiveValue] = {}
        self.header = QLabel(device)
        self.header.setProperty("role", "heading")
        self.values_model: RecordTableModel[TagInfo] = RecordTableModel(self._value_columns())
        self.values_model.set_records(self.tags[:KEY_VALUES])
        self.values_table = make_table(
            self.values_model, "faceplate_values", stretch_column=0, fit=True
        )
        self.alarm_model = AlarmTableModel(ctx.clock)
        self.alarm_table = make_table(
            self.alarm_model, "faceplate_alarms", stretch_column=4, fit=True
        )
        for column in (2, 3, 6):
            self.alarm_table.setColumnHidden(column, True)
        offset = ctx.clock.utc_offset_s(now_ns())
        self.trend = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(utcOffset=-offset)})
        self.trend.setBackground(ctx.palette.panel)
        self.trend.setMenuEnabled(False)
        self.trend.setMinimumHeight(150)
        self.trend_button = icon_button("trend_this", "Trend this")
        self.trend_button.clicked.connect(self._trend_selected)
        self.write_buttons: dict[str, QPushButton] = {}
        self.buffers: dict[int, SeriesBuffer] = {}
        self.curves: dict[int, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        self._build()
        self._start_trend()
        self.show_snapshot(ctx.alarms.snapshot)
        ctx.bridge.updated.connect(self.on_update)
        ctx.bridge.alarms_changed.connect(self.show_snapshot)

    def _value_columns(self) -> list[Column[TagInfo]]:
        def live(t: TagInfo) -> LiveValue | None:
            return self.values.get(t.id) or self.ctx.collector.pipeline.live.get(t.id)

        return [
            Column("Point", lambda t: t.name.split("/", 1)[-1], tooltip=lambda t: t.description),
            Column("Value", lambda t: value_text(v.value) if (v := live(t)) else "---"),
            Column("Unit", lambda t: t.unit),
            Column("Quality", lambda t: quality_text(v.quality) if (v := live(t)) else ""),
        ]

    def _build(self) -> None:
        description = next(
            (d.description for d in self.ctx.config.devices if d.name == self.device), ""
        )
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        head.addWidget(self.header)
        caption = QLabel(description)
        caption.setProperty("role", "caption")
        head.addWidget(caption, 1)
        layout.addLayout(head)
        values = QGroupBox("Key values")
        box = QVBoxLayout(values)
        box.addWidget(self.values_table)
        box.addWidget(self.trend_button)
        layout.addWidget(values, 2)
        trend = QGroupBox("Last 10 minutes")
        QVBoxLayout(trend).addWidget(self.trend)
        layout.addWidget(trend, 2)
        alarms = QGroupBox("Alarms of this device")
        QVBoxLayout(alarms).addWidget(self.alarm_table)
        layout.addWidget(alarms, 1)
        layout.addWidget(self._writable_box())

    def _writable_box(self) -> QGroupBox:
        box = QGroupBox("Writable points")
        grid = QGridLayout(box)
        writable = [t for t in self.tags if t.writable]
        if not writable:
            grid.addWidget(QLabel("This device has no writable points."), 0, 0)
        for row, tag in enumerate(writable):
            grid.addWidget(QLabel(tag.name.split("/", 1)[-1]), row, 0)
            button = icon_button("write", "Set…")
            button.setObjectName(f"write_{tag.name}")
            button.clicked.connect(lambda _=False, t=tag: self.open_write(t))
            grid.addWidget(button, row, 1)
            self.write_buttons[tag.name] = button
        return box

    # -- mini-trend -----------------------------------------------------------------------------
    def trend_tags(self) -> list[TagInfo]:
        """Up to three tags of the first key tag's unit (one axis: e.g. temperature and its
        setpoint together)."""
        if not self.tags:
            return []
        unit = self.tags[0].unit
        return [t for t in self.tags if t.unit == unit][:MINI_TREND_PENS]

    def _start_trend(self) -> None:
        pens = self.trend_tags()
        end = now_ns()
        start = end - MINI_TREND_S * NS_PER_S
        for i, tag in enumerate(pens):
            colour = self.ctx.palette.pens[i % len(self.ctx.palette.pens)]
            self.buffers[tag.id] = SeriesBuffer()
            solid = self.trend.plot(pen=pg.mkPen(colour, width=1.5), name=tag.name, antialias=True)
            dashed = self.trend.plot(pen=pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine))
            self.curves[tag.id] = (solid, dashed)
            self.ctx.bridge.watch(tag.id)
        names = [t.name for t in pens]
        historian = self.ctx.historian
        self.ctx.workers.submit(
            lambda: {n: historian.history(n, start, end, 600) for n in names},
            self._history,
            context=self,
            name="faceplate-history",
        )

    def _history(self, series: dict[str, object]) -> None:
        for name, s in series.items():
            info = self.ctx.tag(name)
            if info is not None and info.id in self.buffers:
                self.buffers[info.id].replace(s.ts_ns, s.values, s.quality)  # type: ignore[attr-defined]
        self._redraw()

    def on_update(self, update: LiveUpdate) -> None:
        """New live values and trend points."""
        mine = {t: v for t, v in update.latest.items() if t in self.values_model_ids()}
        if mine:
            self.values.update(mine)
            self.values_model.update_records(self.values_model.records)
        for tag_id, chunk in update.trend.items():
            buffer = self.buffers.get(tag_id)
            if buffer is not None:
                buffer.append(chunk.ts_ns, chunk.values, chunk.quality)
        if update.trend.keys() & self.buffers.keys():
            self._redraw()

    def values_model_ids(self) -> set[int]:
        """Tag ids shown in the key values."""
        return {t.id for t in self.values_model.records}

    def _redraw(self) -> None:
        now = now_ns()
        cut = now - MINI_TREND_S * NS_PER_S
        for tag_id, buffer in self.buffers.items():
            buffer.trim_before(cut)
            ts, values, quality = held(*buffer.view(), now)
            solid, dashed = split_by_quality(values, quality)
            x = seconds(ts)
            self.curves[tag_id][0].setData(x, solid, connect="finite")
            self.curves[tag_id][1].setData(x, dashed, connect="finite")

    # -- alarms and actions ---------------------------------------------------------------------
    def show_snapshot(self, snapshot: AlarmSnapshot) -> None:
        """The device's alarms."""
        self.alarm_model.set_items(snapshot.for_device(self.device))

    def selected_tag(self) -> TagInfo | None:
        """The tag selected in the key values."""
        rows = self.values_table.selectionModel().selectedRows()
        index: QModelIndex = rows[0] if rows else QModelIndex()
        return self.values_model.record(index.row()) if index.isValid() else None

    def _trend_selected(self) -> None:
        tag = self.selected_tag() or (self.tags[0] if self.tags else None)
        if tag is not None:
            self.ctx.nav.trend_tag.emit(tag.name)

    def open_write(self, tag: TagInfo) -> WriteDialog:
        """Open the write dialog of a writable point (non-modal; returned for tests)."""
        dialog = WriteDialog(self.ctx, tag, self)
        dialog.setModal(True)
        dialog.show()
        return dialog

    def release(self) -> None:
        """Stop watching the mini-trend tags (before the faceplate goes away)."""
        for tag_id in self.buffers:
            self.ctx.bridge.unwatch(tag_id)
        self.buffers.clear()
        self.ctx.bridge.updated.disconnect(self.on_update)
        self.ctx.bridge.alarms_changed.disconnect(self.show_snapshot)
