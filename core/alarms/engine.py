"""The ISA-18.2 alarm engine: a pure state machine over sample batches, with an injected clock.

The ingest pipeline calls :meth:`AlarmEngine.evaluate` with every validated batch, and
:meth:`AlarmEngine.tick` about once a second for what time alone changes (delays, stale
values, shelve expiry, the end of a flood). Operators act through the methods of
:class:`~core.alarms.actions.OperatorActions`. Every transition goes to the journal sink, in
order, once per call; the same list is returned to the caller.

Evaluation is vectorised: samples are matched to definitions by tag id with numpy, on/off
signals are computed for all pairs at once, and only definitions whose raw state may change
(or whose delay timer runs) are walked sample by sample. Historical (replayed) batches never
raise alarms. Suppression conditions are evaluated on the latest values of the batch before
its samples are checked.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from core.alarms.actions import OperatorActions
from core.alarms.conditions import SuppressionCondition, parse_condition
from core.alarms.config import AlarmDefinition
from core.alarms.flood import FLOOD_THRESHOLD, FLOOD_WINDOW_S, FloodDetector
from core.alarms.index import DefinitionIndex, IntArray, Signal, TagCache
from core.alarms.journal import JournalSink
from core.alarms.permissions import PermissionChecker
from core.alarms.recorder import TransitionRecorder
from core.alarms.runtime import AlarmRuntime
from core.alarms.states import AlarmState, AlarmStateRow, Event, Transition
from core.alarms.tracker import ConditionTracker, Edge
from core.model import NS_PER_S, SampleBatch, now_ns

log = logging.getLogger(__name__)

DEFAULT_MAX_SHELVE_S = 24 * 3600.0


class AlarmEngine(OperatorActions):
    """Evaluates alarm definitions against samples and keeps every alarm's ISA-18.2 state."""

    def __init__(
        self,
        definitions: Sequence[AlarmDefinition],
        resolve_tag: Callable[[str], int | None],
        journal: JournalSink,
        permissions: PermissionChecker,
        *,
        clock: Callable[[], int] = now_ns,
        max_shelve_s: float = DEFAULT_MAX_SHELVE_S,
        flood_threshold: int = FLOOD_THRESHOLD,
        flood_window_s: float = FLOOD_WINDOW_S,
    ) -> None:
        self._definitions = list(definitions)
        names = [d.alarm_name for d in self._definitions]
        if len(set(names)) != len(names):
            raise ValueError("alarm names must be unique")
        self._resolve = resolve_tag
        self._permissions = permissions
        self._clock = clock
        self._max_shelve_ns = int(max_shelve_s * NS_PER_S)
        self._lock = threading.RLock()
        self._runtimes = {d.alarm_name: AlarmRuntime(d, i) for i, d in enumerate(definitions)}
        self._by_index = list(self._runtimes.values())
        self._tracker = ConditionTracker(
            [d.on_delay_s for d in definitions], [d.off_delay_s for d in definitions]
        )
        self._flood = FloodDetector(flood_threshold, flood_window_s)
        self._recorder = TransitionRecorder(journal, self._flood, self._tag_value)
        self._cache = TagCache(1)
        self._origin_ns: int | None = None
        self.rebind()

    def rebind(self) -> None:
        """Resolve tag names again (call after new tags were declared); keeps all states."""
        with self._lock:
            defs = self._definitions
            self._index = DefinitionIndex(defs, [self._resolve(d.tag) for d in defs])
            self._conditions: dict[int, SuppressionCondition] = {}
            self._watch: dict[int, set[int]] = {}
            for i, d in enumerate(defs):
                if d.setpoint_tag:
                    self._index.set_reference(i, self._resolve(d.setpoint_tag))
                if d.suppress_when:
                    self._bind_condition(i, d)
            watched = [*self._watch, *self._index.reference_tag.tolist()]
            size = max([self._index.size, *(t + 1 for t in watched)], default=1)
            self._cache.resize(max(size, 1))

    def _bind_condition(self, i: int, d: AlarmDefinition) -> None:
        parsed = parse_condition(d.suppress_when or "", d.vars)
        self._conditions[i] = SuppressionCondition(parsed, self._latest_by_name)
        for name in parsed.tag_names:
            tag_id = self._resolve(name)
            if tag_id is not None:
                self._watch.setdefault(tag_id, set()).add(i)

    def _latest_by_name(self, tag_name: str) -> float | None:
        tag_id = self._resolve(tag_name)
        if tag_id is None or not 0 <= tag_id < len(self._cache):
            return None
        value = float(self._cache.value[tag_id])
        return None if np.isnan(value) else value

    # ------------------------------------------------------------------ evaluation

    def evaluate(self, batch: SampleBatch, now_ns: int) -> list[Transition]:
        """Check a validated batch; returns (and journals) the transitions it caused."""
        if batch.historical or not len(batch):
            return []
        with self._lock:
            self._origin_ns = self._origin_ns if self._origin_ns is not None else now_ns
            tags = batch.tag_ids.astype(np.int64)
            inside = np.flatnonzero((tags >= 0) & (tags < len(self._cache)))
            rates = self._index.rates(batch, self._cache)
            self._cache.update(batch, inside, now_ns)
            self._update_suppression(batch, np.unique(tags[inside]))
            rows, defs = self._index.expand(batch.tag_ids)
            if len(rows):
                signal = self._index.signal(batch, self._cache, rates, rows, defs)
                self._walk_candidates(batch, signal)
            return self._recorder.flush()

    def _update_suppression(self, batch: SampleBatch, tags: IntArray) -> None:
        affected = sorted({i for t in tags.tolist() for i in self._watch.get(t, ())})
        if not affected:
            return
        ts = int(batch.ts_ns.max())
        for i in affected:
            rt = self._by_index[i]
            suppressed = self._conditions[i].evaluate()
            if suppressed != rt.suppressed:
                event = Event.SUPPRESS if suppressed else Event.UNSUPPRESS
                self._recorder.apply_internal(rt, event, ts, self._tag_value(i))

    def _walk_candidates(self, batch: SampleBatch, s: Signal) -> None:
        raw = self._tracker.raw[s.defs]
        change = (s.on & ~raw) | (s.off & raw)
        candidates = np.zeros(len(self._by_index), dtype=bool)
        candidates[s.defs[change]] = True
        candidates[self._tracker.pending_among(np.unique(s.defs))] = True
        pick = np.flatnonzero(candidates[s.defs])
        if not len(pick):
            return
        ts = batch.ts_ns[s.rows[pick]]
        pick = pick[np.lexsort((ts, s.defs[pick]))]
        values = batch.values[s.rows[pick]]
        for k, j in enumerate(pick.tolist()):
            d = int(s.defs[j])
            raw_now = bool(s.on[j]) or (bool(self._tracker.raw[d]) and not s.off[j])
            t = int(batch.ts_ns[s.rows[j]])
            for edge in self._tracker.feed(d, raw_now, t):
                self._condition_edge(edge, float(values[k]))

    def _condition_edge(self, edge: Edge, value: float | None) -> None:
        d, active, ts = edge
        rt = self._by_index[d]
        self._recorder.apply_internal(rt, Event.ACTIVATE if active else Event.CLEAR, ts, value)

    def tick(self, now_ns: int) -> list[Transition]:
        """Time-driven changes at ``now_ns``: stale values, delays, shelve expiry, flood end."""
        with self._lock:
            self._origin_ns = self._origin_ns if self._origin_ns is not None else now_ns
            self._check_stale(now_ns)
            for edge in self._tracker.due(now_ns):
                self._condition_edge(edge, self._tag_value(edge[0]))
            for rt in self._by_index:
                until = rt.shelved_until_ns
                if until is not None and until <= now_ns and rt.state is AlarmState.SHELVED:
                    self._recorder.apply(
                        rt, Event.SHELVE_EXPIRED, until, comment="shelve time over"
                    )
            for position in self._flood.expire(now_ns):
                self._recorder.flood_marker(position, Event.FLOOD_END, now_ns)
            return self._recorder.flush()

    def _check_stale(self, now_ns: int) -> None:
        defs = self._index.stale_defs
        tags = self._index.tag[defs]
        defs, tags = defs[tags >= 0], tags[tags >= 0]
        if not len(defs):
            return
        seen = self._cache.seen[tags]
        seen = np.where(seen >= 0, seen, self._origin_ns or now_ns)
        due = seen + self._index.stale_ns[defs]
        late = (now_ns > due) & ~self._tracker.raw[defs]
        for d, at in zip(defs[late].tolist(), due[late].tolist(), strict=True):
            for edge in self._tracker.feed(d, True, at):
                self._condition_edge(edge, self._tag_value(d))

    def _tag_value(self, d: int) -> float | None:
        tag = int(self._index.tag[d])
        if tag < 0:
            return None
        value = float(self._cache.value[tag])
        return None if np.isnan(value) else value

    # ------------------------------------------------------------------ state access

    def snapshot(self) -> list[AlarmStateRow]:
        """The state of every alarm (for :class:`~core.alarms.state_store.AlarmStateStore`)."""
        with self._lock:
            return [rt.row() for rt in self._by_index]

    def restore(self, rows: Iterable[AlarmStateRow]) -> int:
        """Take over stored states (at start-up, before the first batch); returns how many."""
        restored = 0
        with self._lock:
            for row in rows:
                rt = self._runtimes.get(row.name)
                if rt is None:
                    log.info("stored state of unknown alarm %s ignored", row.name)
                    continue
                rt.load(row)
                self._tracker.set(rt.index, row.condition_active, row.updated_ns)
                restored += 1
        return restored

    def state(self, name: str) -> AlarmStateRow:
        """The current state of one alarm (KeyError if unknown)."""
        with self._lock:
            return self._runtimes[name].row()

    def alarms(self, states: Iterable[AlarmState] | None = None) -> list[AlarmStateRow]:
        """Alarms in the given states (default: every state but normal), by name."""
        wanted = set(states) if states is not None else set(AlarmState) - {AlarmState.NORMAL}
        with self._lock:
            return sorted((rt.row() for rt in self._by_index if rt.state in wanted), key=_name)

    def definition(self, name: str) -> AlarmDefinition:
        """The definition of an alarm (KeyError if unknown)."""
        return self._runtimes[name].definition

    @property
    def definitions(self) -> list[AlarmDefinition]:
        """Every definition, in configuration order."""
        return list(self._definitions)

    def flooding(self) -> frozenset[str]:
        """Operator positions in a flood period now."""
        with self._lock:
            return self._flood.flooding()

    def set_baseline(self, name: str, value: float) -> None:
        """Update the reference of a ``baseline`` deviation alarm (e.g. from analytics)."""
        with self._lock:
            self._index.baseline[self._runtimes[name].index] = value


def _name(row: AlarmStateRow) -> str:
    return row.name
