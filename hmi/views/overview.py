"""The plant overview (level 1): key values, areas with their alarm roll-up, devices online."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QGridLayout, QGroupBox, QHBoxLayout, QVBoxLayout, QWidget

from core.livecache import LiveValue
from core.model import NS_PER_S, Quality, now_ns
from hmi.bridge import LiveUpdate, StationStatus
from hmi.context import HmiContext
from hmi.formatting import age_text
from hmi.icons import icon_button
from hmi.kpi_selection import KPI_KINDS, normal_range, pick_kpi_tags
from hmi.models.alarm_model import AlarmItem, AlarmSnapshot
from hmi.models.device_rows import DeviceRow, DeviceTable, device_table
from hmi.models.records import Column, RecordTableModel, TextFilterProxy
from hmi.widgets.kpi_tile import AreaTile, KpiTile
from hmi.widgets.tables import make_table
from hmi.widgets.tile_grid import TileGrid

SPARK_S = 600
SEEN_COLUMN = 3
"""The "Last seen" column: its age text moves on even when no row changed."""
UPTIME_TAG = "(station uptime)"


class OverviewView(QWidget):
    """KPI tiles, area tiles and the device list."""

    def __init__(self, ctx: HmiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tiles: dict[str, KpiTile] = {}
        self.areas: dict[str, AreaTile] = {}
        self.links: dict[str, tuple[str, int]] = {}
        self.started_ns = now_ns()
        self._known_tags = 0
        self._devices: DeviceTable | None = None
        self.device_model: RecordTableModel[DeviceRow] = RecordTableModel(self._device_columns())
        self.device_proxy = TextFilterProxy()
        self.device_proxy.setSourceModel(self.device_model)
        self.device_table = make_table(
            self.device_proxy, "overview_devices", sort_column=2, descending=False
        )
        self.device_table.doubleClicked.connect(self._open_device)
        self._build()
        self.show_snapshot(ctx.alarms.snapshot)
        self.device_model.set_records(device_table(ctx.collector, {}).rows)  # then from status
        self.device_table.resizeColumnsToContents()
        ctx.bridge.updated.connect(self.on_update)
        ctx.bridge.alarms_changed.connect(self.show_snapshot)
        ctx.bridge.status_changed.connect(self.on_status)

    def _device_columns(self) -> list[Column[DeviceRow]]:
        def state_text(r: DeviceRow) -> str:
            return r.state.upper() if r.state in ("offline", "degraded") else r.state

        def seen_text(r: DeviceRow) -> str:
            if not r.last_seen_ns:
                return "never"
            age = age_text(now_ns() - r.last_seen_ns)
            return f"{self.ctx.clock.time_text(r.last_seen_ns)} ({age} ago)"

        return [
            Column("Device", lambda r: r.name),
            Column("Area", lambda r: r.area),
            Column("State", state_text, lambda r: (r.state == "online", r.name)),
            Column("Last seen", seen_text, lambda r: r.last_seen_ns),
        ]

    def _build(self) -> None:
        tiles = QGroupBox("Key values")
        self.tile_row = TileGrid()  # one row on a desk, wrapped on the touch panel
        QVBoxLayout(tiles).addWidget(self.tile_row)
        self.sync_tiles()
        areas = QGroupBox("Areas")
        grid = QGridLayout(areas)
        names = [a.name for a in self.ctx.config.areas] or sorted(
            {d.area for d in self.ctx.config.devices if d.area}
        )
        for i, area in enumerate(names):
            tile = AreaTile(area, self._devices_in(area))
            tile.open_requested.connect(self.ctx.nav.show_area.emit)
            self.areas[area] = tile
            grid.addWidget(tile, i // 3, i % 3)
        grid.setRowStretch(len(names) // 3 + 1, 1)
        devices = QGroupBox("Devices")
        column = QVBoxLayout(devices)
        column.addWidget(self.device_table)
        self.faceplate_button = icon_button("faceplate", "Faceplate")
        self.faceplate_button.clicked.connect(self._open_selected_device)
        column.addWidget(self.faceplate_button)
        bottom = QHBoxLayout()
        bottom.addWidget(areas, 3)
        bottom.addWidget(devices, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(tiles)
        layout.addLayout(bottom, 1)

    def _devices_in(self, area: str) -> int:
        return sum(1 for d in self.ctx.config.devices if d.area == area)

    def sync_tiles(self) -> None:
        """Add a tile for every KPI kind that has a tag now (tags appear as devices report)."""
        self._known_tags = len(self.ctx.registry)
        chosen = pick_kpi_tags(self.ctx.registry)
        definitions = self.ctx.alarms.definitions()
        fresh: list[str] = []
        for position, kind in enumerate(KPI_KINDS):
            tag = chosen.get(kind.key)
            name = tag.name if tag is not None else UPTIME_TAG
            if (tag is None and kind.key != "uptime") or self._has_kind(kind.key):
                continue
            tile = KpiTile(kind.title, name, tag.unit if tag is not None else "h")
            tile.setProperty("kind", kind.key)
            tile.set_palette(self.ctx.palette)
            tile.trend_requested.connect(self.ctx.nav.trend_tag.emit)
            if tag is not None:
                tile.set_range(normal_range(tag, definitions))
                self.ctx.bridge.watch(tag.id)
                fresh.append(name)
            else:
                tile.trend_button.setVisible(False)
            self.tiles[name] = tile
            self.tile_row.insert(self._slot(position), tile)
        if fresh:
            self._load_sparklines(fresh)

    def _has_kind(self, key: str) -> bool:
        return any(t.property("kind") == key for t in self.tiles.values())

    def _slot(self, position: int) -> int:
        earlier = {k.key for k in KPI_KINDS[:position]}
        return sum(1 for t in self.tiles.values() if t.property("kind") in earlier)

    def _load_sparklines(self, names: list[str]) -> None:
        end = now_ns()
        start = end - SPARK_S * NS_PER_S
        historian = self.ctx.historian
        self.ctx.workers.submit(
            lambda: {n: historian.history(n, start, end, 300) for n in names},
            self._sparklines_loaded,
            context=self,
            name="sparklines",
        )

    def _sparklines_loaded(self, series: dict[str, object]) -> None:
        for name, s in series.items():
            tile = self.tiles.get(name)
            if tile is not None and len(s):  # type: ignore[arg-type]
                tile.spark.buffer.replace(s.ts_ns, s.values, s.quality)  # type: ignore[attr-defined]
                tile.spark.end_ns = max(tile.spark.end_ns, int(s.ts_ns[-1]))  # type: ignore[attr-defined]
                tile.spark.update()
        live = self.ctx.collector.pipeline.latest(list(series))
        for name, value in live.items():
            self.tiles[name].set_value(value)

    def on_update(self, update: LiveUpdate) -> None:
        """Tiles follow the live values."""
        for name, tile in self.tiles.items():
            if name == UPTIME_TAG:
                continue
            info = self.ctx.tag(name)
            if info is None:
                continue
            value = update.latest.get(info.id)
            if value is not None:
                tile.set_value(value)
            chunk = update.trend.get(info.id)
            if chunk is not None:
                tile.spark.add(chunk.ts_ns, chunk.values, chunk.quality, update.created_ns)

    def on_status(self, status: StationStatus) -> None:
        """Device states (prepared by the bridge's status worker) and the station uptime."""
        self.links = status.devices
        self.show_devices(status.device_table)
        if len(self.ctx.registry) != self._known_tags:
            self.sync_tiles()
        started = int(status.collector.get("started_ns") or self.started_ns)
        uptime = self.tiles.get(UPTIME_TAG)
        if uptime is not None:
            hours = (now_ns() - started) / NS_PER_S / 3600
            uptime.set_value(LiveValue(now_ns(), hours, Quality.GOOD))
            uptime.source.setText(f"station up since {self.ctx.clock.datetime_text(started)}")

    def show_devices(self, table: DeviceTable) -> None:
        """Apply prepared device rows: rows and area counts only when they changed, else just
        the "Last seen" ages."""
        previous, self._devices = self._devices, table
        model = self.device_model
        if previous is not None and table.rows == previous.rows:
            if model.records:
                last = model.index(len(model.records) - 1, SEEN_COLUMN)
                model.dataChanged.emit(model.index(0, SEEN_COLUMN), last)
            return
        model.update_records(table.rows)
        for area, tile in self.areas.items():
            tile.set_devices(*table.area_counts(area))

    def show_snapshot(self, snapshot: AlarmSnapshot) -> None:
        """Area roll-up and the alarm symbols on the tiles."""
        for area, area_tile in self.areas.items():
            area_tile.set_alarms(snapshot.for_area(area))
        by_tag: dict[str, list[AlarmItem]] = {}
        for item in snapshot.active():
            by_tag.setdefault(item.tag, []).append(item)
        for name, tile in self.tiles.items():
            items = sorted(by_tag.get(name, []), key=lambda i: -i.rank)
            tile.set_alarm(items[0] if items else None)

    def _open_device(self, index: QModelIndex) -> None:
        self.ctx.nav.show_device.emit(self.device_proxy.record(index.row()).name)

    def _open_selected_device(self) -> None:
        rows = self.device_table.selectionModel().selectedRows()
        if rows:
            self._open_device(rows[0])
