"""S3: first run, login, lockout and its end, idle logout, fast user switching, sessions, logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import load_config
from core.security.auth import AccountLocked, LoginFailed, SessionExpired, SetupRequired
from core.security.config import SecurityConfig
from core.security.roles import Role
from core.security.service import SecurityServices
from core.store.historian import Historian
from tests.core.security.conftest import (
    FAST_HASHING,
    PASSWORD,
    FakeClock,
    add_user,
    audit_actions,
)

WRONG = "Wrong-Horse-Battery-42"


@pytest.fixture
def people(services: SecurityServices, password_hash: str) -> SecurityServices:
    """An administrator, and operators alice (boiler) and bob (plant-wide); all use PASSWORD."""
    add_user(services, "admin", {Role.ADMINISTRATOR}, password_hash, full_name="Ada Admin")
    add_user(services, "alice", {Role.OPERATOR}, password_hash, areas=("boiler",))
    add_user(services, "bob", {Role.OPERATOR}, password_hash)
    return services


def test_nothing_works_before_the_first_administrator(services: SecurityServices) -> None:
    with pytest.raises(SetupRequired, match="users add NAME --admin"):
        services.auth.login("admin", PASSWORD, "panel-1")
    services.admin.create_first_administrator("admin", PASSWORD, full_name="Ada Admin")
    session = services.auth.login("admin", PASSWORD, "panel-1")
    assert session.username == "admin"
    assert audit_actions(services) == [("user_add", "admin", "OK"), ("login", "admin", "OK")]


def test_first_administrator_only_once(services: SecurityServices) -> None:
    from core.security.users import UserError

    services.admin.create_first_administrator("admin", PASSWORD)
    with pytest.raises(UserError, match="exist already"):
        services.admin.create_first_administrator("mallory", PASSWORD)


def test_login_opens_a_listed_session(people: SecurityServices, clock: FakeClock) -> None:
    session = people.auth.login("alice", PASSWORD, "panel-1")
    (listed,) = people.auth.active_sessions()
    assert (listed.username, listed.station, listed.since_ns) == ("alice", "panel-1", clock.now)
    assert listed.id == session.id
    assert people.users.require("alice").last_login_ns == clock.now


@pytest.mark.parametrize(
    ("user", "password", "detail", "outcome"),
    [
        ("alice", WRONG, "wrong password", "FAILED"),
        ("nobody", PASSWORD, "unknown user", "REFUSED"),
    ],
)
def test_failed_login_is_audited(
    people: SecurityServices, user: str, password: str, detail: str, outcome: str
) -> None:
    with pytest.raises(LoginFailed):
        people.auth.login(user, password, "panel-1")
    (row,) = people.audit.records()
    assert (row.action, row.username, row.station, row.detail, row.outcome) == (
        "login_failed",
        user,
        "panel-1",
        detail,
        outcome,
    )
    assert people.auth.active_sessions() == []


def test_lockout_after_five_failures_and_unlock_after_the_period(
    people: SecurityServices, clock: FakeClock, no_password_in_logs: pytest.LogCaptureFixture
) -> None:
    for _ in range(4):
        with pytest.raises(LoginFailed):
            people.auth.login("alice", WRONG, "panel-1")
    with pytest.raises(AccountLocked):
        people.auth.login("alice", WRONG, "panel-1")
    clock.advance(10 * 60 - 1)
    with pytest.raises(AccountLocked) as locked:
        people.auth.login("alice", PASSWORD, "panel-1")
    assert PASSWORD not in str(locked.value)
    actions = audit_actions(people)
    assert actions[:5] == [("login_failed", "alice", "FAILED")] * 5
    assert actions[5:] == [("lockout", "alice", "OK"), ("login_failed", "alice", "REFUSED")]
    clock.advance(1)
    people.auth.login("alice", PASSWORD, "panel-1")
    assert people.users.require("alice").failed_logins == 0
    assert audit_actions(people)[-1] == ("login", "alice", "OK")


def test_lockout_threshold_is_configurable(
    plant_path: Path, historian: Historian, clock: FakeClock, password_hash: str
) -> None:
    strict = SecurityConfig(
        hashing=FAST_HASHING,
        lockout_failures=2,
        lockout_minutes=1,
        key_file="keys/installation.key",
        checkpoint_file="audit/checkpoint.json",
    )
    sec = SecurityServices.open(
        load_config(plant_path), historian.engine, clock=clock, security=strict
    )
    add_user(sec, "carl", {Role.OPERATOR}, password_hash)
    with pytest.raises(LoginFailed):
        sec.auth.login("carl", WRONG, "panel-1")
    with pytest.raises(AccountLocked):
        sec.auth.login("carl", WRONG, "panel-1")
    clock.advance(61)
    with pytest.raises(LoginFailed):  # the count restarts after the lockout
        sec.auth.login("carl", WRONG, "panel-1")
    sec.auth.login("carl", PASSWORD, "panel-1")


def test_success_resets_the_failure_count(people: SecurityServices) -> None:
    for _ in range(4):
        with pytest.raises(LoginFailed):
            people.auth.login("bob", WRONG, "panel-1")
    people.auth.login("bob", PASSWORD, "panel-1")
    for _ in range(4):
        with pytest.raises(LoginFailed):
            people.auth.login("bob", WRONG, "panel-1")
    assert not people.users.require("bob").locked(people.clock())


def test_disabled_account_cannot_log_on(people: SecurityServices) -> None:
    people.users.set_enabled("bob", False)
    with pytest.raises(LoginFailed):
        people.auth.login("bob", PASSWORD, "panel-1")
    assert people.audit.records()[-1].detail == "account disabled"


def test_idle_logout(people: SecurityServices, clock: FakeClock) -> None:
    session = people.auth.login("alice", PASSWORD, "panel-1")
    clock.advance(14 * 60)
    people.auth.touch(session.id)
    clock.advance(14 * 60)
    people.auth.touch(session.id)
    clock.advance(15 * 60)
    with pytest.raises(SessionExpired):
        people.auth.touch(session.id)
    assert people.auth.active_sessions() == []
    last = people.audit.records()[-1]
    assert (last.action, last.username, last.reason) == ("logout", "alice", "idle")
    with pytest.raises(SessionExpired):
        people.auth.touch(session.id)


def test_expire_idle_sweeps_only_idle_sessions(people: SecurityServices, clock: FakeClock) -> None:
    idle = people.auth.login("alice", PASSWORD, "panel-1")
    clock.advance(10 * 60)
    busy = people.auth.login("bob", PASSWORD, "panel-2")
    clock.advance(5 * 60)
    assert [s.id for s in people.auth.expire_idle()] == [idle.id]
    assert [s.id for s in people.auth.active_sessions()] == [busy.id]


def test_fast_user_switching(people: SecurityServices) -> None:
    alice = people.auth.login("alice", PASSWORD, "panel-1")
    with pytest.raises(LoginFailed):
        people.auth.switch_user("panel-1", "bob", WRONG)
    assert [s.id for s in people.auth.active_sessions()] == [alice.id]
    bob = people.auth.switch_user("panel-1", "bob", PASSWORD)
    assert [s.id for s in people.auth.active_sessions()] == [bob.id]
    logout = [r for r in people.audit.records() if r.action == "logout"]
    assert [(r.username, r.reason) for r in logout] == [("alice", "switched")]
    assert people.auth.user_of(bob.id).username == "bob"
    with pytest.raises(SessionExpired):
        people.auth.user_of(alice.id)


def test_stations_keep_their_own_sessions(people: SecurityServices) -> None:
    people.auth.login("alice", PASSWORD, "panel-1")
    people.auth.login("bob", PASSWORD, "panel-2")
    people.auth.login("admin", PASSWORD, "office")
    assert {(s.username, s.station) for s in people.auth.active_sessions()} == {
        ("alice", "panel-1"),
        ("bob", "panel-2"),
        ("admin", "office"),
    }
    people.auth.login("bob", PASSWORD, "panel-1")
    assert {(s.username, s.station) for s in people.auth.active_sessions()} == {
        ("bob", "panel-1"),
        ("bob", "panel-2"),
        ("admin", "office"),
    }


def test_logout(people: SecurityServices) -> None:
    session = people.auth.login("alice", PASSWORD, "panel-1")
    people.auth.logout(session.id)
    people.auth.logout(session.id)
    assert people.auth.active_sessions() == []
    assert [a for a, _, _ in audit_actions(people)] == ["login", "logout"]


def test_password_never_in_logs_or_errors(
    people: SecurityServices, clock: FakeClock, no_password_in_logs: pytest.LogCaptureFixture
) -> None:
    """Typed right, typed wrong (as another user's), during a lockout, and as a user name.

    Redaction is not installed here: nothing may log the password in the first place.
    """
    people.auth.login("alice", PASSWORD, "panel-1")
    people.users.set_password_hash("bob", people.hasher.hash(WRONG), clock.now)
    errors = []
    for _ in range(6):
        with pytest.raises((LoginFailed, AccountLocked)) as info:
            people.auth.login("bob", PASSWORD, "panel-2")
        errors.append(str(info.value))
    with pytest.raises(LoginFailed) as unknown:
        people.auth.login(PASSWORD, PASSWORD, "panel-2")
    errors.append(str(unknown.value))
    assert all(PASSWORD not in e for e in errors)
    assert any("locked" in r.getMessage() for r in no_password_in_logs.records)
    for record in people.audit.records():
        assert PASSWORD not in "|".join(str(v) for v in record.stored())
