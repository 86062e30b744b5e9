"""One computation of a view at a time from the user's point of view: the newest request wins.

A view that reads or computes in the worker pool starts each request at once; the results of
an older request still running when a newer one was made are dropped, so the view never shows
what an earlier choice of period or filter asked for (dropping the newer request instead, as a
"busy" flag does, leaves the old choice's rows under the new choice).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtWidgets import QLabel, QWidget

from hmi.context import HmiContext
from hmi.theme import set_property

T = TypeVar("T")


class BackgroundTask:
    """One computation of a view, run in the worker pool: a newer request makes the results of
    older ones stale (dropped); progress and failures are written to a status label."""

    def __init__(self, ctx: HmiContext, owner: QWidget, name: str, status: QLabel) -> None:
        self.ctx, self.owner, self.name, self.status = ctx, owner, name, status
        self.generation = 0
        self.busy = False
        self.error: BaseException | None = None

    def run(
        self,
        work: Callable[[], T],
        done: Callable[[T], None],
        text: str = "",
        failed: Callable[[BaseException], None] | None = None,
    ) -> int:
        """Start ``work()`` in a worker; ``done(result)`` (or ``failed(exception)``) runs on the
        GUI thread unless a newer request was made meanwhile. Returns the generation."""
        self.generation += 1
        generation, self.busy, self.error = self.generation, True, None
        self.say(text or f"{self.name}: computing…")

        def finished(result: Any) -> None:
            if generation == self.generation:
                self.busy = False
                done(result)

        self.ctx.workers.submit(
            work,
            finished,
            lambda exc: self._failed(generation, exc, failed),
            context=self.owner,
            name=self.name,
        )
        return generation

    def _failed(
        self,
        generation: int,
        exc: BaseException,
        callback: Callable[[BaseException], None] | None,
    ) -> None:
        if generation != self.generation:
            return
        self.busy, self.error = False, exc
        self.say(f"{self.name} failed: {exc}", failed=True)
        if callback is not None:
            callback(exc)

    def say(self, text: str, failed: bool = False) -> None:
        """Show a status line (``failed`` styles it as a refusal/failure)."""
        self.status.setText(text)
        set_property(self.status, "result", "failed" if failed else "")
