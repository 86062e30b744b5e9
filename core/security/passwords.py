"""Password hashing (argon2id) and the password policy.

Hashes are PHC strings (``$argon2id$v=19$m=...,t=...,p=...$salt$hash``) so each carries its
own parameters; :meth:`PasswordHasher.needs_rehash` tells when the configured ones changed.
Policy: at least ``min_length`` characters, not containing the user name, not a common
password, common word or keyboard run (with digits, symbols and leet spelling stripped).
Error messages never contain the password.
"""

from __future__ import annotations

import re

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core.security.config import HashingConfig

MAX_PASSWORD_LENGTH = 1024
MIN_DISTINCT_CHARACTERS = 5

COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "qwertyuiop123",
        "qwerty123456",
        "password1234",
        "password12345",
        "passwordpassword",
        "iloveyou1234",
        "111111111111",
        "000000000000",
        "aaaaaaaaaaaa",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "zaq12wsxcde3",
        "qazwsxedcrfv",
        "correcthorsebatterystaple",
        "trustno1trustno1",
        "letmeinletmein",
        "welcome123456",
        "administrator1",
        "changemechangeme",
    }
)
COMMON_WORDS = frozenset(
    {
        "password",
        "passwort",
        "admin",
        "administrator",
        "welcome",
        "welcometo",
        "qwerty",
        "qwertz",
        "azerty",
        "letmein",
        "changeme",
        "default",
        "secret",
        "login",
        "iloveyou",
        "trustno",
        "sunshine",
        "princess",
        "football",
        "baseball",
        "dragon",
        "monkey",
        "master",
        "superman",
        "controldeck",
        "scada",
        "operator",
        "engineer",
        "supervisor",
        "maintenance",
        "factory",
        "plant",
        "summer",
        "winter",
        "spring",
        "autumn",
    }
)
KEYBOARD_RUNS = (
    "01234567890123456789",
    "98765432109876543210",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertzuiopasdfghjklyxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
)
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


class PasswordPolicyError(ValueError):
    """A password refused by the policy (the message says why, never what)."""


def _is_common(password: str) -> bool:
    low = password.lower()
    if low in COMMON_PASSWORDS or any(low in run for run in KEYBOARD_RUNS):
        return True
    base = _EDGES.sub("", low)
    words = {base, base.translate(_LEET), _EDGES.sub("", low.translate(_LEET))}
    return any(word in COMMON_WORDS for word in words)


def _repeats(password: str) -> bool:
    """True when the password is a shorter part written two or more times."""
    return password in (password + password)[1:-1]


def check_password_policy(password: str, username: str, min_length: int = 12) -> None:
    """Raise :class:`PasswordPolicyError` when ``password`` is not acceptable for ``username``."""
    if len(password) < min_length:
        raise PasswordPolicyError(f"the password must have at least {min_length} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"the password must have at most {MAX_PASSWORD_LENGTH} characters"
        )
    if username and username.lower() in password.lower():
        raise PasswordPolicyError("the password must not contain the user name")
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        raise PasswordPolicyError(
            f"the password must use at least {MIN_DISTINCT_CHARACTERS} different characters"
        )
    if _repeats(password.lower()):
        raise PasswordPolicyError("the password must not repeat a shorter part")
    if _is_common(password):
        raise PasswordPolicyError("the password is too common (a well-known password or word)")


class PasswordHasher:
    """argon2id with the configured parameters (16-byte salt, 32-byte hash)."""

    def __init__(self, config: HashingConfig) -> None:
        self.config = config
        self._argon = argon2.PasswordHasher(
            time_cost=config.time_cost,
            memory_cost=config.memory_kib,
            parallelism=config.parallelism,
            hash_len=32,
            salt_len=16,
            type=argon2.Type.ID,
        )
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        """A new PHC hash string of ``password``."""
        return self._argon.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        """True when ``password`` matches; False on mismatch or an unreadable hash."""
        try:
            return self._argon.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when the hash was made with other parameters than the configured ones."""
        try:
            return self._argon.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True

    def spend_verify_time(self, password: str) -> None:
        """Verify against a throw-away hash, so an unknown user name takes as long as a known one."""
        if self._dummy is None:
            self._dummy = self._argon.hash("controldeck-dummy-password")
        self.verify(self._dummy, password)
