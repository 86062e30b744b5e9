"""``python -m bench`` (``make bench``): the core benchmark set, one table at the end."""

from __future__ import annotations

import argparse
import importlib
import logging

from bench.common import Row, print_table, record

SUITES = {
    "ingest": ("bench.ingest_bench", []),
    "query": ("bench.query_bench", []),
    "rss": ("bench.rss_bench", []),
    "alarms": ("bench.alarm_bench", []),
    "audit": ("bench.audit_bench", []),
    "energy": ("bench.energy_bench", []),
    "forecast": ("bench.forecast_bench", []),
    "modbus": ("bench.modbus_bench", []),
    "opcua": ("bench.opcua_bench", []),
    "mqtt": ("bench.mqtt_bench", []),
    "hmi": ("bench.hmi_bench", []),
}


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the ControlDeck benchmarks")
    parser.add_argument("suites", nargs="*", help=f"some of {', '.join(SUITES)} (default: all)")
    args = parser.parse_args()
    unknown = [s for s in args.suites if s not in SUITES]
    if unknown:
        parser.error(f"unknown suite(s): {', '.join(unknown)}")
    logging.basicConfig(level=logging.WARNING)
    rows: list[Row] = []
    for name in args.suites or list(SUITES):
        module_name, argv = SUITES[name]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            print(f"skipping {name}: {exc}")
            continue
        result = module.main(argv)
        rows.extend(r for r in (result or []) if isinstance(r, Row))
    print_table("All benchmarks", rows)
    record("all", rows)


if __name__ == "__main__":
    main()
