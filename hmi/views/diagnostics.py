"""Diagnostics (level 4): pipeline, store, spool and driver counters with rates, the quarantined
inputs with their reasons, and the application's log."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hmi.bridge import StationStatus, rate_per_s
from hmi.context import HmiContext
from hmi.icons import icon_button
from hmi.models.records import Column, RecordTableModel, TextFilterProxy
from hmi.views.log_panel import LogPanel
from hmi.widgets.tables import MainColumnFit, make_table


@dataclass(frozen=True, slots=True)
class CounterRow:
    """A counter or gauge with its rate since the previous snapshot."""

    name: str
    value: int
    rate: float


COUNTER_COLUMNS: list[Column[CounterRow]] = [
    Column("Counter", lambda r: r.name),
    Column("Value", lambda r: f"{r.value:,}", lambda r: r.value),
    Column("Rate /s", lambda r: f"{r.rate:,.1f}", lambda r: r.rate),
]


def protocol_text(driver: dict[str, Any]) -> str:
    """The negotiated protocol (``MQTT 5``, ``MQTT 3.1.1``); empty before the first connection
    and for drivers without a choice of version."""
    protocol = driver.get("protocol") or ""
    return f"{str(driver['kind']).upper()} {protocol}" if protocol else ""


DRIVER_COLUMNS: list[Column[dict[str, Any]]] = [
    Column("Driver", lambda d: str(d["name"])),
    Column("Kind", lambda d: str(d["kind"])),
    Column("Protocol", protocol_text),
    Column("State", lambda d: str(d["state"]).upper() if d["state"] != "online" else "online"),
    Column("Endpoint", lambda d: str(d.get("endpoint", ""))),
    Column("Messages", lambda d: f"{d.get('messages', 0):,}", lambda d: d.get("messages", 0)),
    Column("Errors", lambda d: f"{d.get('errors', 0):,}", lambda d: d.get("errors", 0)),
    Column("Reconnects", lambda d: str(d.get("reconnects", 0)), lambda d: d.get("reconnects", 0)),
    Column(
        "Errors by reason",
        lambda d: ", ".join(f"{k}: {v}" for k, v in d.get("errors_by_reason", {}).items()),
    ),
    Column("Last error", lambda d: str(d.get("last_error", ""))),
]
LAST_ERROR = len(DRIVER_COLUMNS) - 1
"""The driver table's main text column (it keeps a readable share of the table)."""


def quarantine_columns(ctx: HmiContext) -> list[Column[dict[str, Any]]]:
    """Columns of the quarantine table."""
    return [
        Column("Rejected", lambda r: ctx.clock.datetime_text(r.get("ts_ns")), lambda r: r["id"]),
        Column("Source", lambda r: str(r.get("source", ""))),
        Column("Reason", lambda r: str(r.get("reason", ""))),
        Column("Tag", lambda r: str(r.get("tag", ""))),
        Column("Value", lambda r: str(r.get("value_text", ""))),
        Column("Detail", lambda r: str(r.get("detail", "")), tooltip=lambda r: str(r["detail"])),
    ]


class DiagnosticsView(QWidget):
    """Counters, drivers, store/spool, quarantine, log."""

    def __init__(
        self, ctx: HmiContext, log_dir: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.counters: RecordTableModel[CounterRow] = RecordTableModel(COUNTER_COLUMNS)
        counter_proxy = TextFilterProxy()
        counter_proxy.setSourceModel(self.counters)
        self.counter_table = make_table(counter_proxy, "diag_counters", stretch_column=0, fit=True)
        self.drivers: RecordTableModel[dict[str, Any]] = RecordTableModel(DRIVER_COLUMNS)
        self.driver_table = make_table(self.drivers, "diag_drivers", stretch_column=LAST_ERROR)
        self.driver_fit = MainColumnFit(self.driver_table, LAST_ERROR, follow_data=True)
        self.store_label = QLabel("store —")
        self.spool_label = QLabel("spool —")
        self.spool_label.setWordWrap(True)
        self.quarantine: RecordTableModel[dict[str, Any]] = RecordTableModel(
            quarantine_columns(ctx)
        )
        self.quarantine_proxy = TextFilterProxy()
        self.quarantine_proxy.setSourceModel(self.quarantine)
        self.quarantine_table = make_table(
            self.quarantine_proxy, "diag_quarantine", stretch_column=5, sort_column=0
        )
        self.quarantine_status = QLabel("")
        self.log_panel = LogPanel(ctx, log_dir)
        self.tabs = QTabWidget()
        self._previous: tuple[float, dict[str, int]] | None = None
        self._build()
        ctx.bridge.status_changed.connect(self.on_status)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.busy = False

    def _build(self) -> None:
        pipeline = QWidget()
        layout = QVBoxLayout(pipeline)
        store = QGroupBox("Store and spool")
        row = QHBoxLayout(store)
        row.addWidget(self.store_label)
        row.addWidget(self.spool_label, 1)
        layout.addWidget(store)
        drivers = QGroupBox("Drivers")
        QVBoxLayout(drivers).addWidget(self.driver_table)
        layout.addWidget(drivers, 1)
        counters = QGroupBox("Pipeline counters")
        QVBoxLayout(counters).addWidget(self.counter_table)
        layout.addWidget(counters, 2)
        quarantine = QWidget()
        column = QVBoxLayout(quarantine)
        refresh = icon_button("refresh", "Refresh")
        refresh.clicked.connect(self.refresh_quarantine)
        bar = QHBoxLayout()
        bar.addWidget(refresh)
        bar.addWidget(self.quarantine_status, 1)
        column.addLayout(bar)
        column.addWidget(self.quarantine_table, 1)
        self.tabs.addTab(pipeline, "Pipeline and drivers")
        self.tabs.addTab(quarantine, "Quarantine")
        self.tabs.addTab(self.log_panel, "Application log")
        QVBoxLayout(self).addWidget(self.tabs)

    def on_status(self, status: StationStatus) -> None:
        """New counters, driver states, store and spool."""
        data = status.collector
        counters: dict[str, int] = data.get("counters", {})
        now = time.monotonic()
        rates = (
            rate_per_s(self._previous[1], counters, now - self._previous[0])
            if (self._previous)
            else {}
        )
        self._previous = (now, counters)
        rows = [CounterRow(k, v, rates.get(k, 0.0)) for k, v in sorted(counters.items())]
        self.counters.update_records(rows)
        self.drivers.update_records(list(data.get("drivers", [])))
        store = data.get("store", {})
        state = "online" if store.get("online") else "OFFLINE"
        error = f" — {store['last_error']}" if store.get("last_error") else ""
        self.store_label.setText(f"store {state}: {store.get('url', '')}{error}")
        spool = data.get("spool", {})
        self.spool_label.setText(
            "spool: " + ", ".join(f"{k} {v:,}" for k, v in sorted(spool.items()))
        )

    def _tab_changed(self, index: int) -> None:
        if index == 1 and not self.quarantine.rowCount():
            self.refresh_quarantine()
        elif index == 2 and not self.log_panel.model.rowCount():
            self.log_panel.refresh()

    def refresh_quarantine(self) -> None:
        """Read the newest quarantined inputs in a worker."""
        if self.busy:
            return
        self.busy = True
        historian = self.ctx.historian
        self.ctx.workers.submit(
            lambda: historian.quarantine(limit=500),
            self._quarantine_loaded,
            self._quarantine_failed,
            context=self,
            name="quarantine",
        )

    def _quarantine_loaded(self, rows: list[dict[str, Any]]) -> None:
        self.busy = False
        self.quarantine.set_records(rows)
        reasons: dict[str, int] = {}
        for row in rows:
            reasons[row["reason"]] = reasons.get(row["reason"], 0) + 1
        summary = ", ".join(f"{k}: {v}" for k, v in sorted(reasons.items())) or "nothing"
        self.quarantine_status.setText(f"{len(rows)} newest quarantined inputs — {summary}")

    def _quarantine_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.quarantine_status.setText(f"quarantine unavailable: {exc}")
