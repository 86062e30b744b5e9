"""Running report schedules: due and missed periods, written to a folder, optionally e-mailed.

:meth:`ReportScheduler.run_due` is called at start-up (missed periods) and then periodically
by the application, or once by ``controldeck report run-schedules``. After each period's files
are written (and mailed), the period's end is stored in ``report_schedules``; a crash before
that re-runs the period, which then reproduces the same recorded files. A failing period stops
its schedule for this call (it is tried again next time); other schedules go on. Two stations
running the same schedules against one shared store would both write files; run schedules on
one station.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select, update

from core.analytics.energy.periods import Shift
from core.config import ConfigError
from core.reports.context import local_text
from core.reports.mail import MailError, send_report
from core.reports.model import TITLES
from core.reports.request import ReportRequest
from core.reports.schedules import Period, ReportSchedule, due_periods
from core.reports.service import ReportService
from core.reports.tables import report_schedules

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ScheduleRun:
    """What one scheduled period produced."""

    schedule: str
    label: str
    start_ns: int
    end_ns: int
    files: list[Path] = field(default_factory=list)
    emailed: bool = False
    error: str = ""


class ReportScheduler:
    """Runs the plant's report schedules through a :class:`ReportService`."""

    def __init__(
        self,
        service: ReportService,
        schedules: Sequence[ReportSchedule],
        base_dir: Path,
        shifts: Sequence[Shift] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.service = service
        self.schedules = list(schedules)
        self.base_dir = base_dir
        self.shifts = list(shifts)
        self.env = env
        self._engine = service.ctx.historian.engine

    def last_end(self, schedule: ReportSchedule) -> int | None:
        """End of the last period run (None: never, or the schedule's settings changed)."""
        c = report_schedules.c
        with self._engine.connect() as conn:
            row = conn.execute(
                select(c.config_digest, c.last_period_end_ns).where(c.name == schedule.key)
            ).first()
        if row is None or row[0] != schedule.digest:
            return None
        return int(row[1])

    def due(self) -> list[tuple[ReportSchedule, Period]]:
        """Every (schedule, period) due now, oldest period first per schedule."""
        now = self.service.ctx.clock()
        zone = self.service.ctx.zone
        return [
            (s, p)
            for s in self.schedules
            for p in due_periods(s, zone, self.shifts, self.last_end(s), now)
        ]

    def run_due(self) -> list[ScheduleRun]:
        """Run what is due; returns one entry per period run (or failed)."""
        runs: list[ScheduleRun] = []
        failed: set[str] = set()
        for schedule, period in self.due():
            if schedule.key in failed:
                continue
            run = self._run(schedule, period)
            runs.append(run)
            if run.error and not run.files:
                failed.add(schedule.key)
                continue
            self._save(schedule, period[2], run.error or "ok")
        return runs

    def _run(self, schedule: ReportSchedule, period: Period) -> ScheduleRun:
        label, start, end = period
        files: list[Path] = []
        try:
            for fmt in schedule.formats:
                files.append(self._write(schedule, period, fmt))
        except (ConfigError, OSError, ValueError, RuntimeError) as exc:
            log.error("schedule %s, %s: report failed: %s", schedule.key, label, exc)
            return ScheduleRun(
                schedule.key, label, start, end, [], False, f"{type(exc).__name__}: {exc}"
            )
        if schedule.email is None:
            return ScheduleRun(schedule.key, label, start, end, files)
        try:
            send_report(
                schedule.email,
                self._subject(schedule, label),
                self._body(schedule, period),
                files,
                self.env,
            )
        except MailError as exc:
            log.error("schedule %s, %s: e-mail failed: %s", schedule.key, label, exc)
            return ScheduleRun(
                schedule.key, label, start, end, files, False, f"e-mail failed: {exc}"
            )
        return ScheduleRun(schedule.key, label, start, end, files, True)

    def _write(self, schedule: ReportSchedule, period: Period, fmt: str) -> Path:
        label, start, end = period
        request = ReportRequest(
            schedule.kind, start, end, fmt=fmt, area=schedule.area,
            generated_by=f"schedule:{schedule.key}", source=f"reports schedule {schedule.key}",
        )  # fmt: skip
        path = (
            schedule.folder_path(self.base_dir) / f"{schedule.key}_{_UNSAFE.sub('_', label)}.{fmt}"
        )
        result = self.service.export(request, path)
        log.info(
            "schedule %s, %s: wrote %s (sha256 %s)", schedule.key, label, path, result.sha256[:12]
        )
        return path

    def _subject(self, schedule: ReportSchedule, label: str) -> str:
        plant = self.service.ctx.config.plant.name
        return f"[{plant}] {TITLES[schedule.kind]} {label}"

    def _body(self, schedule: ReportSchedule, period: Period) -> str:
        zone = self.service.ctx.zone
        label, start, end = period
        return (
            f"{TITLES[schedule.kind]} of {self.service.ctx.config.plant.name}, {label}\n"
            f"Period: {local_text(start, zone)} to {local_text(end, zone)}\n"
            f"Schedule: {schedule.key}\n\n"
            "Check a file with: controldeck report verify FILE --config PLANT.toml\n"
        )

    def _save(self, schedule: ReportSchedule, end_ns: int, status: str) -> None:
        row = {
            "config_digest": schedule.digest,
            "last_period_end_ns": end_ns,
            "last_run_ns": self.service.ctx.clock(),
            "last_status": status,
        }
        c = report_schedules.c
        with self._engine.begin() as conn:
            done = conn.execute(
                update(report_schedules).where(c.name == schedule.key).values(**row)
            )
            if not done.rowcount:
                conn.execute(insert(report_schedules).values(name=schedule.key, **row))
