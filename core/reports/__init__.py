"""Reports: shift, energy and emissions, alarm management and compliance, as PDF and CSV.

Data builders (:mod:`.shift`, :mod:`.energy`, :mod:`.alarms`, :mod:`.compliance`) return plain
dataclasses; layouts turn them into a :class:`ReportDocument`; :mod:`.pdf` and :mod:`.csvout`
render it. :class:`ReportService` records every file's SHA-256 and query parameters in the
append-only ``reports`` table, verifies files against it and signs them (21 CFR Part 11
electronic signatures); :mod:`.schedules` runs daily, weekly, monthly and per-shift reports.
"""

from core.reports.archive import ReportArchive, ReportRecord
from core.reports.model import REPORT_KINDS, ReportDocument
from core.reports.request import ReportRequest
from core.reports.scheduler import ReportScheduler, ScheduleRun
from core.reports.schedules import ReportSchedule, parse_schedules, plant_schedules
from core.reports.service import GeneratedReport, ReportService, format_for, write_file
from core.reports.verify import ReportError, SignedReport, Verification

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
