"""The tag declarations a handoff thread has passed to its sink, so each goes only once."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from drivers.base import DriverSink, DriverStatus, TagDeclaration

log = logging.getLogger(__name__)
_REMEMBERED_LISTS = 4096


class DeclaredTags:
    """Declares new or changed tag metadata to the sink; repeats cost one look-up each."""

    def __init__(self, source: str, status: DriverStatus) -> None:
        self._source = source
        self._status = status
        self._declared: dict[str, TagDeclaration] = {}
        self._passed: dict[int, Sequence[TagDeclaration]] = {}
        """Lists passed on whole, by identity (formats share one list per payload layout)."""

    def declare(self, sink: DriverSink | None, declarations: Sequence[TagDeclaration]) -> bool:
        """Pass on the declarations not declared before (a failure is counted and retried).

        True when every declaration of the list is now declared (False: retry it next time).
        """
        if self._passed.get(id(declarations)) is declarations:
            return True  # this very list went through before; the lists are not modified
        declared = self._declared  # formats repeat shared (cached) objects: try identity first
        fresh = [d for d in declarations if (known := declared.get(d.name)) is not d and known != d]
        if not fresh:
            self._remember(declarations)
            return True
        if sink is None:
            return False
        try:
            sink.declare(fresh)
        except Exception:
            log.exception("mqtt %s: declaring %d tags failed", self._source, len(fresh))
            self._status.count_error("declare_failed")
            return False
        if any(d.name in declared for d in fresh):
            self._passed.clear()  # metadata changed: a list passed before may be stale now
        declared.update((d.name, d) for d in fresh)
        self._remember(declarations)
        return True

    def _remember(self, declarations: Sequence[TagDeclaration]) -> None:
        if len(self._passed) >= _REMEMBERED_LISTS:
            self._passed.clear()
        self._passed[id(declarations)] = declarations
