"""Retraining models on a schedule or on demand, with an injected clock.

A :class:`RetrainJob` says how often a ``(subject, kind)`` is retrained, over how long a window
ending now, and whether the new version is promoted: ``always``, ``never`` or ``if_better``
(its training metric beats the active version's; lower is better unless the metric is in
:data:`HIGHER_IS_BETTER`). The schedule is anchored on the newest stored version, so it
survives restarts; a failed attempt is retried after ``retry_s``. :meth:`Retrainer.run_due` is
meant to be called from the analytics pool's periodic tick; it never sleeps.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from core.analytics.registry.compare import HIGHER_IS_BETTER
from core.analytics.registry.registry import ModelRegistry
from core.analytics.registry.rows import ModelVersion
from core.model import NS_PER_S, now_ns

log = logging.getLogger(__name__)

PROMOTION_POLICIES = ("always", "never", "if_better")


@dataclass(frozen=True)
class TrainedModel:
    """What a trainer returns: the model object and what to record about it."""

    model: object
    params: Mapping[str, Any]
    metrics: Mapping[str, float]


class Trainer(Protocol):
    """Trains one kind of model for a subject on data of ``[start_ns, end_ns)``."""

    def __call__(self, subject: str, start_ns: int, end_ns: int) -> TrainedModel:
        """Fit and return the model (raise on failure)."""
        ...


@dataclass(frozen=True)
class RetrainJob:
    """A scheduled retraining of one ``(subject, kind)``."""

    subject: str
    kind: str
    every_s: float
    window_s: float
    promote: str = "if_better"
    metric: str = "mase"
    retry_s: float = 900.0

    def __post_init__(self) -> None:
        if self.promote not in PROMOTION_POLICIES:
            raise ValueError(f"promote must be one of {PROMOTION_POLICIES}, got {self.promote!r}")
        if self.every_s <= 0 or self.window_s <= 0 or self.retry_s <= 0:
            raise ValueError("every_s, window_s and retry_s must be positive")


@dataclass(frozen=True)
class RetrainOutcome:
    """A new version and whether (and why) it was promoted."""

    job: RetrainJob
    version: ModelVersion
    promoted: bool
    reason: str


class Retrainer:
    """Runs :class:`RetrainJob` s through their kind's :class:`Trainer`."""

    def __init__(
        self,
        registry: ModelRegistry,
        trainers: Mapping[str, Trainer],
        jobs: Sequence[RetrainJob],
        clock: Callable[[], int] = now_ns,
    ) -> None:
        missing = sorted({job.kind for job in jobs} - set(trainers))
        if missing:
            raise ValueError(f"no trainer for model kind(s) {missing}")
        self._registry = registry
        self._trainers = dict(trainers)
        self._jobs = {(job.subject, job.kind): job for job in jobs}
        self._clock = clock
        self._failed_at: dict[tuple[str, str], int] = {}

    def next_run_ns(self, job: RetrainJob) -> int:
        """When ``job`` is next due (now or earlier when it never ran)."""
        versions = self._registry.versions(job.subject, job.kind)
        scheduled = versions[-1].created_ns + round(job.every_s * NS_PER_S) if versions else 0
        failed = self._failed_at.get((job.subject, job.kind))
        if failed is not None:
            scheduled = max(scheduled, failed + round(job.retry_s * NS_PER_S))
        return scheduled

    def due(self) -> list[RetrainJob]:
        """Jobs due at the clock's current time."""
        now = self._clock()
        return [job for job in self._jobs.values() if self.next_run_ns(job) <= now]

    def run_due(self) -> list[RetrainOutcome]:
        """Retrain every due job; a failing trainer is logged and retried after ``retry_s``."""
        outcomes = []
        for job in self.due():
            try:
                outcomes.append(self._run(job, "scheduler"))
            except Exception:
                self._failed_at[(job.subject, job.kind)] = self._clock()
                log.exception("retraining %s/%s failed", job.subject, job.kind)
        return outcomes

    def retrain(self, subject: str, kind: str, *, author: str = "on-demand") -> RetrainOutcome:
        """Retrain one scheduled ``(subject, kind)`` now, whatever its schedule."""
        job = self._jobs.get((subject, kind))
        if job is None:
            raise KeyError(f"no retraining job for {subject}/{kind}")
        return self._run(job, author)

    def _run(self, job: RetrainJob, author: str) -> RetrainOutcome:
        end = self._clock()
        start = end - round(job.window_s * NS_PER_S)
        trained = self._trainers[job.kind](job.subject, start, end)
        version = self._registry.register(
            job.subject,
            job.kind,
            trained.model,
            train_start_ns=start,
            train_end_ns=end,
            params=trained.params,
            metrics=trained.metrics,
            author=author,
        )
        self._failed_at.pop((job.subject, job.kind), None)
        promote, reason = self._decide(job, version)
        if promote:
            version = self._registry.promote(job.subject, job.kind, version.version, actor=author)
        log.info("retrained %s/%s v%d: %s", job.subject, job.kind, version.version, reason)
        return RetrainOutcome(job, version, promote, reason)

    def _decide(self, job: RetrainJob, version: ModelVersion) -> tuple[bool, str]:
        if job.promote != "if_better":
            return job.promote == "always", f"policy {job.promote}"
        active = self._registry.active(job.subject, job.kind)
        if active is None:
            return True, "first version"
        new, old = version.metrics.get(job.metric), active.metrics.get(job.metric)
        if new is None or old is None or math.isnan(new) or math.isnan(old):
            return False, f"metric {job.metric} missing; kept v{active.version}"
        better = new > old if job.metric in HIGHER_IS_BETTER else new < old
        verdict = "better" if better else "not better"
        return better, f"{job.metric} {new:.4g} vs {old:.4g} of v{active.version}: {verdict}"
