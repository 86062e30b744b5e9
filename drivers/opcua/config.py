"""Typed ``[[opcua]]`` configuration: one table per server, with its ``[[opcua.nodes]]``.

Validation errors become :class:`DriverConfigError`, which names the file, the key path
(``opcua[0].nodes[3].node``) and the offending value. Passwords never appear in the TOML:
``password_env`` names an environment variable and ``password_keyring`` a keyring service;
the resolved password is a :class:`pydantic.SecretStr` so it never shows in logs or reprs.
"""

from __future__ import annotations

import enum
import os
import re
from pathlib import Path
from typing import Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from core.config import user_data_dir
from drivers.opcua.config_errors import (
    SECRET_KEY,
    SECRET_SOURCES,
    KeyedError,
    describe_validation_error,
)
from drivers.opcua.nodes import OpcuaNodeConfig, check_node_id, parse_browse_path

__all__ = [
    "DriverConfigError",
    "OpcuaConfig",
    "OpcuaNodeConfig",
    "SecurityMode",
    "SecurityPolicy",
    "check_node_id",
    "parse_browse_path",
    "parse_opcua_sections",
]

DEPRECATED_POLICIES = frozenset({"Basic128Rsa15", "Basic256"})
_NAME = r"^[A-Za-z0-9_.\-]+$"
_VALUE_EXCERPT = 80


class DriverConfigError(ValueError):
    """A configuration value the driver cannot use; names file, key path and value."""

    def __init__(self, file: str | Path, key_path: str, value: object, message: str) -> None:
        self.file = str(file)
        self.key_path = key_path
        self.value = value
        self.message = message
        text = repr(value)
        if len(text) > _VALUE_EXCERPT:
            text = text[:_VALUE_EXCERPT] + "..."
        super().__init__(f"{self.file}: {key_path} = {text}: {message}")


class SecurityMode(enum.StrEnum):
    """OPC-UA MessageSecurityMode as written in the config."""

    NONE = "None"
    SIGN = "Sign"
    SIGN_AND_ENCRYPT = "SignAndEncrypt"


class SecurityPolicy(enum.StrEnum):
    """Supported security policies (the deprecated SHA-1 ones are refused)."""

    NONE = "None"
    BASIC256SHA256 = "Basic256Sha256"
    AES128_SHA256_RSAOAEP = "Aes128_Sha256_RsaOaep"
    AES256_SHA256_RSAPSS = "Aes256_Sha256_RsaPss"


def default_pki_dir() -> Path:
    """``<user data dir>/pki``: where the application certificate and trust list live."""
    return user_data_dir() / "pki"


class OpcuaConfig(BaseModel):
    """One ``[[opcua]]`` table: a server connection and the nodes it feeds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64, pattern=_NAME)
    endpoint: str
    secondary_endpoint: str | None = None
    security_mode: SecurityMode = SecurityMode.NONE
    security_policy: SecurityPolicy = SecurityPolicy.NONE
    anonymous: bool = False
    username: str | None = Field(default=None, min_length=1)
    password_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    password_keyring: str | None = Field(default=None, min_length=1)
    pki_dir: Path = Field(default_factory=default_pki_dir)
    publishing_interval_ms: float = Field(default=250.0, gt=0, le=3_600_000)
    request_timeout_s: float = Field(default=4.0, gt=0, le=300)
    reconnect_max_delay_s: float = Field(default=5.0, ge=0.1, le=300)
    failover_after_s: float = Field(default=30.0, gt=0, le=3600)
    write_timeout_s: float = Field(default=5.0, gt=0, le=300)
    browse_depth: int = Field(default=3, ge=1, le=10)
    nodes: list[OpcuaNodeConfig] = Field(default_factory=list)
    _source_file: str = PrivateAttr(default="")

    @field_validator("endpoint", "secondary_endpoint")
    @classmethod
    def _opc_tcp(cls, value: str | None) -> str | None:
        if value is None:
            return None
        match = re.match(r"^opc\.tcp://([^/:\s]+|\[[0-9A-Fa-f:]+\])(:(\d{1,5}))?(/\S*)?$", value)
        if not match or (match.group(3) and not 0 < int(match.group(3)) < 65536):
            raise ValueError("expected opc.tcp://host[:port][/path]")
        return value

    @field_validator("security_policy", mode="before")
    @classmethod
    def _not_deprecated(cls, value: object) -> object:
        if isinstance(value, str) and value in DEPRECATED_POLICIES:
            raise ValueError(
                f"security policy {value} is deprecated (SHA-1) and refused; use Basic256Sha256, "
                "Aes128_Sha256_RsaOaep or Aes256_Sha256_RsaPss"
            )
        return value

    @field_validator("pki_dir", mode="before")
    @classmethod
    def _relative_to_config(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str | Path) and not Path(value).expanduser().is_absolute():
            base = (info.context or {}).get("base_dir")
            if base is not None:
                return Path(base) / Path(value).expanduser()
        return Path(value).expanduser() if isinstance(value, str | Path) else value

    @field_validator("password_env", "password_keyring")
    @classmethod
    def _needs_username(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not info.data.get("username"):
            raise ValueError("a password source needs 'username'")
        return value

    @field_validator("nodes")
    @classmethod
    def _unique_tags(cls, value: list[OpcuaNodeConfig]) -> list[OpcuaNodeConfig]:
        seen: set[str] = set()
        for index, node in enumerate(value):
            if node.tag in seen:
                raise KeyedError((index, "tag"), f"tag {node.tag!r} is configured twice")
            seen.add(node.tag)
        return value

    @model_validator(mode="after")
    def _policy_matches_mode(self) -> Self:
        mode, policy = self.security_mode, self.security_policy
        if mode is SecurityMode.NONE and policy is not SecurityPolicy.NONE:
            raise KeyedError(
                ("security_mode",), f"security_policy {policy} needs Sign or SignAndEncrypt"
            )
        if mode is not SecurityMode.NONE and policy is SecurityPolicy.NONE:
            raise KeyedError(("security_policy",), f"security_mode {mode} needs a security policy")
        return self

    @model_validator(mode="after")
    def _identity(self) -> Self:
        if self.username and self.anonymous:
            raise KeyedError(("anonymous",), "'anonymous = true' and 'username' exclude each other")
        if self.username and not (self.password_env or self.password_keyring):
            raise KeyedError(("username",), "'username' needs 'password_env' or 'password_keyring'")
        if self.password_env and self.password_keyring:
            raise KeyedError(
                ("password_keyring",), "give one of 'password_env' or 'password_keyring', not both"
            )
        if self.username and self.security_mode is SecurityMode.NONE:
            raise KeyedError(
                ("security_mode",),
                "a password over security_mode None travels in clear text; use Sign or SignAndEncrypt",
            )
        return self

    @property
    def source_file(self) -> str:
        """The file this table was read from ('' when built in code)."""
        return self._source_file

    @property
    def secure(self) -> bool:
        """True when the connection signs (and maybe encrypts) its messages."""
        return self.security_mode is not SecurityMode.NONE

    @property
    def endpoints(self) -> tuple[str, ...]:
        """The primary endpoint, then the secondary one if configured."""
        return (
            (self.endpoint,)
            if not self.secondary_endpoint
            else (self.endpoint, self.secondary_endpoint)
        )

    def resolve_password(self) -> SecretStr | None:
        """The password from the environment or the OS keyring (None for anonymous sessions)."""
        if not self.username:
            return None
        if self.password_env:
            value = os.environ.get(self.password_env)
            if value is None:
                raise DriverConfigError(
                    self.source_file,
                    f"opcua[{self.name}].password_env",
                    self.password_env,
                    "environment variable is not set",
                )
            return SecretStr(value)
        import keyring

        stored = keyring.get_password(str(self.password_keyring), self.username)
        if stored is None:
            raise DriverConfigError(
                self.source_file,
                f"opcua[{self.name}].password_keyring",
                self.password_keyring,
                f"no password stored in the keyring for user {self.username!r}",
            )
        return SecretStr(stored)


def parse_opcua_sections(
    raw: list[dict[str, Any]], base_dir: Path, source_file: str | Path
) -> list[OpcuaConfig]:
    """Validate every ``[[opcua]]`` table; the first problem raises :class:`DriverConfigError`."""
    if not isinstance(raw, list):
        raise DriverConfigError(
            source_file, "opcua", raw, "expected an array of tables ([[opcua]])"
        )
    configs: list[OpcuaConfig] = []
    for index, table in enumerate(raw):
        if not isinstance(table, dict):
            raise DriverConfigError(source_file, f"opcua[{index}]", table, "expected a table")
        _refuse_clear_secrets(table, index, source_file)
        try:
            config = OpcuaConfig.model_validate(table, context={"base_dir": base_dir})
        except ValidationError as exc:
            key_path, value, message = describe_validation_error(exc, index, table)
            raise DriverConfigError(source_file, key_path, value, message) from None
        config._source_file = str(source_file)
        configs.append(config)
    _check_unique_names(configs, source_file)
    return configs


def _refuse_clear_secrets(table: dict[str, Any], index: int, source_file: str | Path) -> None:
    for key in table:
        if SECRET_KEY.search(key) and key not in SECRET_SOURCES:
            raise DriverConfigError(
                source_file,
                f"opcua[{index}].{key}",
                "***",
                "secrets are never stored in the config file; use password_env or password_keyring",
            )


def _check_unique_names(configs: list[OpcuaConfig], source_file: str | Path) -> None:
    seen: set[str] = set()
    for index, config in enumerate(configs):
        if config.name in seen:
            raise DriverConfigError(
                source_file, f"opcua[{index}].name", config.name, "name is used twice"
            )
        seen.add(config.name)
