"""The plant model at run time: tags with their metadata, keyed by name and by numeric id.

The registry is the one place that turns a tag name into the id samples are stored under.
Declared tags come from the plant file; discovered tags (first seen at run time) are added
when ``auto_tags`` is on. Ids are assigned here (``max + 1``) and the rows are written through a
:class:`TagStore` (the historian); while the database is away new tags wait in
:meth:`TagRegistry.pending` and are written before any sample that uses them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Protocol

from core.config import PlantConfig, TagConfig
from core.model import now_ns

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TagInfo:
    """Everything ControlDeck knows about one tag."""

    id: int
    name: str
    device: str = ""
    unit: str = ""
    description: str = ""
    data_type: str = "float"
    deadband: float = 0.0
    eng_min: float | None = None
    eng_max: float | None = None
    retention_class: str = "default"
    origin: str = "config"
    device_class: str = ""
    writable: bool = False
    created_ns: int = 0

    @property
    def area(self) -> str:
        """Not stored per tag; resolved through the device (see :meth:`TagRegistry.area_of`)."""
        return ""


def device_of(name: str) -> str:
    """The device part of a ``<device>/<field.path>`` tag name."""
    return name.split("/", 1)[0] if "/" in name else ""


class TagStore(Protocol):
    """Persistence of tag rows (implemented by the historian)."""

    def load_tags(self) -> list[TagInfo]:
        """Every stored tag."""

    def save_tags(self, tags: list[TagInfo]) -> None:
        """Insert or update tag rows (by id)."""


class TagRegistry:
    """Thread-safe name <-> id map with metadata. Reads are lock-free dict lookups."""

    def __init__(self, auto_tags: bool = True) -> None:
        self.auto_tags = auto_tags
        self._by_name: dict[str, TagInfo] = {}
        self._by_id: dict[int, TagInfo] = {}
        self._config: PlantConfig | None = None
        self._pending: dict[int, TagInfo] = {}
        self._lock = threading.Lock()
        self._next_id = 1
        self._version = 0
        self._deadbands: tuple[int, dict[int, float]] = (-1, {})

    # -- building -------------------------------------------------------------------------------
    def load(self, tags: Iterable[TagInfo]) -> None:
        """Add rows read from the store (no write-back)."""
        with self._lock:
            for tag in tags:
                self._put(tag)

    def apply_config(self, config: PlantConfig) -> None:
        """Declare the configured tags, updating metadata of stored ones."""
        self._config = config
        for tag in config.tags:
            self.declare(_info_from_config(tag), origin="config")

    def declare(self, info: TagInfo, origin: str = "driver") -> TagInfo:
        """Add a tag or update the metadata of a known one; returns the stored info."""
        with self._lock:
            known = self._by_name.get(info.name)
            if known is None:
                tag = replace(info, id=self._next_id, origin=origin, created_ns=now_ns())
                tag = replace(tag, device=tag.device or device_of(tag.name))
            elif known.origin == "config" and origin != "config":
                tag = _merge(info, known, keep=known)  # the plant file wins over drivers
            else:
                tag = _merge(known, info)
            if known is not None and tag == known:
                return known
            self._put(tag)
            self._pending[tag.id] = tag
            return tag

    def _put(self, tag: TagInfo) -> None:
        self._version += 1
        self._by_name[tag.name] = tag
        self._by_id[tag.id] = tag
        self._next_id = max(self._next_id, tag.id + 1)

    # -- lookups --------------------------------------------------------------------------------
    def resolve(self, name: str) -> int | None:
        """Id of a tag name, None if unknown."""
        tag = self._by_name.get(name)
        return tag.id if tag is not None else None

    def resolve_or_discover(self, name: str) -> int | None:
        """Id of a tag name, adding it as a discovered tag when ``auto_tags`` allows."""
        tag = self._by_name.get(name)
        if tag is not None:
            return tag.id
        if not self.auto_tags:
            return None
        log.info("new tag discovered: %s", name)
        return self.declare(TagInfo(id=0, name=name), origin="discovered").id

    def get(self, key: int | str) -> TagInfo | None:
        """Tag by id or by name."""
        return self._by_id.get(key) if isinstance(key, int) else self._by_name.get(key)

    def deadbands(self) -> dict[int, float]:
        """Deadband by id of every tag that has one (> 0); rebuilt only after a tag changed."""
        version, table = self._deadbands
        if version != self._version:
            version = self._version
            table = {t.id: t.deadband for t in list(self._by_id.values()) if t.deadband > 0}
            self._deadbands = (version, table)
        return table

    def name_of(self, tag_id: int) -> str:
        """Name of a tag id (``#<id>`` when unknown)."""
        tag = self._by_id.get(tag_id)
        return tag.name if tag is not None else f"#{tag_id}"

    def area_of(self, tag: TagInfo) -> str:
        """The area of the tag's device, from ``[[devices]]``."""
        return self._config.area_of_device(tag.device) if self._config is not None else ""

    def __iter__(self) -> Iterator[TagInfo]:
        return iter(sorted(self._by_id.values(), key=lambda t: t.name))

    def __len__(self) -> int:
        return len(self._by_id)

    # -- persistence ----------------------------------------------------------------------------
    def pending(self) -> list[TagInfo]:
        """Tags added or changed since the last :meth:`mark_saved`."""
        with self._lock:
            return list(self._pending.values())

    def mark_saved(self, tags: Iterable[TagInfo]) -> None:
        """The store has these rows now."""
        with self._lock:
            for tag in tags:
                if self._pending.get(tag.id) == tag:
                    del self._pending[tag.id]

    def flush(self, store: TagStore) -> int:
        """Write pending tag rows through ``store``; returns how many were written."""
        rows = self.pending()
        if rows:
            store.save_tags(rows)
            self.mark_saved(rows)
        return len(rows)


def _info_from_config(tag: TagConfig) -> TagInfo:
    return TagInfo(
        id=0,
        name=tag.name,
        device=tag.device or device_of(tag.name),
        unit=tag.unit,
        description=tag.description,
        data_type=tag.data_type,
        deadband=tag.deadband,
        eng_min=tag.eng_min,
        eng_max=tag.eng_max,
        retention_class=tag.retention_class,
        writable=tag.writable,
    )


def _merge(known: TagInfo, new: TagInfo, keep: TagInfo | None = None) -> TagInfo:
    """``known`` with the non-empty metadata of ``new``; id, origin and creation come from
    ``keep`` (default ``known``)."""
    base = keep or known
    return replace(
        known,
        id=base.id,
        origin=base.origin,
        created_ns=base.created_ns,
        name=base.name,
        device=new.device or known.device,
        unit=new.unit or known.unit,
        description=new.description or known.description,
        data_type=new.data_type if new.data_type != "float" else known.data_type,
        deadband=new.deadband or known.deadband,
        eng_min=new.eng_min if new.eng_min is not None else known.eng_min,
        eng_max=new.eng_max if new.eng_max is not None else known.eng_max,
        retention_class=new.retention_class
        if new.retention_class != "default"
        else known.retention_class,
        device_class=new.device_class or known.device_class,
        writable=new.writable or known.writable,
    )
