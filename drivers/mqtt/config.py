"""The ``[[mqtt]]`` configuration: one table per broker connection, validated with pydantic.

Paths (TLS files) are relative to the directory of the config file. Passwords are never written
in the config: ``password_env`` names an environment variable and ``password_keyring`` a keyring
service; the resolved secret is held as a :class:`pydantic.SecretStr` and never logged.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from drivers.mqtt.formats.base import MAX_PAYLOAD_BYTES, PayloadFormat, Subscription
from drivers.mqtt.routing import check_topic_filter

FormatLookup = Callable[[str], PayloadFormat]
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_SECRET_KEYS = ("password",)
MAX_CLIENT_ID = 23


class DriverConfigError(ValueError):
    """A configuration value that cannot be used; names the file, the key path and the value."""

    def __init__(self, file: str, key_path: str, value: object, message: str) -> None:
        self.file = file
        self.key_path = key_path
        self.value = "***" if _is_secret_key(key_path) else _masked(value)
        self.message = message
        super().__init__(f"{file}: {key_path} = {self.value!r}: {message}")


def _is_secret_key(key_path: str) -> bool:
    last = key_path.rsplit(".", 1)[-1]
    return any(word in last for word in _SECRET_KEYS) and not last.endswith(("_env", "_keyring"))


def _masked(value: object) -> object:
    if isinstance(value, Mapping):
        return {k: "***" if _is_secret_key(str(k)) else _masked(v) for k, v in value.items()}
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TlsConfig(_Strict):
    """``[mqtt.tls]``: CA to verify the broker, optional client certificate."""

    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    verify: bool = True

    @field_validator("ca_file", "cert_file", "key_file")
    @classmethod
    def _resolve(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None:
            return None
        base = Path((info.context or {}).get("base_dir", "."))
        path = value if value.is_absolute() else base / value
        if not path.is_file():
            raise ValueError(f"file not found: {path}")
        return path

    @model_validator(mode="after")
    def _pair(self) -> TlsConfig:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file go together")
        return self


class SubscribeConfig(BaseModel):
    """``[[mqtt.subscribe]]``: a topic filter and its payload format; other keys are options."""

    model_config = ConfigDict(extra="allow", frozen=True)

    topic: str
    format: str

    @field_validator("topic")
    @classmethod
    def _topic(cls, value: str) -> str:
        return check_topic_filter(value, allow_wildcards=True)

    @field_validator("format")
    @classmethod
    def _format(cls, value: str, info: ValidationInfo) -> str:
        lookup: FormatLookup | None = (info.context or {}).get("format_lookup")
        if lookup is not None:
            try:
                lookup(value)
            except (LookupError, ValueError) as exc:
                raise ValueError(f"unknown payload format ({exc})") from None
        return value

    def subscription(self) -> Subscription:
        """The format-facing view: topic, format name and the extra keys as options."""
        return Subscription(self.topic, self.format, dict(self.model_extra or {}))


class CommandConfig(_Strict):
    """``[[mqtt.commands]]``: how a write to ``tag`` is published.

    ``payload`` is a template where ``{value}`` is replaced by the value's text, after mapping
    through ``value_map`` (keys are the canonical value text: ``"1"``, ``"0"``, ``"21.5"``).
    """

    tag: str = Field(min_length=1)
    topic: str
    payload: str = "{value}"
    value_map: dict[str, str] = Field(default_factory=dict)
    confirm_tag: str | None = None
    timeout_s: float = Field(default=5.0, gt=0, le=60)
    retain: bool = False

    @field_validator("topic")
    @classmethod
    def _topic(cls, value: str) -> str:
        return check_topic_filter(value, allow_wildcards=False)


class MqttConfig(_Strict):
    """One ``[[mqtt]]`` table: one broker connection."""

    name: str
    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)
    client_id: str = Field(min_length=1, max_length=256)
    username: str | None = None
    password_env: str | None = None
    password_keyring: str | None = None
    tls: TlsConfig | None = None
    keepalive: int = Field(default=30, ge=5, le=65535)
    qos: Literal[0, 1] = 1
    clean_start: bool = False
    protocol: Literal["3.1.1", "5"] = "5"
    session_expiry_s: int = Field(default=7 * 24 * 3600, ge=0, le=0xFFFFFFFF)
    secondary_host: str | None = None
    secondary_port: int | None = Field(default=None, ge=1, le=65535)
    max_payload_bytes: int = Field(default=MAX_PAYLOAD_BYTES, ge=1, le=256 * 1024 * 1024)
    reconnect_min_s: int = Field(default=1, ge=1, le=60)
    reconnect_max_s: int = Field(default=30, ge=1, le=3600)
    flush_interval_s: float = Field(default=0.05, gt=0, le=5)
    max_batch: int = Field(default=20_000, ge=1, le=100_000)
    inbox_limit: int = Field(default=20_000, ge=10, le=1_000_000)
    subscribe: tuple[SubscribeConfig, ...] = ()
    commands: tuple[CommandConfig, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        filled = dict(data)
        if "port" not in filled:
            filled["port"] = 8883 if filled.get("tls") is not None else 1883
        if not filled.get("client_id") and isinstance(filled.get("name"), str):
            filled["client_id"] = default_client_id(filled["name"])
        return filled

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME_RE.match(value):
            raise ValueError("name must be 1-64 characters of letters, digits, '_', '.', '-'")
        return value

    @model_validator(mode="after")
    def _check(self) -> MqttConfig:
        if self.password_env and self.password_keyring:
            raise ValueError("set password_env or password_keyring, not both")
        if (self.password_env or self.password_keyring) and not self.username:
            raise ValueError("a password needs a username")
        if self.secondary_port is not None and self.secondary_host is None:
            raise ValueError("secondary_port needs secondary_host")
        if self.reconnect_max_s < self.reconnect_min_s:
            raise ValueError("reconnect_max_s must be >= reconnect_min_s")
        tags = [c.tag for c in self.commands]
        if len(tags) != len(set(tags)):
            raise ValueError("each command tag may appear once")
        return self

    @property
    def endpoints(self) -> list[tuple[str, int]]:
        """Primary endpoint first, then the secondary one when configured."""
        found = [(self.host, self.port)]
        if self.secondary_host:
            found.append((self.secondary_host, self.secondary_port or self.port))
        return found

    def command_for(self, tag: str) -> CommandConfig | None:
        """The command entry of a writable tag, or None."""
        return next((c for c in self.commands if c.tag == tag), None)

    def resolve_password(self) -> SecretStr | None:
        """The broker password from the environment or the keyring (None when not set).

        Raises :class:`DriverConfigError` (without the secret) when the source is empty.
        """
        source = f"mqtt {self.name}"
        if self.password_env:
            value = os.environ.get(self.password_env)
            if not value:
                raise DriverConfigError(
                    source, "password_env", self.password_env, "environment variable is not set"
                )
            return SecretStr(value)
        if self.password_keyring:
            import keyring

            secret = keyring.get_password(self.password_keyring, self.username or "")
            if not secret:
                raise DriverConfigError(
                    source, "password_keyring", self.password_keyring, "no password in keyring"
                )
            return SecretStr(secret)
        return None


def default_client_id(name: str) -> str:
    """A client id that is the same on every start on this host (persistent sessions need it)."""
    host = re.sub(r"[^A-Za-z0-9_-]", "", socket.gethostname()) or "host"
    plain = f"cd-{host}-{name}"
    if len(plain) <= MAX_CLIENT_ID and re.fullmatch(r"[A-Za-z0-9_.-]+", plain):
        return plain
    digest = hashlib.sha256(f"{host}/{name}".encode()).hexdigest()[:10]
    short = re.sub(r"[^A-Za-z0-9]", "", name)[:9] or "mqtt"
    return f"cd-{short}-{digest}"


def _key_path(prefix: str, loc: tuple[int | str, ...]) -> str:
    path = prefix
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def parse_mqtt_sections(
    raw: list[dict[str, Any]],
    base_dir: Path,
    source_file: str,
    *,
    format_lookup: FormatLookup | None = None,
) -> list[MqttConfig]:
    """Validate every ``[[mqtt]]`` table; raise :class:`DriverConfigError` on the first problem.

    ``format_lookup`` checks format names (default: :func:`drivers.mqtt.formats.get_format`).
    """
    if format_lookup is None:
        from drivers.mqtt.formats import get_format

        format_lookup = get_format
    context = {"base_dir": base_dir, "format_lookup": format_lookup}
    configs: list[MqttConfig] = []
    for index, section in enumerate(raw):
        prefix = f"mqtt[{index}]"
        if not isinstance(section, Mapping):
            raise DriverConfigError(source_file, prefix, section, "must be a table")
        try:
            config = MqttConfig.model_validate(section, context=context)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = _key_path(prefix, tuple(first["loc"]))
            message = str(first["msg"]).removeprefix("Value error, ")
            raise DriverConfigError(source_file, where, first.get("input"), message) from None
        _check_unique(configs, config, source_file, prefix)
        configs.append(config)
    return configs


def _check_unique(seen: list[MqttConfig], new: MqttConfig, source: str, prefix: str) -> None:
    for other in seen:
        if other.name == new.name:
            raise DriverConfigError(source, f"{prefix}.name", new.name, "duplicate mqtt name")
        if other.client_id == new.client_id:
            raise DriverConfigError(
                source, f"{prefix}.client_id", new.client_id, "duplicate client id"
            )
