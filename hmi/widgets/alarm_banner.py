"""The persistent alarm banner: counts per priority, the newest most urgent alarms, ack, silence.

The banner is grey when quiet. Each priority has a badge with its symbol (shape + colour +
number) and its counts, unacknowledged / active (the symbol is hollow once all are
acknowledged, grey when none is active); below, the newest unacknowledged alarms of the highest
priority are listed. "Acknowledge" acknowledges the listed alarms; "Silence" stops the horn.
During an alarm flood (EEMUA 191: more than 10 alarms in 10 minutes at a position, from
``AlarmEngine.flooding()``, polled in a worker by :class:`FloodWatch`) the banner says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.alarms.states import AlarmState
from hmi.formatting import PlantClock, value_text
from hmi.icons import icon_button, priority_icon, quiet_priority_icon
from hmi.models.alarm_model import AlarmItem, AlarmSnapshot
from hmi.theme import PRIORITY_NUMBERS, set_property
from hmi.workers import WorkerPool

PRIORITIES = ("critical", "high", "medium", "low")
BANNER_LINES = 3
FLOOD_POLL_MS = 2000


def shrink_to_fit(label: QLabel) -> None:
    """Let a long banner line be cut at the window's edge rather than widen the window (a
    1280 px touch panel); the whole text stays in the alarm console."""
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)


class PriorityBadge(QToolButton):
    """Symbol + count of one priority; a click opens the console filtered on it."""

    def __init__(self, priority: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.priority = priority
        self.count = self.unacked = 0
        self.setIconSize(QSize(22, 22))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setObjectName(f"badge_{priority}")
        self.set_count(0)

    def set_count(self, unacked: int, active: int = 0) -> None:
        """Show unacknowledged / active alarms of this priority."""
        self.count, self.unacked = active, unacked
        self.setText(f"{unacked}/{active}" if active else "0")
        number = PRIORITY_NUMBERS[self.priority]
        self.setToolTip(
            f"Priority {number} ({self.priority}): {unacked} unacknowledged, {active} active"
        )
        if not active:
            self.setIcon(quiet_priority_icon(self.priority))
        else:
            self.setIcon(priority_icon(self.priority, acknowledged=unacked == 0))


class AlarmLine(QWidget):
    """One banner line: symbol, time, area, text, value, state."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.icon = QLabel()
        self.icon.setFixedSize(22, 22)
        self.text = QLabel()
        self.text.setProperty("role", "bannerLine")
        shrink_to_fit(self.text)
        layout.addWidget(self.icon)
        layout.addWidget(self.text, 1)
        self.alarm = ""

    def show_item(self, item: AlarmItem, clock: PlantClock) -> None:
        """Fill the line from an alarm."""
        self.alarm = item.name
        self.icon.setPixmap(priority_icon(item.priority, not item.needs_ack).pixmap(22, 22))
        state = "RTN" if item.state is AlarmState.RTN_UNACK else item.state.value.upper()
        area = f"{item.area} · " if item.area else ""
        self.text.setText(
            f"{clock.time_text(item.event_ns)}  {area}{item.text}  "
            f"[{value_text(item.value)}]  {state}"
        )
        self.setVisible(True)


class AlarmBanner(QFrame):
    """Counts per priority, newest urgent alarms, acknowledge and silence."""

    acknowledge_requested = Signal(list)
    silence_requested = Signal()
    console_requested = Signal(str)
    """Open the alarm console filtered on a priority ('' for all)."""

    def __init__(self, clock: PlantClock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alarmBanner")
        self._clock = clock
        self.badges = {p: PriorityBadge(p) for p in PRIORITIES}
        self.lines = [AlarmLine() for _ in range(BANNER_LINES)]
        self.quiet = QLabel("No unacknowledged alarms")
        self.quiet.setProperty("role", "bannerQuiet")
        self.flood = QLabel("")
        self.flood.setObjectName("bannerFlood")
        shrink_to_fit(self.flood)
        self.flood.setVisible(False)
        set_property(self.flood, "result", "unconfirmed")
        self.flooding: frozenset[str] = frozenset()
        self.ack_button = icon_button("ack", "Acknowledge")
        self.ack_button.setObjectName("bannerAck")
        self.silence_button = icon_button("silence", "Silence")
        self.silence_button.setObjectName("bannerSilence")
        self.silence_button.setEnabled(False)
        self._build()
        self.shown: list[str] = []
        self.counts: dict[str, int] = dict.fromkeys(PRIORITIES, 0)
        self.unacked_counts: dict[str, int] = dict.fromkeys(PRIORITIES, 0)

    def _build(self) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        badges = QHBoxLayout()
        for badge in self.badges.values():
            badge.clicked.connect(lambda _=False, p=badge.priority: self.console_requested.emit(p))
            badges.addWidget(badge)
        layout.addLayout(badges)
        lines = QVBoxLayout()
        lines.setSpacing(0)
        lines.addWidget(self.flood)
        lines.addWidget(self.quiet)
        for line in self.lines:
            line.setVisible(False)
            lines.addWidget(line)
        layout.addLayout(lines, 1)
        self.ack_button.clicked.connect(lambda: self.acknowledge_requested.emit(list(self.shown)))
        self.silence_button.clicked.connect(self.silence_requested.emit)
        layout.addWidget(self.ack_button)
        layout.addWidget(self.silence_button)

    def show_snapshot(self, snapshot: AlarmSnapshot) -> None:
        """Update counts and lines from a new snapshot."""
        self.counts = snapshot.counts()
        self.unacked_counts = snapshot.unacked_counts()
        for priority, badge in self.badges.items():
            badge.set_count(self.unacked_counts.get(priority, 0), self.counts.get(priority, 0))
        waiting = snapshot.unacked()[: len(self.lines)]
        self.shown = [item.name for item in waiting]
        for line, item in zip(self.lines, waiting, strict=False):
            line.show_item(item, self._clock)
        for line in self.lines[len(waiting) :]:
            line.setVisible(False)
        self.quiet.setVisible(not waiting)
        self.ack_button.setEnabled(bool(waiting))
        set_property(self, "alarming", bool(waiting))

    def set_sounding(self, sounding: bool) -> None:
        """Enable "Silence" while the horn sounds."""
        self.silence_button.setEnabled(sounding)

    def set_flooding(self, positions: Iterable[str]) -> None:
        """Show the operator positions in an alarm flood (none: hidden)."""
        self.flooding = frozenset(positions)
        where = ", ".join(sorted(p or "plant" for p in self.flooding))
        self.flood.setText(
            f"⚠ ALARM FLOOD ({where}): more than 10 alarms in 10 min; "
            "work the highest priority first"
        )
        self.flood.setVisible(bool(self.flooding))


class FloodWatch(QObject):
    """Asks the alarm engine which positions are in flood (in a worker: the engine's lock may
    be held by the journal) and shows the answer on the banner."""

    def __init__(
        self,
        flooding: Callable[[], frozenset[str]],
        workers: WorkerPool,
        banner: AlarmBanner,
        interval_ms: int = FLOOD_POLL_MS,
    ) -> None:
        super().__init__(banner)
        self._flooding = flooding
        self._workers = workers
        self._banner = banner
        self._busy = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.poll)
        self._timer.start(interval_ms)

    def poll(self) -> None:
        """Ask once (skipped while the previous question is unanswered)."""
        if self._busy:
            return
        self._busy = True
        self._workers.submit(
            self._flooding, self._answered, self._failed, context=self, name="flood"
        )

    def _answered(self, positions: frozenset[str]) -> None:
        self._busy = False
        self._banner.set_flooding(positions)

    def _failed(self, _exc: BaseException) -> None:
        self._busy = False
