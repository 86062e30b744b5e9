"""``controldeck alarms ...`` and ``controldeck tickets ...``."""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import sys
from pathlib import Path
from typing import Any

from core.alarms.commands import alarm_handlers
from core.alarms.config import parse_alarm_sections
from core.alarms.journal import read_journal
from core.alarms.kpi import compute_kpis
from core.alarms.state_store import AlarmStateStore
from core.alarms.system import build_alarm_system
from core.alarms.tickets import TicketManager
from core.cli.output import write_json, write_table
from core.commands import Command, CommandQueue
from core.config import ConfigError, PlantConfig, load_config
from core.model import NS_PER_S, now_ns
from core.security.auth import AccountLocked, LoginFailed, SetupRequired
from core.security.prompt import PasswordSource
from core.security.service import SecurityServices
from core.store.historian import Historian
from core.timefmt import format_time, parse_time

ACTIONS = {
    "ack": "alarm.ack",
    "shelve": "alarm.shelve",
    "unshelve": "alarm.unshelve",
    "comment": "alarm.comment",
    "out-of-service": "alarm.out_of_service",
    "return-to-service": "alarm.return_to_service",
}


def add_parsers(sub: Any) -> None:
    """Register ``alarms`` and ``tickets``."""
    alarms = sub.add_parser("alarms", help="alarm states, journal, KPIs and operator actions")
    verbs = alarms.add_subparsers(dest="verb", required=True, metavar="VERB")
    p = _common(verbs.add_parser("list", help="alarms not in the normal state"))
    p.add_argument("--all", action="store_true", help="every defined alarm")
    p.set_defaults(handler=cmd_list)
    p = _common(verbs.add_parser("journal", help="journal entries of a period"))
    _period(p, required=False)
    p.add_argument("--alarm")
    p.add_argument("--limit", type=int, default=1000)
    p.set_defaults(handler=cmd_journal)
    p = _common(verbs.add_parser("kpi", help="EEMUA 191 / ISA-18.2 KPIs of a period"))
    _period(p, required=True)
    p.add_argument("--area")
    p.set_defaults(handler=cmd_kpi)
    for verb, action in ACTIONS.items():
        p = _common(verbs.add_parser(verb, help=f"{verb} (as the given user)"))
        p.add_argument("--alarm", action="append", default=[], help="alarm name (repeatable)")
        p.add_argument("--user", default=getpass.getuser(), help="who acts (asked for a password)")
        p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
        p.add_argument("--comment", default="")
        if verb == "ack":
            p.add_argument(
                "--all", action="store_true", help="every alarm the user may acknowledge"
            )
        if verb == "shelve":
            p.add_argument("--duration", type=float, required=True, help="seconds")
            p.add_argument("--reason", required=True)
        if verb == "out-of-service":
            p.add_argument("--reference", required=True, help="work order or permit")
        p.set_defaults(handler=cmd_action, action=action)
    tickets = sub.add_parser("tickets", help="maintenance tickets")
    tverbs = tickets.add_subparsers(dest="verb", required=True, metavar="VERB")
    p = _common(tverbs.add_parser("list", help="tickets, newest first"))
    p.add_argument("--status", choices=["open", "in_progress", "resolved", "closed"])
    p.set_defaults(handler=cmd_tickets)


def _common(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--format", choices=["text", "json"], default="text")
    return p


def _period(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument("--from", dest="start", required=required)
    p.add_argument("--to", dest="end", required=required)


def _times(args: argparse.Namespace) -> tuple[int | None, int | None]:
    try:
        start = parse_time(args.start) if args.start else None
        end = parse_time(args.end) if args.end else None
    except ValueError as exc:
        raise ConfigError(
            "command line", "--from/--to", f"{args.start} .. {args.end}", str(exc)
        ) from exc
    return start, end


def _alarm_config(config: PlantConfig) -> Any:
    return parse_alarm_sections(
        config.alarms, config.notifications, config.maintenance, config.source
    )


def cmd_list(args: argparse.Namespace, **_: Any) -> int:
    """Current alarm states from the store."""
    config = load_config(args.config)
    hist = Historian.open(config)
    try:
        stored = {s.name: s for s in AlarmStateStore(hist.engine).load()}
        defs = {d.alarm_name: d for d in _alarm_config(config).alarms}
    finally:
        hist.close()
    rows = []
    for name in sorted(set(defs) | set(stored)):
        state = stored.get(name)
        value = state.state.value if state else "normal"
        if not args.all and value == "normal":
            continue
        d = defs.get(name)
        rows.append({
            "alarm": name, "state": value, "priority": d.priority if d else "",
            "area": d.area if d else "", "tag": d.tag if d else "",
            "since": format_time(state.updated_ns) if state else None,
            "message": d.message if d else "",
        })  # fmt: skip
    _emit(args.format, rows, ("alarm", "state", "priority", "area", "since", "message"))
    return 0


def cmd_journal(args: argparse.Namespace, **_: Any) -> int:
    """Journal entries."""
    start, end = _times(args)
    hist = Historian.open(load_config(args.config))
    try:
        entries = read_journal(
            hist.engine, start_ns=start, end_ns=end, alarm=args.alarm, limit=args.limit
        )
    finally:
        hist.close()
    rows = [dataclasses.asdict(e) | {"time": format_time(e.ts_ns)} for e in entries]
    _emit(
        args.format,
        rows,
        ("time", "alarm", "event", "from_state", "to_state", "value", "user", "comment"),
    )
    return 0


def cmd_kpi(args: argparse.Namespace, **_: Any) -> int:
    """Alarm-system KPIs of a period."""
    start, end = _times(args)
    assert start is not None and end is not None
    hist = Historian.open(load_config(args.config))
    try:
        entries = read_journal(hist.engine, start_ns=None, end_ns=end)
    finally:
        hist.close()
    kpis = dataclasses.asdict(compute_kpis(entries, start, end, area=args.area))
    if args.format == "json":
        write_json(sys.stdout, kpis)
    else:
        scalars = [(k, v) for k, v in kpis.items() if not isinstance(v, dict | list)]
        write_table(sys.stdout, ("kpi", "value"), scalars)
        for key in ("priority_pct", "bad_actors", "chattering", "stale", "response"):
            sys.stdout.write(f"{key}: {kpis[key]}\n")
    return 0


def cmd_tickets(args: argparse.Namespace, **_: Any) -> int:
    """Maintenance tickets."""
    config = load_config(args.config)
    alarm_config = _alarm_config(config)
    hist = Historian.open(config)
    try:
        manager = TicketManager(
            hist.engine, alarm_config.alarms, alarm_config.maintenance.auto_ticket_priority
        )
        tickets = [dataclasses.asdict(t) for t in manager.tickets(args.status)]
    finally:
        hist.close()
    _emit(
        args.format,
        tickets,
        ("id", "status", "priority", "source", "title", "assignee", "occurrences"),
    )
    return 0


def cmd_action(args: argparse.Namespace, **_: Any) -> int:
    """Send an operator action to the running collector, or apply it to the store directly."""
    config = load_config(args.config)
    target, extra = _action_target(args)
    hist = Historian.open(config)
    try:
        services = SecurityServices.open(config, hist.engine)
        password = PasswordSource(args.password_stdin).read(f"Password for {args.user}")
        try:
            user = services.auth.authenticate(args.user, password, services.station).username
        except (LoginFailed, AccountLocked, SetupRequired) as exc:
            sys.stderr.write(f"controldeck: refused: {exc}\n")
            return 1
        command = Command(0, user, services.station, args.action, target, extra)
        if _collector_running(hist, config):
            queue = CommandQueue(hist.engine)
            cid = queue.post(user, services.station, args.action, target, **extra)
            status, result = queue.wait(cid, 10.0)
        else:
            status, result = _apply_directly(hist, config, command, services)
    finally:
        hist.close()
    if status != "done":
        sys.stderr.write(
            f"controldeck: {args.action} {status}: {result.get('error', 'no collector answered')}\n"
        )
        return 1
    _emit(args.format, result["transitions"], ("alarm", "event", "from", "to"))
    return 0


def _action_target(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    if getattr(args, "all", False):
        target = "*"
    elif args.alarm:
        target = ",".join(args.alarm)
    else:
        raise ConfigError(
            "command line", "--alarm", None, "name at least one alarm (or --all for ack)"
        )
    extra: dict[str, Any] = {"comment": args.comment, "text": args.comment}
    if args.action == "alarm.shelve":
        extra |= {"duration_s": args.duration, "reason": args.reason}
    if args.action == "alarm.out_of_service":
        extra["reference"] = args.reference
    if args.action != "alarm.ack" and "," in target:
        raise ConfigError("command line", "--alarm", target, "this action takes one alarm")
    return target, extra


def _collector_running(hist: Historian, config: PlantConfig) -> bool:
    fresh = now_ns() - int(3 * config.ingest.status_interval_s * NS_PER_S)
    return any(
        p["updated_ns"] >= fresh and p.get("stopped") is not True
        for p in hist.load_status().values()
    )


def _apply_directly(
    hist: Historian, config: PlantConfig, command: Command, services: SecurityServices
) -> tuple[str, dict[str, Any]]:
    system = build_alarm_system(
        _alarm_config(config), hist.engine, hist.registry.resolve, services.alarm_permissions()
    )
    try:
        return "done", alarm_handlers(system.engine)[command.action](command)
    except Exception as exc:
        return "failed", {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        system.stop()


def _emit(fmt: str, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    if fmt == "json":
        write_json(sys.stdout, rows)
    else:
        write_table(sys.stdout, columns, [[r.get(c) for c in columns] for r in rows])
