"""Device profiles: a register map in TOML (``resources/profiles/<name>.toml``) as a :class:`Profile`.

File layout::

    [profile]                     # all keys optional except name
    name = "sdm630"
    manufacturer = "Eastron"
    model = "SDM630-Modbus V2"
    source = "document the map was taken from"
    max_read_registers = 80       # device limit per read request (protocol limit 125)
    max_read_bits = 2000

    [defaults]                    # merged under every point
    register_type = "input"
    dtype = "float32"

    [[points]]
    name = "voltage_l1"           # tag suffix: <device>/voltage_l1
    address = 0x0000              # 0-based protocol address (30001 in the manual)
    unit = "V"

See :mod:`drivers.modbus.points` for every point key.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from drivers.modbus.points import Point, PointError, parse_point

log = logging.getLogger(__name__)

DEFAULT_PROFILES_DIR = Path(__file__).resolve().parents[2] / "resources" / "profiles"
MAX_READ_REGISTERS = 125
MAX_READ_BITS = 2000
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")
_HEADER_KEYS = frozenset(
    {
        "name",
        "manufacturer",
        "model",
        "description",
        "source",
        "max_read_registers",
        "max_read_bits",
    }
)
_TOP_KEYS = frozenset({"profile", "defaults", "points"})


class ProfileError(ValueError):
    """A profile that cannot be used: names the file, the key (``points[3].dtype``) and the value."""

    def __init__(self, file: str | Path, key: str, value: object, message: str) -> None:
        where = f"{file}: {key} = {value!r}" if key else f"{file}"
        super().__init__(f"{where}: {message}")
        self.file = str(file)
        self.key = key
        self.value = value
        self.message = message


@dataclass(frozen=True, slots=True)
class Profile:
    """A device's register map: its points and the device's request limits."""

    name: str
    points: list[Point]
    manufacturer: str = ""
    model: str = ""
    description: str = ""
    source: str = ""
    max_read_registers: int = MAX_READ_REGISTERS
    max_read_bits: int = MAX_READ_BITS
    path: Path | None = None
    _by_name: dict[str, Point] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_name.update({p.name: p for p in self.points})

    def point(self, name: str) -> Point:
        """The point called ``name`` (KeyError if there is none)."""
        return self._by_name[name]

    def find(self, name: str) -> Point | None:
        """The point called ``name``, or None."""
        return self._by_name.get(name)

    def with_word_order(self, word_order: str) -> Profile:
        """A copy whose multi-register points use ``word_order`` (``big``/``little``)."""
        points = [p.with_word_order(word_order) for p in self.points]
        return replace(self, points=points, _by_name={})


def load_profile(name_or_path: str | Path, profiles_dir: str | Path | None = None) -> Profile:
    """Load a profile by name (``sdm630`` -> ``<profiles_dir>/sdm630.toml``) or by file path.

    ``profiles_dir`` defaults to the shipped ``resources/profiles``. Raises :class:`ProfileError`.
    """
    path = _resolve(name_or_path, Path(profiles_dir) if profiles_dir else DEFAULT_PROFILES_DIR)
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except OSError as exc:
        raise ProfileError(path, "", None, f"cannot read: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(path, "", None, f"invalid TOML: {exc}") from exc
    profile = profile_from_document(document, path)
    log.debug("loaded profile %s (%d points) from %s", profile.name, len(profile.points), path)
    return profile


def available_profiles(profiles_dir: str | Path | None = None) -> list[str]:
    """Names of the profiles in ``profiles_dir`` (default: the shipped ones)."""
    directory = Path(profiles_dir) if profiles_dir else DEFAULT_PROFILES_DIR
    return sorted(p.stem for p in directory.glob("*.toml"))


def _resolve(name_or_path: str | Path, profiles_dir: Path) -> Path:
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith(".toml") or "/" in text or "\\" in text:
        return Path(name_or_path)
    if not _PROFILE_NAME.match(text):
        raise ProfileError(profiles_dir, "profile", text, "not a profile name nor a .toml path")
    path = profiles_dir / f"{text}.toml"
    if not path.is_file():
        known = ", ".join(available_profiles(profiles_dir)) or "none"
        raise ProfileError(path, "profile", text, f"no such profile (available: {known})")
    return path


def profile_from_document(document: Mapping[str, Any], path: str | Path) -> Profile:
    """Build a profile from a parsed TOML document; ``path`` is used in error messages."""
    unknown = sorted(set(document) - _TOP_KEYS)
    if unknown:
        raise ProfileError(path, unknown[0], document[unknown[0]], "unknown table or key")
    header = _table(document, "profile", path)
    defaults = _table(document, "defaults", path)
    _reject_unknown(header, _HEADER_KEYS, "profile", path)
    name = header.get("name", Path(path).stem)
    if not isinstance(name, str) or not name:
        raise ProfileError(path, "profile.name", name, "must be a non-empty string")
    raw_points = document.get("points", [])
    if not isinstance(raw_points, list) or not raw_points:
        raise ProfileError(path, "points", raw_points, "need at least one [[points]] table")
    return Profile(
        name=name,
        points=parse_points(raw_points, defaults, path),
        manufacturer=_header_text(header, "manufacturer", path),
        model=_header_text(header, "model", path),
        description=_header_text(header, "description", path),
        source=_header_text(header, "source", path),
        max_read_registers=_limit(header, "max_read_registers", MAX_READ_REGISTERS, path),
        max_read_bits=_limit(header, "max_read_bits", MAX_READ_BITS, path),
        path=Path(path),
    )


def parse_points(
    raw_points: Sequence[Any], defaults: Mapping[str, Any], path: str | Path
) -> list[Point]:
    """Validate a list of point tables; errors name ``points[i].key``. Names must be unique."""
    points: list[Point] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_points):
        if not isinstance(raw, Mapping):
            raise ProfileError(path, f"points[{index}]", raw, "must be a table")
        try:
            point = parse_point(raw, defaults)
        except PointError as exc:
            raise ProfileError(path, f"points[{index}].{exc.key}", exc.value, exc.message) from exc
        if point.name in seen:
            raise ProfileError(path, f"points[{index}].name", point.name, "duplicate point name")
        seen.add(point.name)
        points.append(point)
    return points


def _table(document: Mapping[str, Any], key: str, path: str | Path) -> Mapping[str, Any]:
    value = document.get(key, {})
    if not isinstance(value, Mapping):
        raise ProfileError(path, key, value, "must be a table")
    return value


def _reject_unknown(
    table: Mapping[str, Any], allowed: frozenset[str], prefix: str, path: str | Path
) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        key = unknown[0]
        raise ProfileError(path, f"{prefix}.{key}", table[key], f"unknown key ({sorted(allowed)})")


def _header_text(header: Mapping[str, Any], key: str, path: str | Path) -> str:
    value = header.get(key, "")
    if not isinstance(value, str):
        raise ProfileError(path, f"profile.{key}", value, "must be text")
    return value


def _limit(header: Mapping[str, Any], key: str, ceiling: int, path: str | Path) -> int:
    value = header.get(key, ceiling)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= ceiling:
        raise ProfileError(path, f"profile.{key}", value, f"must be an integer in 1..{ceiling}")
    return value
