"""Reports: shift, energy and emissions, alarm management and compliance, as PDF and CSV.

Data builders (:mod:`.shift`, :mod:`.energy`, :mod:`.alarms`, :mod:`.compliance`) return plain
dataclasses; layouts turn them into a :class:`ReportDocument`; :mod:`.pdf` and :mod:`.csvout`
render it. :class:`ReportService` records every file's SHA-256 and query parameters in the
append-only ``reports`` table, verifies files against it and signs them (21 CFR Part 11
electronic signatures); :mod:`.schedules` runs daily, weekly, monthly and per-shift reports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.reports.archive import ReportArchive, ReportRecord
    from core.reports.model import REPORT_KINDS, ReportDocument
    from core.reports.request import ReportRequest
    from core.reports.scheduler import ReportScheduler, ScheduleRun
    from core.reports.schedules import ReportSchedule, parse_schedules, plant_schedules
    from core.reports.service import GeneratedReport, ReportService, format_for, write_file
    from core.reports.verify import ReportError, SignedReport, Verification

# The names below load their module on first use (PEP 562): the report builders pull in the
# analytics (scikit-learn, scipy), which a command that only parses its arguments must not pay.
_WHERE = {
    "ReportArchive": "archive",
    "ReportRecord": "archive",
    "REPORT_KINDS": "model",
    "ReportDocument": "model",
    "ReportRequest": "request",
    "ReportScheduler": "scheduler",
    "ScheduleRun": "scheduler",
    "ReportSchedule": "schedules",
    "parse_schedules": "schedules",
    "plant_schedules": "schedules",
    "GeneratedReport": "service",
    "ReportService": "service",
    "format_for": "service",
    "write_file": "service",
    "ReportError": "verify",
    "SignedReport": "verify",
    "Verification": "verify",
}
__all__ = [
    "REPORT_KINDS",
    "GeneratedReport",
    "ReportArchive",
    "ReportDocument",
    "ReportError",
    "ReportRecord",
    "ReportRequest",
    "ReportSchedule",
    "ReportScheduler",
    "ReportService",
    "ScheduleRun",
    "SignedReport",
    "Verification",
    "format_for",
    "parse_schedules",
    "plant_schedules",
    "write_file",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
