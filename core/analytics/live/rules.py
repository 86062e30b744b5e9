"""``[[anomaly]]`` rules of the plant file: which tags to watch, with which detector and limits.

Example::

    [[anomaly]]
    tags = ["meter1/*", "boiler/temperature"]   # names or glob patterns (fnmatch)
    detector = "ensemble"                        # ensemble | seasonal | ewma_cusum | discord | resonance
    threshold = 0.5                              # a score >= threshold starts an anomaly
    min_duration_s = 0                           # how long it must last before an event opens
    cooldown_s = 60                              # back to normal this long before it closes

:func:`parse_anomaly_sections` raises :class:`core.config.ConfigError` naming the file, the key
path (``anomaly[1].threshold``) and the offending value.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from core.analytics.live.detectors import DetectorName, StreamDetector, make_detector
from core.config import ConfigError, key_path, lookup

log = logging.getLogger(__name__)

SCORE_SUFFIX = ".anomaly"
"""A watched tag ``<device>/<field.path>`` publishes its anomaly level as ``<...>.anomaly``."""
MAX_TAG_NAME = 255


def _check_pattern(pattern: str) -> str:
    text = pattern.strip()
    if not text:
        raise ValueError("a tag name or pattern must not be empty")
    if text.endswith(SCORE_SUFFIX):
        raise ValueError(f"'{SCORE_SUFFIX}' tags are anomaly scores; they cannot be watched")
    if len(text) > MAX_TAG_NAME - len(SCORE_SUFFIX):
        raise ValueError(f"longer than {MAX_TAG_NAME - len(SCORE_SUFFIX)} characters")
    return text


class _FieldProblem(ValueError):
    """A cross-field rule broken by one field; the key path of the error ends with ``field``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


TagPattern = Annotated[str, AfterValidator(_check_pattern)]


class AnomalyRule(BaseModel):
    """One ``[[anomaly]]`` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tags: list[TagPattern] = Field(min_length=1)
    """Tag names or fnmatch patterns (``meter1/*``); the first rule matching a tag wins."""
    detector: DetectorName = "ensemble"
    """``discord`` suits cyclic machines whose faults change the shape of a cycle, not its level."""
    threshold: float = Field(default=0.5, gt=0.0, le=1.0)
    """A score at or above it starts an anomaly (pure noise stays below about 0.35)."""
    min_duration_s: float = Field(default=0.0, ge=0.0, le=86_400.0)
    """How long the anomaly must persist before it becomes an event (0: every alert)."""
    cooldown_s: float = Field(default=60.0, ge=0.0, le=86_400.0)
    """How long the signal must stay back within its baseline before the event closes."""
    deviation_z: float = Field(default=3.0, gt=0.0, le=1000.0)
    """Robust sigmas from the pre-anomaly median that count as still anomalous."""
    max_open_s: float = Field(default=86_400.0, gt=0.0, le=30 * 86_400.0)
    """An event open this long closes as ``new_normal`` (the signal settled at a new level)."""
    warmup_samples: int = Field(default=5000, ge=0, le=500_000)
    """Stored samples replayed into the detector at start-up."""
    publish_score: bool = True
    """Historise the anomaly level as ``<tag>.anomaly`` (trends, alarm promotion)."""
    score_deadband: float = Field(default=0.02, ge=0.0, lt=1.0)
    """Deadband of the ``.anomaly`` tag (keeps its storage small; peaks always pass)."""

    @model_validator(mode="after")
    def _durations(self) -> AnomalyRule:
        if self.min_duration_s >= self.max_open_s:
            raise _FieldProblem("min_duration_s", "must be shorter than max_open_s")
        return self

    def matches(self, tag: str) -> bool:
        """True when ``tag`` is one of this rule's names or patterns (score tags never are)."""
        if tag.endswith(SCORE_SUFFIX):
            return False
        return any(fnmatch.fnmatchcase(tag, pattern) for pattern in self.tags)

    def make_detector(self) -> StreamDetector:
        """A fresh detector of this rule's kind."""
        return make_detector(self.detector)


def score_tag_name(tag: str) -> str:
    """``meter1/total_power`` -> ``meter1/total_power.anomaly``."""
    return f"{tag}{SCORE_SUFFIX}"


def rule_for(tag: str, rules: Sequence[AnomalyRule]) -> AnomalyRule | None:
    """The first rule watching ``tag``, or None."""
    return next((rule for rule in rules if rule.matches(tag)), None)


def parse_anomaly_sections(raw: list[dict[str, Any]], source_file: str) -> list[AnomalyRule]:
    """Validate the ``[[anomaly]]`` tables; raises :class:`ConfigError` (file, key path, value)."""
    if not isinstance(raw, list):
        raise ConfigError(source_file, "anomaly", raw, "expected a list of [[anomaly]] tables")
    return [_validate(table, f"anomaly[{i}]", source_file) for i, table in enumerate(raw)]


def _validate(table: object, prefix: str, source_file: str) -> AnomalyRule:
    try:
        return AnomalyRule.model_validate(table)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [part for part in err["loc"] if isinstance(part, str | int)]
        problem = err.get("ctx", {}).get("error")
        if isinstance(problem, _FieldProblem):
            loc.append(problem.field)
        value = lookup(table, loc) if loc else table
        message = err["msg"].removeprefix("Value error, ")
        raise ConfigError(source_file, key_path(loc, prefix), value, message) from exc
