"""Tables about accounts for people: the permission matrix, accounts, active sessions."""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from typing import Any

from core.security.roles import ROLE_PERMISSIONS, Permission, Role
from core.security.sessions import Session
from core.security.users import User
from core.timefmt import format_time


def permission_matrix() -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Header and one row per role: ``yes`` or ``-`` per permission."""
    header = ("role", *(p.value for p in Permission))
    rows = [
        (role.value, *("yes" if p in ROLE_PERMISSIONS[role] else "-" for p in Permission))
        for role in Role
    ]
    return header, rows


def account_row(user: User, now_ns: int) -> dict[str, Any]:
    """An account as shown by ``users list`` (never the hash)."""
    status = "enabled" if user.enabled else "disabled"
    if user.locked(now_ns):
        status = f"locked until {format_time(user.locked_until_ns or now_ns)}"
    scope = user.scope
    where = "plant-wide" if scope.plant_wide else ",".join(sorted(scope.sites | scope.areas))
    return {
        "user": user.username,
        "name": user.full_name,
        "roles": user.role_text,
        "scope": where,
        "status": status,
        "last_login": format_time(user.last_login_ns) if user.last_login_ns else "",
    }


def session_rows(sessions: Iterable[Session]) -> list[dict[str, Any]]:
    """Active sessions: who, at which station, since when, last activity."""
    return [
        {
            "user": s.username,
            "station": s.station,
            "since": format_time(s.since_ns),
            "last_activity": format_time(s.last_activity_ns),
        }
        for s in sessions
    ]


def os_user() -> str:
    """The operating-system account running a command-line tool (``os:<name>``) for audit rows."""
    try:
        return f"os:{getpass.getuser()}"
    except (KeyError, OSError):
        return "os:unknown"
