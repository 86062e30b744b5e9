"""The plant configuration: one TOML file, validated with pydantic, errors that name file/key/value.

Driver sections (``[[mqtt]]``, ``[[modbus]]``, ``[[opcua]]``) and alarm sections are kept as raw
tables here and validated by their owners (``drivers.*.config``, ``core.alarms.config``), which
raise :class:`ConfigError` too. Relative paths are relative to the config file.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

APP_NAME = "ControlDeck"
RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"
DEMO_CONFIG = RESOURCES_DIR / "plants" / "demo.toml"


class ConfigError(ValueError):
    """A configuration error; its message names the file, the key path and the offending value."""

    def __init__(self, file: str | Path, key_path: str, value: object, message: str) -> None:
        self.file = str(file)
        self.key_path = key_path
        self.value = value
        self.message = message
        shown = repr(value) if len(repr(value)) <= 120 else repr(value)[:117] + "..."
        where = f"{self.file}: {key_path}" if key_path else self.file
        super().__init__(f"{where} = {shown}: {message}" if key_path else f"{where}: {message}")


def key_path(loc: Sequence[str | int], prefix: str = "") -> str:
    """Render a pydantic error location as ``tags[3].unit``."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def lookup(data: object, loc: Sequence[str | int]) -> object:
    """The raw value at a location (or ``<missing>``)."""
    node = data
    for part in loc:
        try:
            node = node[part]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return "<missing>"
    return node


def validation_error(
    exc: ValidationError, data: object, file: str | Path, prefix: str = ""
) -> ConfigError:
    """Turn the first pydantic error into a :class:`ConfigError`."""
    err = exc.errors()[0]
    loc = [p for p in err["loc"] if isinstance(p, str | int)]
    return ConfigError(file, key_path(loc, prefix), lookup(data, loc), err["msg"])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlantSection(_Strict):
    """``[plant]``."""

    name: str = "Plant"
    timezone: str = "UTC"
    auto_tags: bool = True
    """Points discovered at run time become tags; when false they are quarantined."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class RetentionClass(_Strict):
    """How long each resolution is kept, in days (0 = forever)."""

    raw_days: float = Field(default=30, ge=0)
    rollup_1m_days: float = Field(default=365, ge=0)
    rollup_1h_days: float = Field(default=0, ge=0)


class StoreSection(_Strict):
    """``[store]``."""

    url: str = "sqlite:///controldeck.db"
    spool_dir: str = ""
    """Store-and-forward spool; default: ``<database>.spool`` or the user data dir."""
    batch_size: int = Field(default=100_000, ge=1, le=1_000_000)
    flush_interval_s: float = Field(default=0.25, gt=0, le=60)
    spool_max_mb: int = Field(default=2048, ge=1)
    write_timeout_s: float = Field(default=30.0, gt=0)
    """A database write taking longer is aborted and its batch spooled (a hung server)."""
    retry_interval_s: float = Field(default=1.0, gt=0)
    """How often to try the database again while it is away."""
    retention: dict[str, RetentionClass] = Field(
        default_factory=lambda: {"default": RetentionClass()}
    )
    retention_interval_s: float = Field(default=3600, gt=0)


class IngestSection(_Strict):
    """``[ingest]``."""

    queue_batches: int = Field(default=1024, ge=1)
    future_tolerance_s: float = Field(default=300, ge=0)
    status_interval_s: float = Field(default=2.0, gt=0)


class AreaConfig(_Strict):
    """``[[areas]]``: an area (or unit) of a site."""

    name: str
    site: str = ""
    description: str = ""


class DeviceConfig(_Strict):
    """``[[devices]]``: a device, its area, and a description."""

    name: str
    area: str = ""
    description: str = ""


class TagConfig(_Strict):
    """``[[tags]]``: a declared tag."""

    name: str = Field(min_length=1, max_length=255)
    device: str = ""
    unit: str = ""
    description: str = ""
    data_type: Literal["float", "int", "bool"] = "float"
    eng_min: float | None = None
    eng_max: float | None = None
    deadband: float = Field(default=0.0, ge=0)
    retention_class: str = "default"
    writable: bool = False


class PlantConfig(_Strict):
    """The whole plant file. ``source`` and ``base_dir`` are set by :func:`load_config`."""

    plant: PlantSection = PlantSection()
    store: StoreSection = StoreSection()
    ingest: IngestSection = IngestSection()
    sites: list[dict[str, Any]] = Field(default_factory=list)
    areas: list[AreaConfig] = Field(default_factory=list)
    devices: list[DeviceConfig] = Field(default_factory=list)
    tags: list[TagConfig] = Field(default_factory=list)
    mqtt: list[dict[str, Any]] = Field(default_factory=list)
    modbus: list[dict[str, Any]] = Field(default_factory=list)
    opcua: list[dict[str, Any]] = Field(default_factory=list)
    alarms: list[dict[str, Any]] = Field(default_factory=list)
    notifications: list[dict[str, Any]] = Field(default_factory=list)
    maintenance: dict[str, Any] = Field(default_factory=dict)
    emission_factors: list[dict[str, Any]] = Field(default_factory=list)
    simulator: dict[str, Any] = Field(default_factory=dict)
    security: dict[str, Any] = Field(default_factory=dict)
    reports: list[dict[str, Any]] = Field(default_factory=list)
    """``[[reports]]``: schedules, validated by :mod:`core.reports.schedules`."""
    anomaly: list[dict[str, Any]] = Field(default_factory=list)
    """``[[anomaly]]``: validated by :func:`core.analytics.live.parse_anomaly_sections`."""
    energy: dict[str, Any] = Field(default_factory=dict)
    """``[energy]``: validated by :mod:`core.analytics.energy` (gap limits, shifts, meters)."""
    """``[security]``: validated by :mod:`core.security.config`."""
    source: str = ""
    base_dir: Path = Path()

    def device(self, name: str) -> DeviceConfig | None:
        """The ``[[devices]]`` entry of a device: its exact name, else the first glob pattern
        (``gd-*``) that matches, so fleets of discovered devices get their area in one line."""
        exact = next((d for d in self.devices if d.name == name), None)
        if exact is not None:
            return exact
        return next((d for d in self.devices if fnmatch.fnmatchcase(name, d.name)), None)

    def area_of_device(self, name: str) -> str:
        """The area of a device ('' when none is configured)."""
        entry = self.device(name)
        return entry.area if entry is not None else ""


def load_config(path: str | Path) -> PlantConfig:
    """Read and validate a plant file; raises :class:`ConfigError` naming file, key and value."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(path, "", None, "file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "", None, f"cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", None, f"invalid TOML: {exc}") from exc
    for reserved in ("source", "base_dir"):
        if reserved in data:
            raise ConfigError(path, reserved, data[reserved], "reserved key")
    try:
        config = PlantConfig.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, data, path) from exc
    config = config.model_copy(update={"source": str(path), "base_dir": path.resolve().parent})
    _check_references(config)
    return config


def _check_references(config: PlantConfig) -> None:
    """Cross-section rules: unique tag names, known retention classes, sane ranges."""
    seen: set[str] = set()
    for i, tag in enumerate(config.tags):
        if tag.name in seen:
            raise ConfigError(config.source, f"tags[{i}].name", tag.name, "duplicate tag name")
        seen.add(tag.name)
        if tag.retention_class not in config.store.retention:
            known = ", ".join(sorted(config.store.retention))
            raise ConfigError(
                config.source,
                f"tags[{i}].retention_class",
                tag.retention_class,
                f"unknown retention class (known: {known})",
            )
        if tag.eng_min is not None and tag.eng_max is not None and tag.eng_min >= tag.eng_max:
            raise ConfigError(
                config.source, f"tags[{i}].eng_max", tag.eng_max, "must exceed eng_min"
            )


def user_data_dir() -> Path:
    """Per-user data directory (databases, spool, certificates)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_log_dir() -> Path:
    """Per-user log directory."""
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
