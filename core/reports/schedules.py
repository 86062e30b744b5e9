"""Report schedules: the ``[[reports]]`` tables of the plant file and the periods they cover.

.. code-block:: toml

    [[reports]]
    name = "daily-energy"        # optional; default "<kind>-<every>[-<shift>]"
    kind = "energy"              # shift | energy | alarms | compliance
    every = "day"                # day | week | month | shift
    at = "06:00"                 # local time the periods start and end (day, week, month)
    weekday = "mon"              # every = "week": the day the weeks start
    shift = ""                   # every = "shift": one shift by name (default: each shift)
    folder = "reports"           # relative to the plant file
    formats = ["pdf", "csv"]
    area = ""                    # one area only (default: the whole plant)
    catch_up = 7                 # at most this many missed periods are run at start
      [reports.email]            # optional: same keys as [[notifications]] email
      host = "smtp.example.com"
      from = "controldeck@example.com"
      to = ["supervisor@example.com"]

A period is due once it has ended. The last period each schedule ran for is kept in the store,
so periods missed while the application was closed run at the next start (the newest
``catch_up`` of them), each exactly once. A schedule seen for the first time runs only its
latest complete period.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.alarms.notify_config import WEEKDAYS, EmailTarget, Weekday
from core.analytics.energy.periods import Shift, periods, to_ns
from core.config import ConfigError, PlantConfig, validation_error
from core.model import NS_PER_S

log = logging.getLogger(__name__)

Period = tuple[str, int, int]
"""(label, start_ns, end_ns)."""


Format = Literal["pdf", "csv"]


def _pdf_only() -> list[Format]:
    return ["pdf"]


class ReportSchedule(BaseModel):
    """One ``[[reports]]`` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(default="", max_length=120, pattern=r"^([A-Za-z0-9][A-Za-z0-9._-]*)?$")
    kind: Literal["shift", "energy", "alarms", "compliance"]
    every: Literal["day", "week", "month", "shift"]
    at: str = Field(default="00:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    weekday: Weekday = "mon"
    shift: str = ""
    folder: str = "reports"
    formats: list[Format] = Field(default_factory=_pdf_only, min_length=1)
    area: str = ""
    catch_up: int = Field(default=7, ge=1, le=366)
    email: EmailTarget | None = None

    @property
    def key(self) -> str:
        """The schedule's name (generated when not given)."""
        suffix = f"-{self.shift}" if self.shift else ""
        return self.name or f"{self.kind}-{self.every}{suffix}"

    @property
    def digest(self) -> str:
        """Changes whenever the schedule's settings change."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()

    def folder_path(self, base_dir: Path) -> Path:
        """The output folder (relative to the plant file)."""
        return (base_dir / self.folder).resolve()


def parse_schedules(
    raw: Sequence[Any], source: str | Path, shifts: Sequence[Shift] = ()
) -> list[ReportSchedule]:
    """Validate ``[[reports]]``; errors name ``reports[i].<key>`` and the value."""
    if not isinstance(raw, list | tuple):
        raise ConfigError(source, "reports", raw, "must be an array of tables [[reports]]")
    out: list[ReportSchedule] = []
    names: dict[str, int] = {}
    for i, entry in enumerate(raw):
        try:
            schedule = ReportSchedule.model_validate(entry)
        except ValidationError as exc:
            raise validation_error(exc, entry, source, f"reports[{i}]") from exc
        _check_shift(schedule, shifts, source, i)
        if schedule.key in names:
            raise ConfigError(
                source, f"reports[{i}].name", schedule.key,
                f"duplicate schedule name (also reports[{names[schedule.key]}])",
            )  # fmt: skip
        names[schedule.key] = i
        out.append(schedule)
    return out


def _check_shift(
    schedule: ReportSchedule, shifts: Sequence[Shift], source: str | Path, i: int
) -> None:
    known = [s.name for s in shifts]
    if schedule.every == "shift" and not shifts:
        raise ConfigError(source, f"reports[{i}].every", "shift", "no shifts in [[energy.shifts]]")
    if schedule.shift and schedule.every != "shift":
        raise ConfigError(
            source, f"reports[{i}].shift", schedule.shift, 'only with every = "shift"'
        )
    if schedule.shift and schedule.shift not in known:
        raise ConfigError(
            source,
            f"reports[{i}].shift",
            schedule.shift,
            f"unknown shift (known: {', '.join(known)})",
        )


def plant_schedules(config: PlantConfig, raw: Sequence[Any] | None = None) -> list[ReportSchedule]:
    """The plant's schedules: ``raw`` when given, else ``config.reports`` (empty without it)."""
    from core.analytics.energy.settings import energy_section

    entries = raw if raw is not None else getattr(config, "reports", None) or []
    return parse_schedules(
        list(entries), config.source or "plant file", energy_section(config).shift_list()
    )


def due_periods(
    schedule: ReportSchedule,
    zone: ZoneInfo,
    shifts: Sequence[Shift],
    after_ns: int | None,
    now_ns: int,
) -> list[Period]:
    """Complete periods ending in ``(after, now]``, oldest first: the newest ``catch_up`` of
    them, or only the newest one when the schedule never ran (``after`` None)."""
    wanted = 1 if after_ns is None else schedule.catch_up
    if schedule.every == "shift":
        found = _shift_periods(schedule, zone, shifts, now_ns, wanted + 1)
    else:
        found = _calendar_periods(schedule, zone, now_ns, wanted + 1)
    fresh = [p for p in found if after_ns is None or p[2] > after_ns]
    if after_ns is not None and len(fresh) > wanted:
        log.warning(
            "schedule %s: periods before %s missed and not run (catch_up = %d)",
            schedule.key, fresh[-wanted][0], wanted,
        )  # fmt: skip
    return fresh[-wanted:]


def _calendar_periods(
    schedule: ReportSchedule, zone: ZoneInfo, now_ns: int, wanted: int
) -> list[Period]:
    hours, minutes = (int(p) for p in schedule.at.split(":"))
    clock = time(hours, minutes)
    day = datetime.fromtimestamp(now_ns // NS_PER_S, zone).date() + timedelta(days=1)
    edges: list[int] = []
    while len(edges) < wanted + 1:
        if _is_boundary(schedule, day):
            edge = to_ns(datetime.combine(day, clock, tzinfo=zone))
            if edge <= now_ns:
                edges.append(edge)
        day -= timedelta(days=1)
    edges.reverse()
    return [(_label(schedule, lo, zone), lo, hi) for lo, hi in itertools.pairwise(edges)]


def _is_boundary(schedule: ReportSchedule, day: date) -> bool:
    if schedule.every == "week":
        return WEEKDAYS[day.weekday()] == schedule.weekday
    if schedule.every == "month":
        return day.day == 1
    return True


def _label(schedule: ReportSchedule, start_ns: int, zone: ZoneInfo) -> str:
    local = datetime.fromtimestamp(start_ns // NS_PER_S, zone).date()
    if schedule.every == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    if schedule.every == "month":
        return f"{local.year}-{local.month:02d}"
    return local.isoformat()


def _shift_periods(
    schedule: ReportSchedule, zone: ZoneInfo, shifts: Sequence[Shift], now_ns: int, wanted: int
) -> list[Period]:
    span = (wanted // max(len(shifts), 1) + 2) * 86_400 * NS_PER_S
    found = periods(now_ns - span, now_ns, "shift", zone, shifts)
    done = [p for p in found if not p.partial and p.end_ns <= now_ns]
    if schedule.shift:
        done = [p for p in done if p.label.endswith(f" {schedule.shift}")]
    return [(p.label, p.start_ns, p.end_ns) for p in done]
