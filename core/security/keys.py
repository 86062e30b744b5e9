"""The per-installation key: kept outside the database, never logged, never in the TOML.

Looked up in this order: the environment variable ``CONTROLDECK_AUDIT_KEY`` (64+ hex digits),
then the configured source: the OS keyring, or a key file (hex, mode 0600, in the user data
dir by default). A new key is created only when asked to (an empty audit trail): a lost key
must never be silently replaced, or every existing row would stop verifying.

Purpose keys are derived from it with HMAC-SHA256 so one secret serves the audit chain, the
checkpoint, the signatures and the device pseudonyms without the uses mixing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets as std_secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from core.security.config import KEY_ENV, SecurityConfig
from core.security.secrets import get_secret, register_secret, store_in_keyring

log = logging.getLogger(__name__)

KEY_BYTES = 32


class InstallationKeyError(RuntimeError):
    """The installation key is missing, malformed or unsafely stored (the value is never shown)."""


@dataclass(frozen=True, slots=True, repr=False)
class InstallationKeys:
    """Purpose keys derived from the installation key (``repr`` shows no key material)."""

    audit: bytes
    device: bytes
    signature: bytes

    @classmethod
    def derive(cls, master: bytes) -> InstallationKeys:
        """Split the master key into purpose keys."""

        def sub(label: str) -> bytes:
            return hmac.new(master, f"controldeck/{label}/v1".encode(), hashlib.sha256).digest()

        return cls(audit=sub("audit"), device=sub("device-identity"), signature=sub("signature"))

    def __repr__(self) -> str:
        return "InstallationKeys(<hidden>)"


def _parse_hex(text: str, where: str) -> bytes:
    value = text.strip()
    try:
        key = bytes.fromhex(value)
    except ValueError:
        raise InstallationKeyError(f"{where}: the key is not hexadecimal") from None
    if len(key) < KEY_BYTES:
        raise InstallationKeyError(f"{where}: the key must be at least {KEY_BYTES * 2} hex digits")
    register_secret(value)
    return key


def load_master_key(
    security: SecurityConfig,
    key_file: Path,
    *,
    create: bool,
    environ: Mapping[str, str] | None = None,
) -> bytes:
    """The installation key; created (file or keyring) only when ``create`` and absent."""
    env = os.environ if environ is None else environ
    from_env = get_secret(KEY_ENV, environ=env)
    if from_env is not None:
        return _parse_hex(from_env, f"environment variable {KEY_ENV}")
    if security.key_source == "keyring":
        return _keyring_key(security, create=create)
    return _file_key(key_file, create=create)


def _keyring_key(security: SecurityConfig, *, create: bool) -> bytes:
    where = f"keyring {security.keyring_service}/{security.keyring_user}"
    stored = get_secret(
        keyring_service=security.keyring_service, keyring_user=security.keyring_user
    )
    if stored is not None:
        return _parse_hex(stored, where)
    if not create:
        raise InstallationKeyError(f"{where}: no installation key stored")
    value = std_secrets.token_hex(KEY_BYTES)
    store_in_keyring(security.keyring_service, security.keyring_user, value)
    log.info("new installation key stored in %s", where)
    return bytes.fromhex(value)


def _file_key(path: Path, *, create: bool) -> bytes:
    if path.exists():
        _check_private(path)
        return _parse_hex(path.read_text(encoding="ascii"), f"key file {path}")
    if not create:
        raise InstallationKeyError(
            f"key file {path} not found: restore it from the backup of this installation"
        )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = std_secrets.token_hex(KEY_BYTES)
    register_secret(value)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    log.info("new installation key created in %s (mode 0600); back it up", path)
    return bytes.fromhex(value)


def _check_private(path: Path) -> None:
    if os.name != "posix":
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise InstallationKeyError(
            f"key file {path} is accessible to other users (mode {mode:04o}); chmod 600 it"
        )


def load_keys(
    security: SecurityConfig,
    key_file: Path,
    *,
    create: bool,
    environ: Mapping[str, str] | None = None,
) -> InstallationKeys:
    """The derived purpose keys (see :func:`load_master_key`)."""
    return InstallationKeys.derive(
        load_master_key(security, key_file, create=create, environ=environ)
    )
