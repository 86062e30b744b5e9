"""The historian facade: open the database (migrated), the tag registry, the spool and the writer."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, update

from core.config import PlantConfig, user_data_dir
from core.counters import Counters
from core.livecache import LiveValue
from core.model import Quality, SampleBatch, now_ns
from core.store import database, queries
from core.store.backend import SampleBackend
from core.store.schema import latest, quarantine, runtime_status
from core.store.schema import tags as tags_table
from core.store.spool import Spool
from core.store.writer import HistorianWriter
from core.tags import TagInfo, TagRegistry

log = logging.getLogger(__name__)


class Historian:
    """Everything persistent of one plant. ``open`` migrates; ``start``/``stop`` run the writer."""

    def __init__(self, config: PlantConfig, counters: Counters | None = None) -> None:
        self.config = config
        self.counters = counters or Counters()
        self.url = database.resolve_url(config.store.url, config.base_dir)
        self.engine: Engine = database.make_engine(self.url)
        self.registry = TagRegistry(auto_tags=config.plant.auto_tags)
        self._spool: Spool | None = None
        self._writer: HistorianWriter | None = None

    @classmethod
    def open(cls, config: PlantConfig, counters: Counters | None = None) -> Historian:
        """Connect, apply migrations, load and declare tags."""
        hist = cls(config, counters)
        try:
            database.upgrade(hist.engine)
            hist.registry.load(hist.load_tags())
        except Exception as exc:
            hist.engine.dispose()
            raise database.StoreError(
                f"cannot open the store {database.describe(hist.url)}: {exc}"
            ) from exc
        hist.registry.apply_config(config)
        return hist

    # -- spool and writer -----------------------------------------------------------------------
    @property
    def spool_dir(self) -> Path:
        """Where the store-and-forward spool lives."""
        if self.config.store.spool_dir:
            return (self.config.base_dir / self.config.store.spool_dir).resolve()
        if self.url.get_backend_name() == "sqlite" and self.url.database not in (
            None,
            "",
            ":memory:",
        ):
            return Path(f"{self.url.database}.spool")
        digest = hashlib.sha256(database.describe(self.url).encode()).hexdigest()[:12]
        return user_data_dir() / "spool" / digest

    @property
    def spool(self) -> Spool:
        """The spool (opened on first use)."""
        if self._spool is None:
            self.spool_dir.mkdir(parents=True, exist_ok=True)
            self._spool = Spool(self.spool_dir, max_bytes=self.config.store.spool_max_mb << 20)
        return self._spool

    @property
    def writer(self) -> HistorianWriter:
        """The writer (created on first use, started by :meth:`start`)."""
        if self._writer is None:
            self._writer = HistorianWriter(
                self.engine,
                self.registry,
                self.spool,
                self.counters,
                batch_size=self.config.store.batch_size,
                flush_interval_s=self.config.store.flush_interval_s,
                retry_interval_s=self.config.store.retry_interval_s,
                write_timeout_s=self.config.store.write_timeout_s,
            )
        return self._writer

    def start(self) -> None:
        """Write pending tags and start the writer thread."""
        self.writer.start()

    def close(self) -> None:
        """Drain and stop the writer, close the spool, dispose of the engine."""
        if self._writer is not None:
            self._writer.stop()
        if self._spool is not None:
            self._spool.close()
        self.engine.dispose()

    # -- TagStore -------------------------------------------------------------------------------
    def load_tags(self) -> list[TagInfo]:
        """Every stored tag."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(tags_table)).mappings().all()
        return [TagInfo(**{k: v for k, v in row.items()}) for row in rows]

    def save_tags(self, tags: list[TagInfo]) -> None:
        """Write tag rows now (outside the writer; used by import and tools)."""
        backend = SampleBackend(self.engine)
        try:
            backend.write(SampleBatch.empty(), tags)
        finally:
            backend.close()
        self.registry.mark_saved(tags)

    # -- reads ----------------------------------------------------------------------------------
    def history(
        self, tag: str, start_ns: int, end_ns: int, max_points: int = 2000
    ) -> queries.Series:
        """History of a tag by name (raw, or min/max-decimated to about ``max_points``)."""
        info = self.registry.get(tag)
        if info is None:
            raise KeyError(f"unknown tag {tag!r}")
        return queries.history(self.engine, info.id, start_ns, end_ns, max_points)

    def raw(self, tag: str, start_ns: int, end_ns: int) -> queries.Series:
        """Every stored sample of a tag in [start, end]."""
        info = self.registry.get(tag)
        if info is None:
            raise KeyError(f"unknown tag {tag!r}")
        return queries.raw(self.engine, info.id, start_ns, end_ns)

    def latest_values(self) -> dict[int, LiveValue]:
        """The newest stored value of every tag."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(latest)).all()
        return {r.tag_id: LiveValue(r.ts, r.value, Quality(r.quality)) for r in rows}

    def quarantine(self, limit: int = 100, reason: str | None = None) -> list[dict[str, Any]]:
        """Newest quarantined inputs first."""
        stmt = select(quarantine).order_by(quarantine.c.id.desc()).limit(limit)
        if reason:
            stmt = stmt.where(quarantine.c.reason == reason)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(stmt).mappings().all()]

    # -- runtime status -------------------------------------------------------------------------
    def save_status(self, name: str, payload: dict[str, Any]) -> None:
        """Publish a process's status snapshot (read by ``controldeck status``)."""
        row = {"name": name, "updated_ns": now_ns(), "payload": json.dumps(payload, default=str)}
        with self.engine.begin() as conn:
            done = conn.execute(
                update(runtime_status).where(runtime_status.c.name == name).values(**row)
            ).rowcount
            if not done:
                conn.execute(insert(runtime_status).values(**row))

    def load_status(self) -> dict[str, dict[str, Any]]:
        """Every published status snapshot with its age."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(runtime_status)).all()
        out = {}
        for r in rows:
            payload = json.loads(r.payload)
            payload["updated_ns"] = r.updated_ns
            out[r.name] = payload
        return out
