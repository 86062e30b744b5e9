"""S1: every role x permission, inside and outside the user's area; refusals audited once each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import load_config
from core.security.events import AuditAction, Outcome
from core.security.roles import Permission, Role, parse_roles
from core.security.service import SecurityServices
from core.store.historian import Historian
from tests.core.plant import write_plant
from tests.core.security.conftest import SECURITY_TOML, FakeClock, add_user

P = Permission
EXPECTED: dict[Role, set[Permission]] = {
    Role.OPERATOR: {P.VIEW, P.ACKNOWLEDGE, P.SHELVE, P.WRITE_SETPOINT},
    Role.MAINTENANCE: {P.VIEW, P.ACKNOWLEDGE, P.MANAGE_TICKETS},
    Role.SUPERVISOR: {
        P.VIEW,
        P.ACKNOWLEDGE,
        P.SHELVE,
        P.MANAGE_TICKETS,
        P.SIGN_REPORTS,
        P.EXPORT,
    },
    Role.ENGINEER: {
        P.VIEW,
        P.ACKNOWLEDGE,
        P.SHELVE,
        P.WRITE_SETPOINT,
        P.MANAGE_TICKETS,
        P.CONFIGURE_PLANT,
        P.EXPORT,
    },
    Role.ADMINISTRATOR: {P.VIEW, P.CONFIGURE_PLANT, P.MANAGE_USERS, P.EXPORT},
}
"""The matrix as specified (independent of the code's table)."""
MATRIX = [(role, perm) for role in Role for perm in Permission]


@pytest.fixture(scope="module")
def sec(tmp_path_factory: pytest.TempPathFactory, password_hash: str) -> Iterator[SecurityServices]:
    """One store with a user per role scoped to area ``boiler``, and plant-wide ones."""
    directory = tmp_path_factory.mktemp("roles")
    config = load_config(write_plant(directory, extra=SECURITY_TOML))
    historian = Historian.open(config)
    services = SecurityServices.open(config, historian.engine, clock=FakeClock())
    for role in Role:
        add_user(services, f"{role.value}-boiler", {role}, password_hash, areas=("boiler",))
        add_user(services, f"{role.value}-all", {role}, password_hash)
    add_user(services, "op-north", {Role.OPERATOR}, password_hash, sites=("north",))
    add_user(services, "op-eng", {Role.OPERATOR, Role.ENGINEER}, password_hash, areas=("press",))
    try:
        yield services
    finally:
        historian.close()


def _refusals(sec: SecurityServices, after: int) -> list[tuple[str, str, str, str, str]]:
    return [
        (r.username, r.role, r.new_value or "", r.target, r.outcome)
        for r in sec.audit.records(after_seq=after)
        if r.action == AuditAction.PERMISSION_REFUSED
    ]


@pytest.mark.parametrize(("role", "permission"), MATRIX)
def test_role_in_own_area(sec: SecurityServices, role: Role, permission: Permission) -> None:
    expected = permission in EXPECTED[role]
    user = f"{role.value}-boiler"
    before = sec.audit.head_seq()
    assert sec.authorizer.check(user, permission, "boiler", target="boiler/sp") is expected
    refusals = _refusals(sec, before)
    if expected:
        assert refusals == []
        assert sec.audit.head_seq() == before
    else:
        assert refusals == [(user, role.value, permission.value, "boiler/sp", Outcome.REFUSED)]


@pytest.mark.parametrize(("role", "permission"), MATRIX)
def test_role_in_other_area_may_only_view(
    sec: SecurityServices, role: Role, permission: Permission
) -> None:
    """An operator of area A watches area B but does not act on it."""
    plant_wide = permission in (P.VIEW, P.MANAGE_USERS)
    expected = permission in EXPECTED[role] and plant_wide
    assert sec.authorizer.allowed(f"{role.value}-boiler", permission, "packing") is expected
    assert sec.authorizer.allowed(f"{role.value}-all", permission, "packing") is (
        permission in EXPECTED[role]
    )


@pytest.mark.parametrize(
    ("user", "area", "expected"),
    [
        ("op-north", "boiler", True),
        ("op-north", "press", True),
        ("op-north", "packing", False),
        ("op-north", "", False),
        ("operator-all", "", True),
        ("operator-boiler", "unknown-area", False),
        ("op-eng", "press", True),
        ("op-eng", "boiler", False),
        ("nobody", "boiler", False),
    ],
)
def test_scope_by_site_and_area(
    sec: SecurityServices, user: str, area: str, expected: bool
) -> None:
    assert sec.authorizer.allowed(user, P.WRITE_SETPOINT, area) is expected


def test_roles_add_up(sec: SecurityServices) -> None:
    assert sec.authorizer.allowed("op-eng", P.CONFIGURE_PLANT, "press")
    assert not sec.authorizer.allowed("op-eng", P.MANAGE_USERS, "press")


@pytest.mark.parametrize(
    ("action", "role", "expected"),
    [
        ("acknowledge", Role.OPERATOR, True),
        ("comment", Role.MAINTENANCE, True),
        ("shelve", Role.OPERATOR, True),
        ("unshelve", Role.MAINTENANCE, False),
        ("shelve", Role.ADMINISTRATOR, False),
        ("remove_from_service", Role.ENGINEER, True),
        ("remove_from_service", Role.OPERATOR, False),
        ("return_to_service", Role.SUPERVISOR, False),
        ("launch_missiles", Role.ENGINEER, False),
    ],
)
def test_alarm_permission_checker(
    sec: SecurityServices, action: str, role: Role, expected: bool
) -> None:
    from core.alarms.permissions import Action, PermissionChecker

    checker: PermissionChecker = sec.alarm_permissions()
    assert checker.allowed(f"{role.value}-boiler", action, "boiler") is expected
    assert checker.allowed(f"{role.value}-boiler", action, "packing") is False
    if action in {a.value for a in Action}:
        assert checker.allowed(f"{role.value}-boiler", Action(action), "boiler") is expected


def test_disabled_user_may_nothing(
    tmp_path: Path, services: SecurityServices, password_hash: str
) -> None:
    add_user(services, "olga", {Role.ENGINEER}, password_hash)
    assert services.authorizer.allowed("olga", P.VIEW)
    services.users.set_enabled("olga", False)
    services.authorizer.invalidate("olga")
    assert not services.authorizer.allowed("olga", P.VIEW)


def test_require_raises_after_auditing(services: SecurityServices, password_hash: str) -> None:
    from core.security.authorization import PermissionRefused

    add_user(services, "mona", {Role.MAINTENANCE}, password_hash, areas=("boiler",))
    with pytest.raises(PermissionRefused, match="may not configure_plant"):
        services.authorizer.require("mona", P.CONFIGURE_PLANT, "boiler", station="panel-2")
    (row,) = services.audit.records()
    assert (row.action, row.username, row.role, row.station, row.outcome) == (
        "permission_refused",
        "mona",
        "maintenance",
        "panel-2",
        "REFUSED",
    )


@pytest.mark.parametrize("names", [["operator", "Engineer "], ["ADMINISTRATOR"]])
def test_parse_roles(names: list[str]) -> None:
    assert {r.value for r in parse_roles(names)} == {n.strip().lower() for n in names}


def test_parse_roles_names_unknown() -> None:
    with pytest.raises(ValueError, match="unknown role 'janitor'"):
        parse_roles(["janitor"])
