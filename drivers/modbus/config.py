"""The ``[[modbus]]`` tables of a plant file: one table per device (unit).

```toml
[[modbus]]
name = "meter1"                  # tag prefix: meter1/<point>
host = "10.0.0.5"                # Modbus TCP (or a TCP gateway) ...
port = 502
# serial = "/dev/ttyUSB0"        # ... or Modbus RTU: baudrate, parity, stopbits, bytesize
unit = 1                         # device id on the bus / behind the gateway
profile = "sdm630"               # resources/profiles/sdm630.toml, or a path relative to this file
# [[modbus.points]]              # ... or inline points (same keys as profile points)
word_order = "little"            # optional override for every multi-register point
poll_interval = 1.0              # seconds
timeout = 1.0                    # per request, seconds
retries = 1                      # extra tries for reads; writes are never retried
secondary_host = "10.0.0.6"      # optional failover endpoint (TCP)
```

Devices on the same serial port, or behind the same TCP host:port, share one connection; their
line settings must therefore agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from drivers.modbus.planner import DEFAULT_MAX_GAP, PROTOCOL_MAX_REGISTERS
from drivers.modbus.profile import Profile, ProfileError, load_profile, parse_points

_INLINE_DEFAULTS = {"register_type": "holding", "dtype": "uint16"}
_SHARED_TCP_KEYS = ("framer", "secondary_host", "secondary_port")
_SHARED_SERIAL_KEYS = ("baudrate", "parity", "stopbits", "bytesize", "framer")
_VALUE_EXCERPT = 200


class DriverConfigError(ValueError):
    """An invalid driver section: the file, the key path (``modbus[1].profile``), the value, why."""

    def __init__(self, file: str | Path, key_path: str, value: object, message: str) -> None:
        shown = repr(value)
        if len(shown) > _VALUE_EXCERPT:
            shown = shown[:_VALUE_EXCERPT] + "..."
        super().__init__(f"{file}: {key_path} = {shown}: {message}")
        self.file = str(file)
        self.key_path = key_path
        self.value = value
        self.message = message


class ModbusDeviceConfig(BaseModel):
    """One ``[[modbus]]`` table, validated; :attr:`device_profile` holds its resolved points."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
    host: str | None = Field(default=None, min_length=1)
    port: int = Field(default=502, ge=1, le=65535)
    serial: str | None = Field(default=None, min_length=1)
    baudrate: int = Field(default=9600, gt=0)
    parity: Literal["N", "E", "O"] = "N"
    stopbits: Literal[1, 2] = 1
    bytesize: Literal[7, 8] = 8
    framer: Literal["socket", "rtu"] | None = None
    unit: int = Field(default=1, ge=0, le=247)
    profile: str | None = Field(default=None, min_length=1)
    points: list[dict[str, Any]] | None = None
    word_order: Literal["big", "little"] | None = None
    poll_interval: float = Field(default=1.0, gt=0, le=86400)
    timeout: float = Field(default=1.0, gt=0, le=60)
    retries: int = Field(default=1, ge=0, le=10)
    secondary_host: str | None = Field(default=None, min_length=1)
    secondary_port: int | None = Field(default=None, ge=1, le=65535)
    max_gap: int = Field(default=DEFAULT_MAX_GAP, ge=0, le=PROTOCOL_MAX_REGISTERS)
    max_read_registers: int | None = Field(default=None, ge=1, le=PROTOCOL_MAX_REGISTERS)
    reconnect_delay: float = Field(default=0.5, gt=0, le=300)
    reconnect_delay_max: float = Field(default=10.0, gt=0, le=3600)

    _device_profile: Profile | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check_combinations(self) -> ModbusDeviceConfig:
        if (self.host is None) == (self.serial is None):
            raise ValueError("give exactly one of 'host' (Modbus TCP) or 'serial' (Modbus RTU)")
        if (self.profile is None) == (self.points is None):
            raise ValueError("give exactly one of 'profile' or inline [[modbus.points]]")
        if self.serial is not None and (self.secondary_host or self.framer == "socket"):
            raise ValueError("a serial device takes no secondary_host and no 'socket' framer")
        if self.secondary_port is not None and self.secondary_host is None:
            raise ValueError("secondary_port needs secondary_host")
        if self.reconnect_delay > self.reconnect_delay_max:
            raise ValueError("reconnect_delay must not exceed reconnect_delay_max")
        return self

    @property
    def device_profile(self) -> Profile:
        """The device's register map (profile file or inline points, word order applied)."""
        if self._device_profile is None:
            raise RuntimeError(f"modbus device {self.name}: profile not resolved")
        return self._device_profile

    @property
    def is_serial(self) -> bool:
        """True for Modbus RTU on a serial port."""
        return self.serial is not None

    @property
    def link_key(self) -> str:
        """Identity of the shared connection: ``tcp://host:port`` or ``serial:///dev/...``."""
        return f"serial://{self.serial}" if self.serial else f"tcp://{self.host}:{self.port}"

    @property
    def effective_framer(self) -> str:
        """``rtu`` or ``socket``: the framer after defaults."""
        return self.framer or ("rtu" if self.is_serial else "socket")

    @property
    def read_limit(self) -> int:
        """Registers per read request: the config override, else the profile's limit."""
        return self.max_read_registers or self.device_profile.max_read_registers

    def with_profile(self, profile: Profile) -> ModbusDeviceConfig:
        """A copy bound to ``profile`` (the config's ``word_order`` override is applied)."""
        bound = self.model_copy()
        bound._device_profile = (
            profile.with_word_order(self.word_order) if self.word_order else profile
        )
        return bound


def parse_modbus_sections(
    raw: Sequence[Any], base_dir: str | Path, source_file: str | Path
) -> list[ModbusDeviceConfig]:
    """Validate every ``[[modbus]]`` table and resolve its profile; raises :class:`DriverConfigError`."""
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise DriverConfigError(source_file, "modbus", raw, "expected [[modbus]] tables")
    configs: list[ModbusDeviceConfig] = []
    for index, entry in enumerate(raw):
        config = _validate(index, entry, source_file)
        profile = _resolve_profile(index, config, Path(base_dir), source_file)
        configs.append(config.with_profile(profile))
    _check_unique_names(configs, source_file)
    _check_shared_links(configs, source_file)
    return configs


def _validate(index: int, entry: Any, source_file: str | Path) -> ModbusDeviceConfig:
    if not isinstance(entry, Mapping):
        raise DriverConfigError(source_file, f"modbus[{index}]", entry, "must be a table")
    try:
        return ModbusDeviceConfig.model_validate(dict(entry))
    except ValidationError as exc:
        error = exc.errors()[0]
        location = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]
        )
        value = error.get("input") if error["loc"] else None
        message = error["msg"].removeprefix("Value error, ")
        raise DriverConfigError(source_file, f"modbus[{index}]{location}", value, message) from exc


def _resolve_profile(
    index: int, config: ModbusDeviceConfig, base_dir: Path, source_file: str | Path
) -> Profile:
    if config.points is not None:
        try:
            points = parse_points(config.points, _INLINE_DEFAULTS, source_file)
        except ProfileError as exc:
            key = f"modbus[{index}].{exc.key}"
            raise DriverConfigError(source_file, key, exc.value, exc.message) from exc
        if not points:
            raise DriverConfigError(source_file, f"modbus[{index}].points", [], "no points")
        return Profile(name=f"{config.name}-inline", points=points)
    assert config.profile is not None
    target: str | Path = config.profile
    if config.profile.endswith(".toml") or "/" in config.profile:
        target = base_dir / config.profile
    try:
        return load_profile(target)
    except ProfileError as exc:
        raise DriverConfigError(
            source_file, f"modbus[{index}].profile", config.profile, str(exc)
        ) from exc


def _check_unique_names(configs: list[ModbusDeviceConfig], source_file: str | Path) -> None:
    seen: set[str] = set()
    for index, config in enumerate(configs):
        if config.name in seen:
            raise DriverConfigError(
                source_file, f"modbus[{index}].name", config.name, "duplicate name"
            )
        seen.add(config.name)


def _check_shared_links(configs: list[ModbusDeviceConfig], source_file: str | Path) -> None:
    first_on_link: dict[str, ModbusDeviceConfig] = {}
    for index, config in enumerate(configs):
        first = first_on_link.setdefault(config.link_key, config)
        keys = _SHARED_SERIAL_KEYS if config.is_serial else _SHARED_TCP_KEYS
        for key in keys:
            mine, theirs = getattr(config, key), getattr(first, key)
            if mine != theirs:
                raise DriverConfigError(
                    source_file,
                    f"modbus[{index}].{key}",
                    mine,
                    f"{config.link_key} is shared with '{first.name}', which has {key} = {theirs!r}",
                )
