"""S3: argon2id parameters in the stored hash, rehash on change, the password policy."""

from __future__ import annotations

from pathlib import Path

import argon2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.config import ConfigError, load_config
from core.security.config import HashingConfig, SecurityConfig, parse_security_section
from core.security.passwords import PasswordHasher, PasswordPolicyError, check_password_policy
from core.security.service import SecurityServices
from core.store.historian import Historian
from tests.core.security.conftest import FAST_HASHING, PASSWORD, FakeClock


def _params(phc: str) -> argon2.Parameters:
    assert phc.startswith("$argon2id$v=19$")
    return argon2.extract_parameters(phc)


def test_production_parameters_meet_owasp() -> None:
    """The shipped default (46 MiB, t=2, p=1), hashed and verified for real."""
    hasher = PasswordHasher(HashingConfig())
    stored = hasher.hash(PASSWORD)
    params = _params(stored)
    assert params.type is argon2.Type.ID
    assert params.memory_cost >= 19_456 and params.time_cost >= 2 and params.parallelism == 1
    assert (params.salt_len, params.hash_len) == (16, 32)
    assert hasher.verify(stored, PASSWORD)
    assert not hasher.verify(stored, PASSWORD + "x")
    assert not hasher.needs_rehash(stored)


def test_stored_hash_is_argon2id(services: SecurityServices) -> None:
    services.admin.create_first_administrator("admin", PASSWORD)
    stored = services.users.require("admin").password_hash
    params = _params(stored)
    assert params.memory_cost >= 19_456 and params.time_cost >= 2
    assert PASSWORD not in stored


def test_rehash_on_login_when_parameters_change(
    plant_path: Path, historian: Historian, services: SecurityServices, clock: FakeClock
) -> None:
    services.admin.create_first_administrator("admin", PASSWORD)
    old = services.users.require("admin").password_hash
    stronger = SecurityConfig(
        hashing=HashingConfig(memory_kib=FAST_HASHING.memory_kib, time_cost=3),
        key_file="keys/installation.key",
        checkpoint_file="audit/checkpoint.json",
    )
    upgraded = SecurityServices.open(
        load_config(plant_path), historian.engine, clock=clock, security=stronger
    )
    assert upgraded.hasher.needs_rehash(old)
    upgraded.auth.login("admin", PASSWORD, "panel-1")
    new = upgraded.users.require("admin").password_hash
    assert new != old and _params(new).time_cost == 3
    assert not upgraded.hasher.needs_rehash(new)
    upgraded.auth.login("admin", PASSWORD, "panel-1")
    assert upgraded.users.require("admin").password_hash == new


@pytest.mark.parametrize("stored", ["", "plain-text", "$argon2id$v=19$m=1,t=1,p=1$broken"])
def test_unreadable_hash_never_verifies(stored: str) -> None:
    hasher = PasswordHasher(FAST_HASHING)
    assert not hasher.verify(stored, PASSWORD)
    assert hasher.needs_rehash(stored)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"hashing": {"memory_kib": 19_455}}, "security.hashing.memory_kib"),
        ({"hashing": {"time_cost": 1}}, "security.hashing.time_cost"),
        ({"hashing": {"parallelism": 0}}, "security.hashing.parallelism"),
        ({"min_password_length": 8}, "security.min_password_length"),
        ({"lockout_failures": 0}, "security.lockout_failures"),
        ({"key_source": "toml"}, "security.key_source"),
        ({"password": "secret-in-toml"}, "security.password"),
    ],
)
def test_config_below_floor_is_refused(raw: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_security_section(raw, "plant.toml")
    assert info.value.key_path == key and info.value.file == "plant.toml"


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short-Pw1!", "at least 12"),
        ("xx-alice-xx-2026", "user name"),
        ("Alice.Is.Here.1", "user name"),
        ("aaaaaaaaaaaaaaaa", "different characters"),
        ("abababababababab", "different characters"),
        ("password1234", "too common"),
        ("Password2026!!", "too common"),
        ("P@ssw0rd2024!!", "too common"),
        ("!!Welcome2026", "too common"),
        ("controldeck123", "too common"),
        ("qwertyuiopasdf", "too common"),
        ("123456789012345", "too common"),
        ("monkeymonkeymonkey", "repeat a shorter part"),
        ("Zq8#mVZq8#mV", "repeat a shorter part"),
        ("correcthorsebatterystaple", "too common"),
        ("x" * 1025 + "abcde", "at most 1024"),
    ],
)
def test_policy_refuses(password: str, why: str) -> None:
    with pytest.raises(PasswordPolicyError, match=why) as info:
        check_password_policy(password, "alice")
    assert password not in str(info.value)


@pytest.mark.parametrize("password", [PASSWORD, "correct-Pony-Staple-77", "Zq8#mVt2!pLw"])
def test_policy_accepts(password: str) -> None:
    check_password_policy(password, "alice")


def test_policy_minimum_is_configurable() -> None:
    with pytest.raises(PasswordPolicyError, match="at least 16"):
        check_password_policy("Zq8#mVt2!pLw", "alice", min_length=16)


POLICY_MESSAGES = {
    "the password must have at least 12 characters",
    "the password must have at most 1024 characters",
    "the password must not contain the user name",
    "the password must use at least 5 different characters",
    "the password is too common (a well-known password or word)",
    "the password must not repeat a shorter part",
}


@settings(max_examples=300, deadline=None)
@given(
    password=st.text(min_size=0, max_size=40),
    username=st.from_regex(r"[a-z]{1,10}", fullmatch=True),
)
def test_policy_total_and_never_echoes(password: str, username: str) -> None:
    try:
        check_password_policy(password, username)
    except PasswordPolicyError as exc:
        assert str(exc) in POLICY_MESSAGES  # fixed texts: the password is never interpolated
    else:
        assert len(password) >= 12 and username not in password.lower()
