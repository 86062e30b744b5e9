"""Alarm evaluation throughput: samples/s against 10,000 alarm definitions, and cost per sample.

Scenarios (each 10,000 definitions, batches of 10,000 samples as the ingest pipeline hands them):
- quiet: 5,000 tags with a high and a low limit each, values inside the limits;
- busy: the same, with 1 % of samples crossing a limit (alarms raised and cleared all the time);
- mixed: all types (limits with deadband and delays, deviation, rate of change, discrete,
  bad quality, stale) on 10,000 tags.
The alarm journal is an in-memory sink here: this measures the engine, not the database.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from bench.common import Row, print_table, record, timer
from core.alarms.config import parse_alarm_sections
from core.alarms.engine import AlarmEngine
from core.alarms.journal import MemoryJournal
from core.alarms.permissions import AllowAll
from core.model import NS_PER_S, SampleBatch

T0 = 1_735_689_600 * NS_PER_S
BATCH = 10_000
TARGET = ">= 100,000 samples/s"


def limit_definitions(tags: int) -> list[dict[str, Any]]:
    """A high and a low limit per tag."""
    return [
        d
        for i in range(tags)
        for d in (
            {"tag": f"t{i}", "type": "high", "limit": 90.0, "deadband": 1.0},
            {"tag": f"t{i}", "type": "low", "limit": 10.0, "deadband": 1.0},
        )
    ]


def mixed_definitions(tags: int) -> list[dict[str, Any]]:
    """One definition per tag, cycling through every alarm type."""
    kinds: list[dict[str, Any]] = [
        {"type": "high", "limit": 90.0, "deadband": 1.0, "on_delay_s": 2.0, "off_delay_s": 1.0},
        {"type": "low_low", "limit": 5.0},
        {"type": "deviation", "baseline": 50.0, "limit": 35.0},
        {"type": "rate_of_change", "limit": 500.0},
        {"type": "discrete", "state": 1.0},
        {"type": "bad_quality"},
        {"type": "stale", "stale_s": 30.0},
        {"type": "high_high", "limit": 95.0, "latched": True},
    ]
    return [{"tag": f"t{i}", **kinds[i % len(kinds)]} for i in range(tags)]


def batches(tags: int, samples: int, crossing: float, seed: int) -> list[SampleBatch]:
    """``samples`` rows over ``tags`` tags (ids 1..tags), 100,000 samples per second of data."""
    rng = np.random.default_rng(seed)
    out = []
    for start in range(0, samples, BATCH):
        n = min(BATCH, samples - start)
        tag_ids = rng.integers(1, tags + 1, n)
        values = rng.normal(50.0, 8.0, n)
        spikes = rng.random(n) < crossing
        values[spikes] = rng.choice([0.0, 100.0], int(spikes.sum()))
        ts = T0 + (start + np.arange(n)) * (NS_PER_S // 100_000)
        quality = np.where(rng.random(n) < crossing / 10, 129, 0)
        out.append(SampleBatch.from_columns(tag_ids, ts, values, quality))
    return out


def measure(
    name: str, raw: list[dict[str, Any]], tags: int, samples: int, crossing: float
) -> list[Row]:
    """Evaluate ``samples`` samples in batches; rows for throughput and cost per sample."""
    config = parse_alarm_sections(raw, [], {}, "bench")
    ids = {f"t{i}": i + 1 for i in range(tags)}
    journal = MemoryJournal()
    engine = AlarmEngine(config.alarms, ids.get, journal, AllowAll(), clock=lambda: T0)
    work = batches(tags, samples, crossing, seed=len(raw))
    engine.evaluate(work[0], int(work[0].ts_ns[-1]))  # warm-up (first-seen values)
    with timer() as elapsed:
        for b in work:
            engine.evaluate(b, int(b.ts_ns[-1]))
        engine.tick(int(work[-1].ts_ns[-1]))
    seconds = elapsed()
    label = f"{name} ({len(raw):,} defs)"
    return [
        Row(f"alarms {label}: throughput", samples / seconds, "samples/s", target=TARGET),
        Row(f"alarms {label}: cost per sample", seconds / samples * 1e6, "us/sample"),
        Row(f"alarms {label}: transitions", float(len(journal.transitions)), "count"),
    ]


def run(samples: int) -> list[Row]:
    """All scenarios."""
    return [
        *measure("quiet", limit_definitions(5_000), 5_000, samples, crossing=0.0),
        *measure("busy", limit_definitions(5_000), 5_000, samples, crossing=0.01),
        *measure("mixed", mixed_definitions(10_000), 10_000, samples, crossing=0.01),
    ]


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=500_000, help="samples per scenario")
    args = parser.parse_args(argv)
    rows = run(args.samples)
    print_table("Alarm evaluation", rows)
    record("alarms", rows)
    return rows


if __name__ == "__main__":
    main()
