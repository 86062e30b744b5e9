"""``controldeck users add|passwd|disable|list|roles`` and ``controldeck audit verify|export``.

Passwords come from a terminal prompt or, with ``--password-stdin``, one per line of standard
input (first the acting user's, then the new one); never from argv. Changes need ``--as USER``
with ``manage_users``, except the very first ``users add NAME --admin``. Bad input raises
:class:`ConfigError` (exit 2); refused credentials or permissions exit 1; a broken audit chain
exits 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.cli.output import write_json, write_table
from core.config import ConfigError, load_config
from core.security.audit_export import write_export
from core.security.auth import AuthError, SetupRequired
from core.security.authorization import PermissionRefused
from core.security.events import AuditAction, AuditEvent
from core.security.keys import InstallationKeyError
from core.security.listing import account_row, os_user, permission_matrix, session_rows
from core.security.passwords import PasswordPolicyError
from core.security.prompt import PasswordInputError, PasswordSource
from core.security.roles import Role, Scope, parse_roles
from core.security.service import SecurityServices
from core.security.users import User, UserError
from core.store.historian import Historian
from core.timefmt import format_time, parse_time

CLI = "command line"


def add_parsers(sub: Any) -> None:
    """Register ``users`` and ``audit``."""
    users = sub.add_parser("users", help="user accounts, roles and sessions")
    usub = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    p = _common(usub.add_parser("add", help="add a user (first run: the administrator)"))
    p.add_argument("name")
    p.add_argument("--admin", action="store_true", help="the administrator role")
    p.add_argument("--full-name", default="", help="printed name for signatures")
    _role_options(p)
    p.set_defaults(handler=cmd_users_add)
    p = _common(usub.add_parser("passwd", help="change a password (own, or any as admin)"))
    p.add_argument("name")
    p.set_defaults(handler=cmd_users_passwd)
    p = _common(usub.add_parser("disable", help="disable (or --enable) an account"))
    p.add_argument("name")
    p.add_argument("--enable", action="store_true")
    p.add_argument("--reason", default="")
    p.set_defaults(handler=cmd_users_disable)
    p = usub.add_parser("list", help="accounts, or --sessions: who is logged on where")
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--sessions", action="store_true")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=cmd_users_list)
    p = _common(usub.add_parser("roles", help="the permission matrix, or set a user's roles"))
    p.add_argument("name", nargs="?")
    _role_options(p)
    p.set_defaults(handler=cmd_users_roles)
    _audit_parsers(sub)


def _common(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--as", dest="as_user", help="the acting user (asked for a password)")
    p.add_argument("--password-stdin", action="store_true", help="read passwords from stdin")
    return p


def _role_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--role", action="append", default=[], help="repeatable")
    p.add_argument("--site", action="append", default=[], help="scope; repeatable")
    p.add_argument("--area", action="append", default=[], help="scope; repeatable")


def _audit_parsers(sub: Any) -> None:
    audit = sub.add_parser("audit", help="verify or export the audit trail")
    asub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    p = asub.add_parser("verify", help="check the hash chain and the external checkpoint")
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--reanchor", action="store_true", help="rewrite a lost checkpoint")
    p.set_defaults(handler=cmd_audit_verify)
    p = asub.add_parser("export", help="write the trail of a period (.csv or .json)")
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--from", required=True, dest="start")
    p.add_argument("--to", required=True, dest="end")
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(handler=cmd_audit_export)


@contextmanager
def _services(config_path: Path, create_key: bool | None = None) -> Iterator[SecurityServices]:
    config = load_config(config_path)
    historian = Historian.open(config)
    try:
        try:
            yield SecurityServices.open(config, historian.engine, create_key=create_key)
        except InstallationKeyError as exc:
            raise ConfigError(config.source, "security", "installation key", str(exc)) from exc
    finally:
        historian.close()


def _refused(exc: Exception) -> int:
    sys.stderr.write(f"controldeck: refused: {exc}\n")
    return 1


def _actor(services: SecurityServices, args: argparse.Namespace, source: PasswordSource) -> User:
    if not args.as_user:
        raise ConfigError(CLI, "--as", None, "name the acting user (with manage_users)")
    password = source.read(f"Password for {args.as_user}")
    return services.auth.authenticate(args.as_user, password, services.station)


def _roles(args: argparse.Namespace, admin: bool = False) -> tuple[frozenset[Role], Scope]:
    try:
        roles = parse_roles(args.role) | ({Role.ADMINISTRATOR} if admin else frozenset())
    except ValueError as exc:
        raise ConfigError(CLI, "--role", args.role, str(exc)) from exc
    if not roles:
        raise ConfigError(CLI, "--role", None, "give at least one --role (or --admin)")
    return frozenset(roles), Scope(frozenset(args.site), frozenset(args.area))


def _run_change(args: argparse.Namespace, change: Any) -> int:
    """Run ``change(services, password_source)``; bad input -> ConfigError, refusals -> 1."""
    source = PasswordSource(args.password_stdin)
    with _services(args.config) as services:
        try:
            change(services, source)
        except SetupRequired as exc:
            raise ConfigError(CLI, f"users {args.users_command}", args.name, str(exc)) from exc
        except (PasswordPolicyError, PasswordInputError, UserError) as exc:
            raise ConfigError(CLI, f"users {args.users_command}", args.name, str(exc)) from exc
        except (AuthError, PermissionRefused) as exc:
            return _refused(exc)
    return 0


def cmd_users_add(args: argparse.Namespace, **_: Any) -> int:
    """Add a user; on first run only ``--admin`` is accepted and needs no ``--as``."""

    def change(services: SecurityServices, source: PasswordSource) -> None:
        if services.users.count() == 0:
            if not args.admin:
                raise SetupRequired()
            password = source.read(f"New password for {args.name}", confirm=True)
            services.admin.create_first_administrator(
                args.name, password, full_name=args.full_name, station=services.station
            )
        else:
            roles, scope = _roles(args, admin=args.admin)
            actor = _actor(services, args, source)
            password = source.read(f"New password for {args.name}", confirm=True)
            services.admin.add_user(
                actor,
                args.name,
                password,
                roles,
                scope,
                full_name=args.full_name,
                station=services.station,
            )
        sys.stdout.write(f"user {args.name} added\n")

    return _run_change(args, change)


def cmd_users_passwd(args: argparse.Namespace, **_: Any) -> int:
    """Change a password: ``--as`` defaults to the user (who then gives the current password)."""

    def change(services: SecurityServices, source: PasswordSource) -> None:
        if not args.as_user:
            args.as_user = args.name
        actor = _actor(services, args, source)
        password = source.read(f"New password for {args.name}", confirm=True)
        services.admin.change_password(actor, args.name, password, station=services.station)
        sys.stdout.write(f"password of {args.name} changed\n")

    return _run_change(args, change)


def cmd_users_disable(args: argparse.Namespace, **_: Any) -> int:
    """Disable (``--enable``: re-enable) an account."""

    def change(services: SecurityServices, source: PasswordSource) -> None:
        actor = _actor(services, args, source)
        services.admin.set_enabled(
            actor, args.name, args.enable, station=services.station, reason=args.reason
        )
        sys.stdout.write(f"user {args.name} {'enabled' if args.enable else 'disabled'}\n")

    return _run_change(args, change)


def cmd_users_roles(args: argparse.Namespace, **_: Any) -> int:
    """Without a name: print the role x permission matrix. With one: set roles and scope."""
    if args.name is None:
        header, matrix = permission_matrix()
        write_table(sys.stdout, header, matrix)
        return 0

    def change(services: SecurityServices, source: PasswordSource) -> None:
        roles, scope = _roles(args)
        actor = _actor(services, args, source)
        services.admin.set_roles(actor, args.name, roles, scope, station=services.station)
        sys.stdout.write(f"roles of {args.name}: {','.join(sorted(r.value for r in roles))}\n")

    return _run_change(args, change)


def cmd_users_list(args: argparse.Namespace, **_: Any) -> int:
    """Accounts with roles, scope and status; ``--sessions``: the active sessions."""
    with _services(args.config) as services:
        accounts = services.users.all()
        if not accounts:
            raise ConfigError(CLI, "users list", None, str(SetupRequired()))
        now = services.clock()
        if args.sessions:
            rows = session_rows(services.auth.active_sessions())
        else:
            rows = [account_row(u, now) for u in accounts]
    if args.format == "json":
        write_json(sys.stdout, rows)
    elif rows:
        header = tuple(rows[0])
        write_table(sys.stdout, header, [[r[c] for c in header] for r in rows])
    return 0


def cmd_audit_verify(args: argparse.Namespace, **_: Any) -> int:
    """Verify the chain and checkpoint; exit 1 naming the first broken link."""
    with _services(args.config) as services:
        report = services.audit.verify()
        if not report.ok and args.reanchor and services.audit.verify(use_checkpoint=False).ok:
            checkpoint = services.audit.reanchor()
            services.audit.append(
                AuditEvent(
                    AuditAction.AUDIT_REANCHOR,
                    os_user(),
                    services.station,
                    target=str(services.audit.checkpoint.path),
                    new_value=str(checkpoint.seq),
                )
            )
            report = services.audit.verify()
    (sys.stdout if report.ok else sys.stderr).write(report.describe() + "\n")
    return 0 if report.ok else 1


def cmd_audit_export(args: argparse.Namespace, **_: Any) -> int:
    """Write the rows of ``--from``..``--to`` to ``--out`` (CSV or JSON by suffix)."""
    try:
        start, end = parse_time(args.start), parse_time(args.end)
    except ValueError as exc:
        raise ConfigError(CLI, "--from/--to", f"{args.start} .. {args.end}", str(exc)) from exc
    if end < start:
        raise ConfigError(CLI, "--to", args.end, "is before --from")
    if args.out.suffix.lower() not in (".csv", ".json"):
        raise ConfigError(CLI, "--out", str(args.out), "use a .csv or .json file name")
    with _services(args.config, create_key=False) as services:
        count = write_export(
            args.out, services.audit.records(start, end), services.identities.scrub
        )
        services.audit.append(
            AuditEvent(
                AuditAction.AUDIT_EXPORT,
                os_user(),
                services.station,
                target=str(args.out),
                new_value=f"{count} rows",
                detail=f"{format_time(start)} .. {format_time(end)}",
            )
        )
    sys.stdout.write(f"{count} audit rows written to {args.out}\n")
    return 0
