"""``[security]`` of the plant file: password hashing, lockout, idle logout, key and checkpoint.

Argon2id default (``[security.hashing]``): **m = 47,104 KiB (46 MiB), t = 2, p = 1**. That is
above both OWASP minimum points (19 MiB/t=2 and 46 MiB/t=1) at once; one lane (p = 1) keeps a
login on one core of the 2-core station, leaving the other to ingest and the UI; a verify
measured about 100 ms idle and under 300 ms with both cores busy, inside the 20-300 ms band of
RELIABILITY.md S3. Values below the OWASP floor (m < 19,456 KiB or t < 2) are refused.

No secret lives here: the installation key comes from ``CONTROLDECK_AUDIT_KEY``, the OS keyring
or a 0600 key file, never from the TOML.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.config import ConfigError, PlantConfig, user_data_dir, validation_error

OWASP_MIN_MEMORY_KIB = 19_456
OWASP_MIN_TIME_COST = 2
KEY_ENV = "CONTROLDECK_AUDIT_KEY"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HashingConfig(_Strict):
    """Argon2id parameters; stored hashes with other parameters are rehashed at the next login."""

    memory_kib: int = Field(default=47_104, ge=OWASP_MIN_MEMORY_KIB, le=4_194_304)
    time_cost: int = Field(default=2, ge=OWASP_MIN_TIME_COST, le=64)
    parallelism: int = Field(default=1, ge=1, le=16)


class SecurityConfig(_Strict):
    """``[security]``. Paths are relative to the plant file; empty means the user data dir."""

    hashing: HashingConfig = HashingConfig()
    min_password_length: int = Field(default=12, ge=12, le=256)
    lockout_failures: int = Field(default=5, ge=1, le=100)
    lockout_minutes: float = Field(default=15.0, gt=0, le=24 * 60)
    idle_logout_minutes: float = Field(default=15.0, gt=0, le=24 * 60)
    session_cache_s: float = Field(default=5.0, ge=0, le=3600)
    """How long a permission check may reuse a user's roles before reading them again."""
    key_source: Literal["file", "keyring"] = "file"
    """Where the installation key lives; ``CONTROLDECK_AUDIT_KEY`` overrides both when set."""
    key_file: str = ""
    keyring_service: str = "ControlDeck"
    keyring_user: str = "installation-key"
    checkpoint_file: str = ""
    """The signed audit chain head, kept outside the database."""
    station: str = ""
    """This workstation's name in sessions and audit rows (default: the host name)."""


def parse_security_section(raw: dict[str, Any], source_file: str | Path) -> SecurityConfig:
    """Validate ``[security]``; raises :class:`ConfigError` naming file, key path and value."""
    if not isinstance(raw, dict):
        raise ConfigError(source_file, "security", raw, "must be a table")
    try:
        return SecurityConfig.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(exc, raw, source_file, prefix="security") from exc


def security_config_for(config: PlantConfig) -> SecurityConfig:
    """The ``[security]`` section of a loaded plant file (defaults when absent)."""
    raw = getattr(config, "security", None) or {}
    return parse_security_section(dict(raw), config.source or "<plant>")


def _store_digest(config: PlantConfig) -> str:
    from core.store.database import describe, resolve_url

    url = describe(resolve_url(config.store.url, config.base_dir))
    return hashlib.sha256(url.encode()).hexdigest()[:12]


def key_file_path(config: PlantConfig, security: SecurityConfig) -> Path:
    """Where the installation key file is (or will be created)."""
    if security.key_file:
        return (config.base_dir / security.key_file).resolve()
    return user_data_dir() / "keys" / "installation.key"


def checkpoint_path(config: PlantConfig, security: SecurityConfig) -> Path:
    """Where the signed audit checkpoint of this plant's store is kept."""
    if security.checkpoint_file:
        return (config.base_dir / security.checkpoint_file).resolve()
    return user_data_dir() / "audit" / f"{_store_digest(config)}.checkpoint.json"
