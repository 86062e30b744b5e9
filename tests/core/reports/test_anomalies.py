"""The anomaly scan of the compliance report: which tags, how bounded, and a spike is found."""

from __future__ import annotations

import numpy as np

from core.model import SampleBatch
from core.reports.anomalies import AnomalyOptions, bucket_width_s, eligible_tags, find_anomalies
from core.reports.service import ReportService
from core.store.backend import SampleBackend
from core.tags import TagInfo
from tests.core.reports.plantdata import DAY, END, HOUR, MINUTE, START


def test_eligible_tags_skip_counters_and_steps_and_put_alarmed_tags_first(
    service: ReportService,
) -> None:
    tags = list(service.ctx.historian.registry)
    names = [t.name for t in eligible_tags(service.ctx, tags)]
    assert names == [
        "meter1/power", "meter1/voltage", "oven1/temperature", "press1/motor_current",
        "press1/power",
    ]  # fmt: skip


def test_bucket_width_bounds_the_points() -> None:
    assert bucket_width_s(START, START + DAY, 2500) == 60
    assert bucket_width_s(START, END, 2500) == 300
    assert bucket_width_s(START, START + 365 * DAY, 2500) == 14_400
    assert bucket_width_s(START, START + 20 * 365 * DAY, 2500) == 86_400


def test_a_spike_is_the_strongest_event(service: ReportService) -> None:
    historian = service.ctx.historian
    tag = historian.registry.declare(TagInfo(0, "probe/pressure", "probe", "bar"))
    ts = START + np.arange(7 * 1440, dtype=np.int64) * MINUTE
    values = 5.0 + np.random.default_rng(7).normal(0, 0.05, ts.size)
    spike = START + 4 * DAY + 12 * HOUR
    values[(ts >= spike) & (ts < spike + 10 * MINUTE)] += 3.0
    backend = SampleBackend(historian.engine)
    try:
        backend.write(SampleBatch.empty(), historian.registry.pending())
        backend.write(
            SampleBatch.from_columns(np.full(ts.size, tag.id), ts, values, np.zeros(ts.size))
        )
    finally:
        backend.close()
    scan = find_anomalies(service.ctx, START, END, [tag])
    assert (scan.tags_scanned, scan.tags_eligible, scan.bucket_s) == (1, 1, 300)
    top = scan.events[0]
    assert top.tag == "probe/pressure" and spike <= top.ts_ns < spike + 10 * MINUTE
    assert top.score >= 0.5 and top.value > 6.0


def test_the_scan_is_bounded(service: ReportService) -> None:
    tags = list(service.ctx.historian.registry)
    scan = find_anomalies(service.ctx, START, END, tags, AnomalyOptions(max_tags=2, top=1))
    assert (scan.tags_scanned, scan.tags_eligible) == (2, 5)
    assert len(scan.events) == 1 < scan.event_count
    assert {e.tag for e in scan.events} <= {"meter1/power", "meter1/voltage"}
