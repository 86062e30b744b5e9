"""The context every model fit runs in: warnings kept inside and counted, BLAS single-threaded.

statsmodels warns freely (``ConvergenceWarning``, "non-stationary starting parameters",
overflow ``RuntimeWarning``); those are expected while fitting and must never reach the caller
(the test suite turns every escaped warning into an error). :func:`captured` records them,
adds them to a :class:`WarningTally` and logs each at DEBUG.

The fits are small (a few thousand samples), where multi-threaded BLAS only burns CPU in
thread hand-offs — several times the work on a loaded two-core machine — so :func:`captured`
also limits BLAS/OpenMP to one thread (threadpoolctl, a scikit-learn dependency) for the block.

:func:`warnings.catch_warnings` and the thread limits are process-wide state, so captured blocks
are serialised by one lock: two worker threads never interleave their filters.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from threadpoolctl import ThreadpoolController

log = logging.getLogger(__name__)

_CAPTURE_LOCK = threading.RLock()
_controller: ThreadpoolController | None = None


def _thread_pools() -> ThreadpoolController:
    """The BLAS/OpenMP libraries loaded, scanned once (a scan costs milliseconds)."""
    global _controller  # noqa: PLW0603 - one scan per process, made under the lock
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller


@dataclass
class WarningTally:
    """How many warnings each model's fits raised, by category name."""

    by_category: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        """All warnings counted."""
        return sum(self.by_category.values())

    def merge(self, other: WarningTally) -> None:
        """Add ``other``'s counts to this tally."""
        self.by_category.update(other.by_category)


@contextmanager
def captured(tally: WarningTally, what: str) -> Iterator[None]:
    """Run the block with every warning recorded into ``tally`` (never raised nor printed) and
    BLAS limited to one thread."""
    with (
        _CAPTURE_LOCK,
        _thread_pools().limit(limits=1),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        try:
            yield
        finally:
            for item in caught:
                category = item.category.__name__
                tally.by_category[category] += 1
                log.debug("%s: %s: %s", what, category, item.message)
