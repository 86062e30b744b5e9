"""User administration: who may change accounts, the policy, the last administrator, audit."""

from __future__ import annotations

import pytest

from core.security.auth import LoginFailed
from core.security.authorization import PermissionRefused
from core.security.passwords import PasswordPolicyError
from core.security.roles import Permission, Role, Scope
from core.security.service import SecurityServices
from core.security.users import User, UserError
from tests.core.security.conftest import PASSWORD, audit_actions

NEW = "Fresh-Granite-Window-58"


@pytest.fixture
def admin(services: SecurityServices) -> User:
    return services.admin.create_first_administrator("admin", PASSWORD, full_name="Ada Admin")


@pytest.fixture
def olaf(services: SecurityServices, admin: User) -> User:
    return services.admin.add_user(
        admin, "olaf", PASSWORD, frozenset({Role.OPERATOR}), Scope(areas=frozenset({"boiler"}))
    )


def test_add_user_is_audited(services: SecurityServices, admin: User, olaf: User) -> None:
    row = services.audit.records()[-1]
    assert (row.action, row.username, row.role, row.target, row.new_value) == (
        "user_add",
        "admin",
        "administrator",
        "olaf",
        "operator (sites= areas=boiler)",
    )
    assert services.auth.authenticate("olaf", PASSWORD, "panel-1").roles == {Role.OPERATOR}


@pytest.mark.parametrize(
    ("name", "password", "error"),
    [
        ("bad name", PASSWORD, UserError),
        ("", PASSWORD, UserError),
        ("x" * 65, PASSWORD, UserError),
        ("olga", "olga-is-great-2026", PasswordPolicyError),
        ("olga", "password1234", PasswordPolicyError),
        ("admin", PASSWORD, UserError),
    ],
)
def test_add_user_refusals(
    services: SecurityServices, admin: User, name: str, password: str, error: type[Exception]
) -> None:
    before = services.audit.head_seq()
    with pytest.raises(error):
        services.admin.add_user(admin, name, password, frozenset({Role.OPERATOR}))
    assert services.audit.head_seq() == before


def test_only_user_managers_add_users(services: SecurityServices, olaf: User) -> None:
    with pytest.raises(PermissionRefused):
        services.admin.add_user(olaf, "eve", PASSWORD, frozenset({Role.ADMINISTRATOR}))
    assert audit_actions(services)[-1] == ("permission_refused", "olaf", "REFUSED")
    assert services.users.get("eve") is None


def test_own_password_change(services: SecurityServices, olaf: User) -> None:
    services.admin.change_password(olaf, "olaf", NEW)
    with pytest.raises(LoginFailed):
        services.auth.authenticate("olaf", PASSWORD, "panel-1")
    services.auth.authenticate("olaf", NEW, "panel-1")
    row = [r for r in services.audit.records() if r.action == "user_password"][-1]
    assert (row.username, row.target) == ("olaf", "olaf")
    assert NEW not in str(row.stored()) and PASSWORD not in str(row.stored())


def test_others_passwords_need_manage_users(
    services: SecurityServices, admin: User, olaf: User
) -> None:
    with pytest.raises(PermissionRefused):
        services.admin.change_password(olaf, "admin", NEW)
    services.admin.change_password(admin, "olaf", NEW, reason="forgotten")
    services.auth.authenticate("olaf", NEW, "panel-1")


def test_disable_and_enable(services: SecurityServices, admin: User, olaf: User) -> None:
    services.admin.set_enabled(admin, "olaf", False, reason="left the company")
    assert not services.authorizer.allowed("olaf", Permission.VIEW)
    with pytest.raises(LoginFailed):
        services.auth.login("olaf", PASSWORD, "panel-1")
    services.admin.set_enabled(admin, "olaf", True)
    services.auth.login("olaf", PASSWORD, "panel-1")
    changes = [
        (r.old_value, r.new_value) for r in services.audit.records() if r.action == "user_disable"
    ]
    assert changes == [("enabled", "disabled"), ("disabled", "enabled")]


def test_an_enabled_administrator_always_remains(services: SecurityServices, admin: User) -> None:
    with pytest.raises(UserError, match="own account"):
        services.admin.set_enabled(admin, "admin", False)
    with pytest.raises(UserError, match="administrator must remain"):
        services.admin.set_roles(admin, "admin", frozenset({Role.ENGINEER}), Scope())
    second = services.admin.add_user(admin, "root2", PASSWORD, frozenset({Role.ADMINISTRATOR}))
    services.admin.set_roles(admin, "admin", frozenset({Role.ENGINEER}), Scope())
    assert services.users.require("admin").roles == {Role.ENGINEER}
    assert second.enabled


def test_set_roles_takes_effect_and_is_audited(
    services: SecurityServices, admin: User, olaf: User
) -> None:
    assert not services.authorizer.allowed("olaf", Permission.WRITE_SETPOINT, "press")
    services.admin.set_roles(
        admin, "olaf", frozenset({Role.ENGINEER}), Scope(sites=frozenset({"north"}))
    )
    assert services.authorizer.allowed("olaf", Permission.WRITE_SETPOINT, "press")
    row = services.audit.records()[-1]
    assert (row.action, row.old_value, row.new_value) == (
        "user_roles",
        "operator (sites= areas=boiler)",
        "engineer (sites=north areas=)",
    )


def test_unknown_user_changes(services: SecurityServices, admin: User) -> None:
    with pytest.raises(UserError, match="unknown user"):
        services.admin.set_enabled(admin, "ghost", False)
    with pytest.raises(UserError, match="unknown user"):
        services.admin.change_password(admin, "ghost", NEW)
