"""The status bar: each driver's link state, ingest rate, store and spool, the logged-on user
(a button: log on / log off) and plant time.

It fits the 1280x800 touch panel: the driver links fold into a summary line (abnormal links
first) and the user's roles are elided (:mod:`.status_parts`) when the bar is short of room; a
tap on the user opens the user panel with every role in full."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from core.model import now_ns
from hmi.bridge import StationStatus
from hmi.formatting import PlantClock
from hmi.theme import set_property
from hmi.widgets.status_parts import ABNORMAL_LINK_STATES, DriverLinks, UserButton


class StationStatusBar(QStatusBar):
    """Always visible at the bottom of the main window."""

    def __init__(self, clock: PlantClock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self.setSizeGripEnabled(False)
        self.drivers_box = DriverLinks()
        self.driver_labels = self.drivers_box.labels
        self.phase = QLabel("connecting…")
        set_property(self.phase, "state", "connecting")
        self.rate = QLabel("ingest —")
        self.store = QLabel("store —")
        self.spool = QLabel("spool —")
        self.user = UserButton()
        self.user.setObjectName("user_button")
        self.user.setFlat(True)
        self.user.setEnabled(False)
        self.plant_time = QLabel()
        self.addWidget(self.phase)
        self.addWidget(self.drivers_box, 1)
        for label in (self.rate, self.store, self.spool, self.user, self.plant_time):
            self.addPermanentWidget(label)
        self._last_received: tuple[float, int] | None = None
        self.ingest_rate = 0.0
        self._clock_timer = QTimer(self)
        self._clock_timer.timeout.connect(self._tick)
        self._clock_timer.start(1000)
        self._tick()

    def _tick(self) -> None:
        self.plant_time.setText(f"{self._clock.datetime_text(now_ns())} {self._clock.name}")

    def show_user(self, username: str, roles: str = "") -> None:
        """The logged-on user (a click logs off), or "Log on…"."""
        self.user.setEnabled(True)
        self.user.show_user(username, roles)

    def set_phase(self, text: str) -> None:
        """Start-up progress ("opening the historian"...), hidden once running."""
        self.phase.setText(text)
        self.phase.setVisible(text != "running")

    def show_status(self, status: StationStatus) -> None:
        """Update every field from a status snapshot."""
        data = status.collector
        for driver in data.get("drivers", []):
            self._driver_label(driver["name"], driver["kind"], driver["state"], driver)
        self._show_rate(data.get("counters", {}).get("received", 0))
        store = data.get("store", {})
        online = bool(store.get("online", False))
        self.store.setText("store online" if online else "store OFFLINE")
        self.store.setToolTip(str(store.get("last_error") or store.get("url", "")))
        set_property(self.store, "state", "online" if online else "offline")
        spool = data.get("spool", {})
        pending = int(spool.get("pending", 0))
        self.spool.setText(f"spool {pending} pending" if pending else "spool empty")
        set_property(self.spool, "state", "offline" if pending else "online")

    def _driver_label(self, name: str, kind: str, state: str, info: dict[str, object]) -> None:
        marker = "✖ " if state in ABNORMAL_LINK_STATES else ""
        tip = f"{kind} {info.get('endpoint', '')}\n{info.get('last_error', '')}".strip()
        self.drivers_box.set_link(name, f"{marker}{name}: {state}", state, tip)

    def _show_rate(self, received: int) -> None:
        now = time.monotonic()
        if self._last_received is not None:
            then, count = self._last_received
            if now > then:
                self.ingest_rate = max(received - count, 0) / (now - then)
        self._last_received = (now, received)
        self.rate.setText(f"ingest {self.ingest_rate:,.0f}/s")
