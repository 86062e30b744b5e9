"""Retention: raw samples for N days, rollups longer, per retention class; run on a schedule."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import Engine, Table, delete

from core.config import RetentionClass
from core.model import NS_PER_S
from core.store.schema import rollup_1h, rollup_1m, samples
from core.tags import TagInfo

log = logging.getLogger(__name__)
DAY_NS = 86_400 * NS_PER_S
CHUNK_TAGS = 500


@dataclass(frozen=True, slots=True)
class RetentionResult:
    """Rows deleted per table."""

    raw: int
    rollup_1m: int
    rollup_1h: int


def apply_retention(
    engine: Engine,
    tags: Iterable[TagInfo],
    classes: Mapping[str, RetentionClass],
    now_ns: int,
) -> RetentionResult:
    """Delete what each tag's retention class no longer keeps (0 days = keep forever)."""
    by_class: dict[str, list[int]] = {}
    for tag in tags:
        by_class.setdefault(tag.retention_class, []).append(tag.id)
    totals = [0, 0, 0]
    for name, ids in by_class.items():
        rule = classes.get(name) or classes.get("default")
        if rule is None:
            continue
        limits = (rule.raw_days, rule.rollup_1m_days, rule.rollup_1h_days)
        for i, (table, ts_col) in enumerate(
            ((samples, "ts"), (rollup_1m, "bucket"), (rollup_1h, "bucket"))
        ):
            if limits[i] > 0:
                cutoff = now_ns - int(limits[i] * DAY_NS)
                totals[i] += _delete_before(engine, table, ts_col, ids, cutoff)
    result = RetentionResult(*totals)
    if any(totals):
        log.info("retention removed %s", result)
    return result


def _delete_before(engine: Engine, table: Table, ts_col: str, ids: list[int], cutoff: int) -> int:
    deleted = 0
    for k in range(0, len(ids), CHUNK_TAGS):
        chunk = ids[k : k + CHUNK_TAGS]
        stmt = delete(table).where(table.c.tag_id.in_(chunk), table.c[ts_col] < cutoff)
        with engine.begin() as conn:
            deleted += conn.execute(stmt).rowcount
    return deleted
