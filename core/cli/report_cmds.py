"""``controldeck report`` (generate), ``report verify``, ``report sign``, ``report run-schedules``.

``controldeck report --config F --kind K --from ISO --to ISO --out FILE`` writes a PDF or a CSV
(by the extension; a CSV holds every table in sections, or one plain table with ``--table``),
records its SHA-256, parameters and path, audits the export (``report_exported``: path and
SHA-256) and prints them. ``verify`` exits 0 only for a file whose
hash, audit row and signatures all check out (1 otherwise). ``sign`` asks for the password
again (or reads it from stdin) and writes a signed copy. Bad usage or configuration exits 2.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.config import ConfigError, PlantConfig, load_config
from core.reports.model import REPORT_KINDS
from core.reports.request import GRANULARITY_CHOICES, ReportRequest
from core.security.listing import os_user
from core.security.prompt import PasswordSource
from core.security.signatures import Meaning
from core.timefmt import parse_time

if TYPE_CHECKING:
    from core.reports.service import ReportService

# The report service and its builders load when a report verb runs, not when ``controldeck``
# parses its arguments (they bring scikit-learn and scipy along).

CLI = "command line"


def add_parsers(sub: Any) -> None:
    """Register ``report`` and its verbs."""
    p = sub.add_parser("report", help="generate, verify and sign reports; run report schedules")
    p.add_argument("--config", type=Path)
    p.add_argument("--kind", choices=REPORT_KINDS)
    p.add_argument("--from", dest="start", help="ISO-8601 (with offset; no zone = UTC)")
    p.add_argument("--to", dest="end")
    p.add_argument("--out", type=Path, help="FILE.pdf or FILE.csv")
    p.add_argument("--area", default="", help="one area only")
    p.add_argument("--device", action="append", default=[], help="energy: meter (repeatable)")
    p.add_argument("--by", choices=[c for c in GRANULARITY_CHOICES if c], default="")
    p.add_argument("--note", action="append", default=[], help="shift note (repeatable)")
    p.add_argument("--table", default="", help="CSV: write only this table")
    p.add_argument("--no-signatures", action="store_true", help="leave the signature block out")
    p.set_defaults(handler=cmd_report)
    verbs = p.add_subparsers(dest="verb", metavar="VERB", parser_class=type(p))
    v = verbs.add_parser("verify", help="check a report file against the store")
    v.add_argument("file", type=Path)
    v.add_argument("--config", required=True, type=Path)
    v.set_defaults(handler=cmd_verify)
    s = verbs.add_parser("sign", help="sign a report (re-authenticates) and write a signed copy")
    s.add_argument("--config", required=True, type=Path)
    s.add_argument("--file", required=True, type=Path)
    s.add_argument("--meaning", required=True, choices=[m.value for m in Meaning])
    s.add_argument("--user", required=True)
    s.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    s.add_argument("--out", type=Path, help="signed copy (default: FILE.signed.pdf/.csv)")
    s.set_defaults(handler=cmd_sign)
    r = verbs.add_parser("run-schedules", help="run due and missed [[reports]] schedules once")
    r.add_argument("--config", required=True, type=Path)
    r.set_defaults(handler=cmd_run_schedules)


def _open_service(config: Path | PlantConfig) -> AbstractContextManager[ReportService]:
    from core.reports.service import ReportService

    return ReportService.open(config if isinstance(config, PlantConfig) else load_config(config))


def _time(text: str | None, key: str) -> int:
    if not text:
        raise ConfigError(CLI, key, text, "required")
    try:
        return parse_time(text)
    except ValueError as exc:
        raise ConfigError(CLI, key, text, str(exc)) from exc


def cmd_report(args: argparse.Namespace, **_: Any) -> int:
    """Generate one report file."""
    from core.reports.service import format_for

    for key, value in (("--config", args.config), ("--kind", args.kind), ("--out", args.out)):
        if value is None:
            raise ConfigError(CLI, key, None, "required (or a VERB: verify, sign, run-schedules)")
    request = ReportRequest(
        args.kind,
        _time(args.start, "--from"),
        _time(args.end, "--to"),
        fmt=format_for(args.out),
        area=args.area,
        devices=tuple(args.device),
        by=args.by,
        notes=tuple(args.note),
        table=args.table,
        generated_by=os_user(),
        with_signatures=not args.no_signatures,
    )
    with _open_service(args.config) as service:
        result = service.export(request, args.out)
    same = " (identical to the recorded file)" if result.reused else ""
    sys.stdout.write(
        f"wrote {args.out}: report #{result.record.id}, {len(result.content)} bytes, "
        f"sha256 {result.sha256}{same}\n"
    )
    if result.signed is not None:
        sys.stdout.write(
            f"with signatures: signed copy, report hash {result.record.content_hash}\n"
        )
    return 0


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(CLI, "FILE", str(path), f"cannot read: {exc.strerror}") from exc


def cmd_verify(args: argparse.Namespace, **_: Any) -> int:
    """Check a file: 0 verified, 1 not."""
    data = _read(args.file)
    with _open_service(args.config) as service:
        outcome = service.verify(data)
    sys.stdout.write("".join(f"{line}\n" for line in outcome.describe()))
    return 0 if outcome.ok else 1


def signed_path(path: Path) -> Path:
    """``x.pdf`` -> ``x.signed.pdf`` (a signed copy keeps its name)."""
    stem = path.stem.removesuffix(".signed")
    return path.with_name(f"{stem}.signed{path.suffix}")


def cmd_sign(args: argparse.Namespace, **_: Any) -> int:
    """Sign a report file and write the signed copy."""
    data = _read(args.file)
    from core.reports.service import write_file
    from core.reports.verify import ReportError
    from core.security.auth import AuthError
    from core.security.authorization import PermissionRefused

    password = PasswordSource(args.password_stdin).read(f"Password for {args.user}")
    out = args.out or signed_path(args.file)
    with _open_service(args.config) as service:
        try:
            signed = service.sign(data, args.user, password, args.meaning, path=out)
        except (AuthError, PermissionRefused, ReportError) as exc:
            sys.stderr.write(f"controldeck: refused: {exc}\n")
            return 1
    write_file(out, signed.content)
    s = signed.signature
    sys.stdout.write(
        f"signed report #{signed.base.id} ({signed.base.content_hash}) as {s.meaning} by "
        f"{s.printed_name}; wrote {out}, sha256 {signed.record.content_hash}\n"
    )
    return 0


def cmd_run_schedules(args: argparse.Namespace, **_: Any) -> int:
    """Run due and missed schedules once: 0 when every period succeeded."""
    from core.analytics.energy.settings import energy_section
    from core.reports.scheduler import ReportScheduler
    from core.reports.schedules import plant_schedules

    config = load_config(args.config)
    schedules = plant_schedules(config)
    if not schedules:
        sys.stdout.write("no [[reports]] schedules in the plant file\n")
        return 0
    with _open_service(config) as service:
        scheduler = ReportScheduler(
            service, schedules, config.base_dir, energy_section(config).shift_list()
        )
        runs = scheduler.run_due()
    for run in runs:
        state = run.error or ("written and e-mailed" if run.emailed else "written")
        files = ", ".join(str(f) for f in run.files)
        sys.stdout.write(f"{run.schedule} {run.label}: {state} {files}\n")
    if not runs:
        sys.stdout.write("nothing due\n")
    return 1 if any(r.error for r in runs) else 0
