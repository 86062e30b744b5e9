"""Alarm definitions from the plant file (``[[alarms]]``), as in an ISA-18.2 master alarm database.

:func:`parse_alarm_sections` validates the raw ``[[alarms]]``, ``[[notifications]]`` and
``[maintenance]`` tables and raises :class:`AlarmConfigError` naming the file, the key path
(``alarms[3].priority``) and the offending value.

Per type, the *limit* (``limit``, or its ISA name ``setpoint``) means:

======================  =============================================================
``high`` / ``high_high``  active when value > limit, clears when value < limit - deadband
``low`` / ``low_low``     active when value < limit, clears when value > limit + deadband
``deviation``             active when abs(value - reference) > limit, where the reference is
                          the latest value of ``setpoint_tag`` or the ``baseline`` number
``rate_of_change``        active when abs(rate) > limit, rate per ``rate_per`` second/minute
``discrete``              active when value == ``state`` (no limit)
``bad_quality``           active while samples have bad quality (no limit)
``stale``                 active when no sample arrived for ``stale_s`` seconds (no limit)
======================  =============================================================
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.alarms.conditions import ConditionSyntaxError, parse_condition
from core.alarms.notify_config import MaintenanceSettings, NotificationRule
from core.alarms.priority import Priority
from core.config import ConfigError, key_path, lookup

M = TypeVar("M", bound=BaseModel)


class AlarmConfigError(ConfigError):
    """An invalid alarm, notification or maintenance setting (file, key path, value, message)."""


class FieldProblem(ValueError):
    """A cross-field rule broken by one field; the error's key path ends with ``field``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class AlarmType(StrEnum):
    """What an alarm watches."""

    HIGH = "high"
    HIGH_HIGH = "high_high"
    LOW = "low"
    LOW_LOW = "low_low"
    DEVIATION = "deviation"
    RATE_OF_CHANGE = "rate_of_change"
    DISCRETE = "discrete"
    BAD_QUALITY = "bad_quality"
    STALE = "stale"


LIMIT_TYPES = frozenset(
    {
        AlarmType.HIGH,
        AlarmType.HIGH_HIGH,
        AlarmType.LOW,
        AlarmType.LOW_LOW,
        AlarmType.DEVIATION,
        AlarmType.RATE_OF_CHANGE,
    }
)


class AlarmDefinition(BaseModel):
    """One ``[[alarms]]`` table."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    tag: str = Field(min_length=1)
    type: AlarmType
    name: str = ""
    """Unique alarm name; default ``<tag>:<type>``."""
    priority: Priority = Priority.MEDIUM
    limit: float | None = None
    setpoint: float | None = None
    """ISA-18.2's word for the limit; give one of ``limit`` / ``setpoint``."""
    deadband: float = Field(default=0.0, ge=0)
    on_delay_s: float = Field(default=0.0, ge=0, le=86_400)
    off_delay_s: float = Field(default=0.0, ge=0, le=86_400)
    latched: bool = False
    message: str = ""
    cause: str = ""
    consequence: str = ""
    corrective_action: str = ""
    max_response_s: float | None = Field(default=None, gt=0)
    alarm_class: str = Field(default="", alias="class")
    area: str = ""
    position: str = ""
    """Operator position (console) that handles the alarm; default: the area, else ``main``."""
    suppress_when: str | None = None
    vars: dict[str, str] = Field(default_factory=dict)
    """Names usable in ``suppress_when`` mapped to tag names (or use ``tag("a/b")``)."""
    setpoint_tag: str | None = None
    baseline: float | None = None
    rate_per: Literal["second", "minute"] = "second"
    state: float | None = None
    stale_s: float | None = Field(default=None, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _bool_state(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("state"), bool):
            return {**data, "state": float(data["state"])}
        return data

    @model_validator(mode="after")
    def _check_type_fields(self) -> AlarmDefinition:
        _require_type_fields(self)
        if self.suppress_when is not None:
            try:
                parse_condition(self.suppress_when, self.vars)
            except ConditionSyntaxError as exc:
                raise FieldProblem("suppress_when", str(exc)) from exc
        return self

    @property
    def alarm_name(self) -> str:
        """The configured name or ``<tag>:<type>``."""
        return self.name or f"{self.tag}:{self.type.value}"

    @property
    def threshold(self) -> float:
        """The limit (``limit`` or ``setpoint``); 0 for types without one."""
        value = self.limit if self.limit is not None else self.setpoint
        return 0.0 if value is None else value

    @property
    def operator_position(self) -> str:
        """The position, else the area, else ``main``."""
        return self.position or self.area or "main"

    @property
    def text(self) -> str:
        """The operator message, or a generated one."""
        if self.message:
            return self.message
        return f"{self.tag} {self.type.value.replace('_', ' ')}"


def _require_type_fields(d: AlarmDefinition) -> None:
    limit_key = "setpoint" if d.setpoint is not None else "limit"
    if d.limit is not None and d.setpoint is not None:
        raise FieldProblem("setpoint", "give either limit or setpoint, not both")
    has_limit = d.limit is not None or d.setpoint is not None
    if d.type in LIMIT_TYPES and not has_limit:
        raise FieldProblem("limit", f"type {d.type.value!r} needs a limit (or setpoint)")
    if d.type not in LIMIT_TYPES and has_limit:
        raise FieldProblem(limit_key, f"type {d.type.value!r} takes no limit")
    if d.type is not AlarmType.DEVIATION and (d.setpoint_tag or d.baseline is not None):
        field = "setpoint_tag" if d.setpoint_tag else "baseline"
        raise FieldProblem(field, "setpoint_tag/baseline only apply to deviation alarms")
    if d.type is AlarmType.DEVIATION and (d.setpoint_tag is None) == (d.baseline is None):
        raise FieldProblem("setpoint_tag", "deviation needs exactly one of setpoint_tag/baseline")
    if d.type in (AlarmType.DEVIATION, AlarmType.RATE_OF_CHANGE) and d.threshold <= 0:
        raise FieldProblem(limit_key, f"a {d.type.value} limit must be > 0")
    if (d.type is AlarmType.DISCRETE) != (d.state is not None):
        raise FieldProblem("state", "discrete alarms (and only they) take a state value")
    if (d.type is AlarmType.STALE) != (d.stale_s is not None):
        raise FieldProblem("stale_s", "stale alarms (and only they) take stale_s")


class AlarmConfig(BaseModel):
    """The validated alarm sections of a plant file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    alarms: list[AlarmDefinition] = Field(default_factory=list)
    notifications: list[NotificationRule] = Field(default_factory=list)
    maintenance: MaintenanceSettings = MaintenanceSettings()
    source_file: str = ""

    def by_name(self) -> dict[str, AlarmDefinition]:
        """Definitions keyed by alarm name."""
        return {d.alarm_name: d for d in self.alarms}


def parse_alarm_sections(
    raw_alarms: list[dict[str, Any]],
    raw_notifications: list[dict[str, Any]],
    raw_maintenance: dict[str, Any],
    source_file: str,
) -> AlarmConfig:
    """Validate ``[[alarms]]``, ``[[notifications]]`` and ``[maintenance]``.

    Raises :class:`AlarmConfigError` naming the file, key path and offending value.
    """
    alarms = [
        _validate(AlarmDefinition, raw, f"alarms[{i}]", source_file)
        for i, raw in enumerate(raw_alarms)
    ]
    rules = [
        _validate(NotificationRule, raw, f"notifications[{i}]", source_file)
        for i, raw in enumerate(raw_notifications)
    ]
    maintenance = _validate(MaintenanceSettings, raw_maintenance, "maintenance", source_file)
    seen: dict[str, int] = {}
    for i, alarm in enumerate(alarms):
        if alarm.alarm_name in seen:
            where = f"alarms[{i}].name" if alarm.name else f"alarms[{i}].type"
            message = (
                f"duplicate alarm name {alarm.alarm_name!r} (also alarms[{seen[alarm.alarm_name]}])"
            )
            raise AlarmConfigError(
                source_file, where, raw_alarms[i].get(where.rsplit(".", 1)[1]), message
            )
        seen[alarm.alarm_name] = i
    return AlarmConfig(
        alarms=alarms, notifications=rules, maintenance=maintenance, source_file=source_file
    )


def _validate(model: type[M], raw: object, prefix: str, source_file: str) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [p for p in err["loc"] if isinstance(p, str | int)]
        problem = err.get("ctx", {}).get("error")
        if isinstance(problem, FieldProblem):
            loc.append(problem.field)
        value = lookup(raw, loc) if loc else raw
        message = err["msg"].removeprefix("Value error, ")
        raise AlarmConfigError(source_file, key_path(loc, prefix), value, message) from exc
