"""``controldeck collect``, ``status`` and ``tags``.

``status`` also shows the energy warnings of the last 24 hours (:mod:`core.analytics.energy.checks`):
meters without an emission factor, negative sub-metering remainders, an invalid ``[energy]``.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from typing import Any, TextIO

from core.cli.output import write_json, write_table
from core.config import load_config
from core.model import NS_PER_S, Quality, now_ns
from core.runtime import Collector, DriverFactory, freeze_startup_heap
from core.store import database
from core.store.historian import Historian
from core.timefmt import format_time

log = logging.getLogger(__name__)


def add_parsers(sub: Any) -> None:
    """Register the run-time commands."""
    p = sub.add_parser("collect", help="run drivers + pipeline + historian without a GUI")
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--duration", type=float, default=None, help="stop after S seconds")
    p.set_defaults(handler=cmd_collect)
    p = sub.add_parser("status", help="counters, spool and store health")
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=cmd_status)
    p = sub.add_parser("tags", help="every tag with its last value")
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=cmd_tags)


def cmd_collect(
    args: argparse.Namespace, driver_factory: DriverFactory | None = None, **_: Any
) -> int:
    """Run until SIGINT/SIGTERM or ``--duration``; then drain and flush."""
    if args.duration is not None and args.duration <= 0:
        from core.cli.main import UsageError

        raise UsageError("controldeck collect: --duration must be positive")
    config = load_config(args.config)
    collector = Collector(config, driver_factory)

    def _on_signal(signum: int, _frame: object) -> None:
        log.info("signal %d: draining and stopping", signum)
        collector.request_stop()

    previous = {s: signal.signal(s, _on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        collector.start()
        freeze_startup_heap()  # later full collections walk only what is new
        collector.wait(args.duration)
    finally:
        collector.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def status_report(config_path: Path) -> dict[str, Any]:
    """What ``controldeck status`` shows, as data."""
    config = load_config(config_path)
    historian = Historian.open(config)
    try:
        processes = historian.load_status()
        quarantined = historian.quarantine(limit=1000)
        report = {
            "plant": config.plant.name,
            "store": {
                "url": database.describe(historian.url),
                "revision": database.current_revision(historian.engine),
                "reachable": True,
                "tags": len(historian.registry),
            },
            "spool": _spool_on_disk(historian.spool_dir),
            "processes": processes,
            "quarantine": _by_reason(quarantined),
            "energy": _energy_status(historian),
        }
    finally:
        historian.close()
    return report


def _energy_status(historian: Historian) -> dict[str, Any]:
    """Energy configuration and metering warnings (loaded on demand: numpy-heavy)."""
    from core.analytics.energy.checks import energy_status

    return energy_status(historian)


def _spool_on_disk(directory: Path) -> dict[str, Any]:
    files = [p for p in directory.glob("*") if p.is_file()] if directory.exists() else []
    return {
        "dir": str(directory),
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
    }


def _by_reason(rows: list[dict[str, Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for row in rows:
        out[row["reason"]] = out.get(row["reason"], 0) + 1
    return out


def cmd_status(args: argparse.Namespace, **_: Any) -> int:
    """Print store health, spool, quarantine and each running process's counters."""
    report = status_report(args.config)
    if args.format == "json":
        write_json(sys.stdout, report)
        return 0
    out = sys.stdout
    store = report["store"]
    out.write(
        f"plant: {report['plant']}\nstore: {store['url']} (schema {store['revision']}, {store['tags']} tags)\n"
    )
    out.write(
        f"spool: {report['spool']['files']} file(s), {report['spool']['bytes']} bytes on disk\n"
    )
    out.write(f"quarantine (latest 1000): {report['quarantine'] or 'empty'}\n")
    _write_energy(out, report["energy"])
    for name, proc in report["processes"].items():
        age = (now_ns() - proc["updated_ns"]) / NS_PER_S
        out.write(f"\n{name}: updated {age:.0f} s ago, store online={proc['store']['online']}\n")
        alarms = proc.get("alarms", {})
        out.write(
            f"alarms: {alarms.get('active', 0)} active, {alarms.get('unacknowledged', 0)} unacknowledged\n"
        )
        write_table(out, ("counter", "value"), sorted(proc["counters"].items()))
        for drv in proc.get("drivers", []):
            out.write(f"{driver_line(drv)}\n")
    return 0


def driver_line(drv: dict[str, Any]) -> str:
    """``driver broker (mqtt, MQTT 3.1.1): online`` plus the last error, if any."""
    kind = str(drv["kind"])
    protocol = drv.get("protocol") or ""
    what = f"{kind}, {kind.upper()} {protocol}" if protocol else kind
    return f"driver {drv['name']} ({what}): {drv['state']} {drv.get('last_error', '')}".rstrip()


def _write_energy(out: TextIO, energy: dict[str, Any]) -> None:
    subs = f", {len(energy['submeters'])} sub-meter(s)" if energy["submeters"] else ""
    out.write(
        f"energy (last {energy['window_h']} h): {energy['meters']} meter(s){subs}, "
        f"{len(energy['warnings'])} warning(s)\n"
    )
    for line in energy["warnings"]:
        out.write(f"  warning: {line}\n")


def cmd_tags(args: argparse.Namespace, **_: Any) -> int:
    """Every tag with device, unit and its last stored value."""
    config = load_config(args.config)
    historian = Historian.open(config)
    try:
        latest = historian.latest_values()
        rows = []
        for tag in historian.registry:
            value = latest.get(tag.id)
            rows.append(
                {
                    "name": tag.name,
                    "device": tag.device,
                    "unit": tag.unit,
                    "description": tag.description,
                    "value": value.value if value else None,
                    "quality": Quality(value.quality).label if value else None,
                    "timestamp": format_time(value.ts_ns) if value else None,
                    "origin": tag.origin,
                }
            )
    finally:
        historian.close()
    if args.format == "json":
        write_json(sys.stdout, rows)
    else:
        cols = ("name", "device", "unit", "value", "quality", "timestamp")
        write_table(sys.stdout, cols, [[r[c] for c in cols] for r in rows])
    return 0
