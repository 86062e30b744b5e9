"""Run states and production counts of the plant's machines over a period.

A machine's run state is its run-state tag (``run``, ``running``, ``run_state``... found as in
:mod:`core.analytics.baseline.store`), read as a step signal (> 0.5 = running) with the value
holding into the period from before it. Production comes from cumulative counters: tags whose
unit is a piece count (``pcs``, ``parts``...) or whose name says so (``parts``, ``good_count``...);
their increase through resets and rollovers is the production of the period.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.analytics.baseline.store import run_tag
from core.analytics.baseline.uptime import state_time
from core.analytics.energy.curve import usable
from core.analytics.energy.integrate import counter_increments
from core.analytics.energy.source import HistorianSource
from core.model import NS_PER_S
from core.reports.context import ReportContext
from core.tags import TagInfo

log = logging.getLogger(__name__)

PIECE_UNITS = frozenset({"pcs", "pc", "parts", "pieces", "units", "count", "items", "ea"})
PRODUCTION_NAME = re.compile(
    r"(^|[./_])(parts|pieces|produced|production|good_count|reject_count|total_count|part_count)$",
    re.I,
)
_LOOKBACK_NS = 30 * 86_400 * NS_PER_S
"""How far back the value holding into a period (or a counter's last value) is looked for."""


@dataclass(frozen=True, slots=True)
class RunState:
    """One machine's running time in the period."""

    device: str
    area: str
    tag: str
    run_h: float
    stopped_h: float
    unknown_h: float
    starts: int

    @property
    def availability_pct(self) -> float | None:
        """Run time over known time, in %."""
        known = self.run_h + self.stopped_h
        return 100.0 * self.run_h / known if known > 0 else None


@dataclass(frozen=True, slots=True)
class Production:
    """One counter's production in the period, in total and per sub-period."""

    device: str
    area: str
    tag: str
    unit: str
    count: float
    by_period: tuple[float, ...]


def is_production_tag(tag: TagInfo) -> bool:
    """True for a cumulative piece counter."""
    return tag.unit.strip().lower() in PIECE_UNITS or bool(PRODUCTION_NAME.search(tag.name))


def _devices(ctx: ReportContext, area: str) -> list[str]:
    allowed = ctx.devices_in(area)
    names = sorted({t.device for t in ctx.historian.registry if t.device})
    return [d for d in names if allowed is None or d in allowed]


def run_states(ctx: ReportContext, start_ns: int, end_ns: int, area: str = "") -> list[RunState]:
    """Every machine with a run-state tag (in ``area`` when given)."""
    source = HistorianSource(ctx.historian)
    out = []
    for device in _devices(ctx, area):
        tag = run_tag(ctx.historian, device)
        if tag is None:
            continue
        data = source.window(tag, start_ns, end_ns - 1, _LOOKBACK_NS)
        state = state_time(data.ts_ns, data.values, start_ns, end_ns, data.quality)
        hours = (state.on_s / 3600, state.off_s / 3600, state.unknown_s / 3600)
        starts = _starts(data.ts_ns, data.values, data.quality, start_ns, end_ns)
        out.append(RunState(device, ctx.area_of(device), tag, *hours, starts))
    return out


def _starts(
    ts_ns: np.ndarray, values: np.ndarray, quality: np.ndarray, start_ns: int, end_ns: int
) -> int:
    """Off-to-on changes inside the period."""
    ts, x = usable(ts_ns, values, quality)
    running = x > 0.5
    rises = np.flatnonzero(~running[:-1] & running[1:]) + 1
    return int(np.count_nonzero((ts[rises] >= start_ns) & (ts[rises] < end_ns)))


def production(
    ctx: ReportContext, start_ns: int, end_ns: int, edges: Sequence[int], area: str = ""
) -> list[Production]:
    """Every production counter's increase; ``edges`` cut it into sub-periods (len - 1 of them)."""
    allowed = ctx.devices_in(area)
    tags = sorted((t for t in ctx.historian.registry if is_production_tag(t)), key=lambda t: t.name)
    out = []
    for tag in tags:
        if allowed is not None and tag.device not in allowed:
            continue
        data = HistorianSource(ctx.historian).window(tag.name, start_ns, end_ns - 1, _LOOKBACK_NS)
        ts, x = usable(data.ts_ns, data.values, data.quality)
        per = _increase_between(ts, x, edges)
        out.append(
            Production(tag.device, ctx.area_of(tag.device), tag.name, tag.unit, sum(per), per)
        )
    return out


def _increase_between(ts: np.ndarray, x: np.ndarray, edges: Sequence[int]) -> tuple[float, ...]:
    """Counter increase per sub-period; each step counts in the period of its later sample."""
    if x.size < 2 or len(edges) < 2:
        return tuple(0.0 for _ in range(max(len(edges) - 1, 0)))
    increase, _, _ = counter_increments(x)
    slot = np.searchsorted(np.asarray(edges, dtype=np.int64), ts[1:], side="right") - 1
    inside = (slot >= 0) & (slot < len(edges) - 1)
    sums = np.bincount(slot[inside], weights=increase[inside], minlength=len(edges) - 1)
    return tuple(float(v) for v in sums)
