"""The HMI's one door to the alarm system (``core.alarms``): snapshots, operator actions, queries.

Everything the views know about alarms goes through :class:`AlarmSource`, so the way the
alarm system is wired into the collector stays a local concern of this module. The collector
owns the :class:`~core.alarms.system.AlarmSystem` (``collector.alarms``): it evaluates every
live batch, ticks it and starts/stops it; this module only reads and acts on it.

A poll thread takes :class:`AlarmSnapshot` objects (the engine's lock can be held by a journal
write, so the GUI thread never takes it); operator actions block on the journal and must be
called from workers.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from core.alarms.actions import ALL_VISIBLE
from core.alarms.config import AlarmDefinition
from core.alarms.journal import JournalEntry, read_journal
from core.alarms.kpi import AlarmKpis, compute_kpis
from core.alarms.priority import Priority
from core.alarms.states import NEEDS_ACK, AlarmState, AlarmStateRow, Transition
from core.alarms.system import AlarmSystem
from core.alarms.tickets import TicketManager
from core.model import NS_PER_S, now_ns
from core.tags import device_of

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 0.5
KPI_CONTEXT_NS = 30 * 86_400 * NS_PER_S
"""Journal read before a KPI period, to know which alarms were standing, shelved or out of service."""
ACTIVE_STATES = frozenset(
    {AlarmState.UNACK, AlarmState.ACKED, AlarmState.RTN_UNACK, AlarmState.LATCHED}
)
"""States shown in the active list and counted in the banner."""


@dataclass(frozen=True, slots=True)
class AlarmItem:
    """One alarm as the operator sees it: its state joined with its definition."""

    name: str
    tag: str
    device: str
    area: str
    priority: str
    rank: int
    text: str
    state: AlarmState
    condition_active: bool
    value: float | None
    limit: float
    alarm_type: str
    activated_ns: int | None
    acked_ns: int | None
    updated_ns: int
    shelved_until_ns: int | None
    shelve_reason: str
    shelved_by: str
    oos_reference: str
    oos_by: str
    cause: str
    consequence: str
    corrective_action: str
    max_response_s: float | None

    @property
    def needs_ack(self) -> bool:
        """Waiting for acknowledgement (or reset)."""
        return self.state in NEEDS_ACK

    @property
    def event_ns(self) -> int:
        """When the alarm last came in (or changed)."""
        return self.activated_ns or self.updated_ns


def make_item(row: AlarmStateRow, d: AlarmDefinition, area: str) -> AlarmItem:
    """Join a state row with its definition."""
    return AlarmItem(
        name=row.name,
        tag=d.tag,
        device=device_of(d.tag),
        area=d.area or area,
        priority=d.priority.value,
        rank=d.priority.rank,
        text=d.text,
        state=row.state,
        condition_active=row.condition_active,
        value=row.last_value,
        limit=d.threshold,
        alarm_type=d.type.value,
        activated_ns=row.activated_ns,
        acked_ns=row.acked_ns,
        updated_ns=row.updated_ns,
        shelved_until_ns=row.shelved_until_ns,
        shelve_reason=row.shelve_reason,
        shelved_by=row.shelved_by,
        oos_reference=row.oos_reference,
        oos_by=row.oos_by,
        cause=d.cause,
        consequence=d.consequence,
        corrective_action=d.corrective_action,
        max_response_s=d.max_response_s,
    )


@dataclass(frozen=True, slots=True)
class AlarmSnapshot:
    """Every alarm not in NORMAL, at one moment."""

    items: tuple[AlarmItem, ...]
    generation: int
    taken_ns: int

    def in_states(self, states: Iterable[AlarmState]) -> list[AlarmItem]:
        """Items in some states."""
        wanted = set(states)
        return [i for i in self.items if i.state in wanted]

    def active(self) -> list[AlarmItem]:
        """Items of the active list (unack, acked, returned unack, latched)."""
        return self.in_states(ACTIVE_STATES)

    def counts(self) -> dict[str, int]:
        """Active alarms per priority (every priority present, possibly 0)."""
        found = Counter(i.priority for i in self.active())
        return {p.value: found.get(p.value, 0) for p in Priority}

    def unacked_counts(self) -> dict[str, int]:
        """Alarms waiting for acknowledgement per priority (every priority present)."""
        found = Counter(i.priority for i in self.items if i.needs_ack)
        return {p.value: found.get(p.value, 0) for p in Priority}

    def unacked(self) -> list[AlarmItem]:
        """Alarms waiting for acknowledgement, highest priority then newest first."""
        waiting = [i for i in self.items if i.needs_ack]
        return sorted(waiting, key=lambda i: (-i.rank, -i.event_ns))

    def for_area(self, area: str) -> list[AlarmItem]:
        """Active alarms of one area."""
        return [i for i in self.active() if i.area == area]

    def for_device(self, device: str) -> list[AlarmItem]:
        """Every non-normal alarm of one device."""
        return [i for i in self.items if i.device == device]


EMPTY_SNAPSHOT = AlarmSnapshot((), 0, 0)


class AlarmSource:
    """Snapshots of the alarm states plus the operator actions and the journal/KPI queries."""

    def __init__(self, system: AlarmSystem, db: Any, registry: Any) -> None:
        self.system = system
        self.engine = system.engine
        self._db = db
        self._registry = registry
        self._lock = threading.Lock()
        self._snapshot = EMPTY_SNAPSHOT
        self._rows: tuple[AlarmStateRow, ...] = ()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_collector(cls, collector: Any) -> AlarmSource:
        """The alarm system the collector evaluates and ticks (``collector.alarms``)."""
        historian = collector.historian
        return cls(collector.alarms, historian.engine, historian.registry)

    def start(self) -> None:
        """Take a first snapshot and start the poll thread."""
        self.refresh()
        self._thread = threading.Thread(target=self._poll, name="hmi-alarms", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop polling (the collector owns the alarm system and stops it)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _poll(self) -> None:
        while not self._stop.wait(POLL_INTERVAL_S):
            try:
                self.refresh()
            except Exception:
                log.exception("alarm snapshot failed")

    # -- snapshots ------------------------------------------------------------------------------
    def refresh(self) -> AlarmSnapshot:
        """Take a snapshot now (any thread but the GUI's); a new generation when it changed."""
        rows = tuple(self.engine.alarms())
        with self._lock:
            if rows != self._rows or not self._snapshot.taken_ns:
                self._rows = rows
                items = tuple(self._item(r) for r in rows)
                self._snapshot = AlarmSnapshot(items, self._snapshot.generation + 1, now_ns())
            return self._snapshot

    @property
    def snapshot(self) -> AlarmSnapshot:
        """The newest snapshot (cheap; safe on the GUI thread)."""
        return self._snapshot

    def _item(self, row: AlarmStateRow) -> AlarmItem:
        d = self.engine.definition(row.name)
        info = self._registry.get(d.tag)
        area = self._registry.area_of(info) if info is not None else ""
        return make_item(row, d, area)

    def definitions(self) -> list[AlarmDefinition]:
        """Every alarm definition."""
        return self.engine.definitions

    def definition(self, name: str) -> AlarmDefinition:
        """One definition (KeyError when unknown)."""
        return self.engine.definition(name)

    # -- operator actions (workers only) --------------------------------------------------------
    def acknowledge(self, names: Sequence[str] | None, user: str, comment: str = "") -> int:
        """Acknowledge the named alarms (None: every visible one); returns how many moved."""
        target = ALL_VISIBLE if names is None else list(names)
        done = self.engine.acknowledge(target, user, comment)
        self.refresh()
        return len(done)

    def shelve(self, name: str, duration_s: float, reason: str, user: str) -> list[Transition]:
        """Shelve an alarm for a while, with a reason."""
        return self._after(self.engine.shelve(name, duration_s, reason, user))

    def unshelve(self, name: str, user: str) -> list[Transition]:
        """End shelving early."""
        return self._after(self.engine.unshelve(name, user))

    def comment(self, name: str, user: str, text: str) -> list[Transition]:
        """Add a comment to the alarm's journal."""
        return self._after(self.engine.comment(name, user, text))

    def remove_from_service(self, name: str, reference: str, user: str) -> list[Transition]:
        """Take an alarm out of service with a reference."""
        return self._after(self.engine.remove_from_service(name, reference, user))

    def return_to_service(self, name: str, user: str) -> list[Transition]:
        """Put an alarm back in service."""
        return self._after(self.engine.return_to_service(name, user))

    def _after(self, transitions: list[Transition]) -> list[Transition]:
        self.refresh()
        return transitions

    # -- queries (workers only) -----------------------------------------------------------------
    def journal(
        self, start_ns: int, end_ns: int, alarm: str | None = None, limit: int = 5000
    ) -> list[JournalEntry]:
        """Journal rows in ``[start, end)``, newest first (written rows plus pending ones)."""
        self.system.journal.flush()
        rows = read_journal(self._db, start_ns, end_ns, alarm)
        return list(reversed(rows[-limit:]))

    def kpis(self, start_ns: int, end_ns: int, area: str | None = None) -> AlarmKpis:
        """EEMUA 191 / ISA-18.2 KPIs of a period."""
        self.system.journal.flush()
        rows = read_journal(self._db, start_ns - KPI_CONTEXT_NS, end_ns)
        return compute_kpis(rows, start_ns, end_ns, area=area)

    @property
    def tickets(self) -> TicketManager:
        """The maintenance tickets."""
        return self.system.tickets
