"""The tag declarations a handoff thread has passed to its sink, so each goes only once."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from drivers.base import DriverSink, DriverStatus, TagDeclaration

log = logging.getLogger(__name__)


class DeclaredTags:
    """Declares new or changed tag metadata to the sink; repeats cost one look-up each."""

    def __init__(self, source: str, status: DriverStatus) -> None:
        self._source = source
        self._status = status
        self._declared: dict[str, TagDeclaration] = {}

    def declare(self, sink: DriverSink | None, declarations: Sequence[TagDeclaration]) -> None:
        """Pass on the declarations not declared before (a failure is counted and retried)."""
        declared = self._declared  # formats repeat shared (cached) objects: try identity first
        fresh = [d for d in declarations if (known := declared.get(d.name)) is not d and known != d]
        if not fresh or sink is None:
            return
        try:
            sink.declare(fresh)
        except Exception:
            log.exception("mqtt %s: declaring %d tags failed", self._source, len(fresh))
            self._status.count_error("declare_failed")
            return
        declared.update((d.name, d) for d in fresh)
