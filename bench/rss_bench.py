"""(d) Peak resident memory of a collector process with 10,000 tags.

A child process opens a historian, registers 10,000 discovered tags, runs the ingest pipeline
and the writer, and feeds 120 s of 1 Hz data for every tag (1.2 M samples) through ``emit`` as
drivers do (tag names, not ids). Its peak RSS (getrusage) is reported.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from bench.common import Row, peak_rss_mb, print_table, record
from core.config import load_config
from core.counters import Counters
from core.ingest import IngestPipeline
from core.model import NS_PER_S, Reading
from core.store.historian import Historian

T0 = 1_767_225_600 * NS_PER_S


def child(tags: int, seconds: int) -> None:
    """Run the load in this process and print the peak RSS as JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        plant = Path(tmp) / "plant.toml"
        plant.write_text('[store]\nurl = "sqlite:///rss.db"\n')
        hist = Historian.open(load_config(plant), Counters())
        hist.start()
        pipeline = IngestPipeline(
            hist.registry, hist.writer, hist.counters, clock=lambda: T0 + 10**18
        )
        pipeline.start()
        names = [f"dev{i // 10}/value{i % 10}" for i in range(tags)]
        done = threading.Event()
        for s in range(seconds):
            ts = T0 + s * NS_PER_S
            readings = [Reading(name, float(s), ts) for name in names]
            while not pipeline.emit(
                readings, source="rss", on_durable=done.set if s == seconds - 1 else None
            ):
                threading.Event().wait(0.01)
        done.wait()
        pipeline.stop()
        stored = hist.counters.get("stored")
        hist.close()
    print(json.dumps({"rss_mb": peak_rss_mb(), "stored": stored}))


def run(tags: int, seconds: int) -> list[Row]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.rss_bench", "--child", "--tags", str(tags), "--seconds", str(seconds)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["stored"] == tags * seconds, result
    return [
        Row(
            f"(d) peak RSS, {tags:,} tags, {tags * seconds:,} samples",
            result["rss_mb"],
            "MB",
            None,
            "< 400 MB",
        )
    ]


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tags", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.tags, args.seconds)
        return []
    rows = run(args.tags, args.seconds)
    print_table("Memory", rows)
    record("rss", rows)
    return rows


if __name__ == "__main__":
    main()
