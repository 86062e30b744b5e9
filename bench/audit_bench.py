"""Audit trail (RELIABILITY.md S2): durable single appends per second (SQLite FULL + checkpoint
fsync each), batched appends, and verifying 100,000 rows with the checkpoint, extrapolated to
1 M rows (target < 10 s on 2 cores). The "raw limit" of verify is the pure chain check of the
same rows already in memory (no database reads)."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.common import Row, print_table, record, timer
from core.config import load_config
from core.security.audit import AuditTrail
from core.security.chain import verify_chain
from core.security.config import SecurityConfig
from core.security.events import AuditEvent, Outcome
from core.security.service import SecurityServices
from core.store.historian import Historian

BATCH = 10_000


def _event(i: int) -> AuditEvent:
    return AuditEvent(
        "write" if i % 2 else "acknowledge",
        ("alice", "bob", "carl")[i % 3],
        "panel-1",
        role="operator",
        target=f"boiler/sp{i % 50}",
        old_value=f"{i * 0.5!r}",
        new_value=f"{i * 0.5 + 1!r}",
        reason="benchmark",
        outcome=Outcome.CONFIRMED,
    )


def measure_appends(audit: AuditTrail, rows: int, single: int) -> tuple[float, float]:
    """Rows/s appended one per durable transaction, then in batches, up to ``rows`` rows."""
    with timer() as elapsed:
        for i in range(single):
            audit.append(_event(i))
    single_rate = single / elapsed()
    with timer() as elapsed:
        for start in range(single, rows, BATCH):
            audit.append_many([_event(i) for i in range(start, min(rows, start + BATCH))])
    return single_rate, (rows - single) / elapsed()


def measure_verify(audit: AuditTrail, key: bytes, rows: int) -> tuple[float, float]:
    """Seconds to verify the stored trail with its checkpoint, and the chain alone in memory."""
    with timer() as elapsed:
        report = audit.verify()
    verify_s = elapsed()
    assert report.ok and report.rows == rows, report.describe()
    in_memory = list(audit.iter_rows())
    with timer() as elapsed:
        assert verify_chain(in_memory, key).ok
    return verify_s, elapsed()


def run(rows: int, single: int) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        plant = Path(tmp) / "plant.toml"
        plant.write_text('[store]\nurl = "sqlite:///audit.db"\n')
        config = load_config(plant)
        historian = Historian.open(config)
        try:
            security = SecurityConfig(
                key_file="installation.key", checkpoint_file="checkpoint.json"
            )
            services = SecurityServices.open(config, historian.engine, security=security)
            single_rate, batch_rate = measure_appends(services.audit, rows, single)
            verify_s, chain_s = measure_verify(services.audit, services.keys.audit, rows)
        finally:
            historian.close()
    scale = 1_000_000 / rows
    return [
        Row("audit append, durable, one per transaction", single_rate, "rows/s"),
        Row(f"audit append, batches of {BATCH:,}", batch_rate, "rows/s"),
        Row(f"audit verify {rows:,} rows (with checkpoint)", verify_s, "s", chain_s),
        Row(
            "audit verify 1 M rows (extrapolated)", verify_s * scale, "s", chain_s * scale, "< 10 s"
        ),
    ]


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--single", type=int, default=500, help="appends timed one by one")
    args = parser.parse_args(argv)
    if not 0 < args.single < args.rows:
        parser.error("need 0 < --single < --rows")
    rows = run(args.rows, args.single)
    print_table("Audit trail", rows)
    record("audit", rows)
    return rows


if __name__ == "__main__":
    main()
