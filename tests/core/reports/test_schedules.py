"""``[[reports]]`` schedules: validation with key paths, the periods they cover (DST too), and
the scheduler: missed periods run at the next start exactly once, files written and e-mailed."""

from __future__ import annotations

import email
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.analytics.energy.periods import Shift
from core.config import ConfigError, PlantConfig
from core.model import NS_PER_S
from core.reports.scheduler import ReportScheduler
from core.reports.schedules import ReportSchedule, due_periods, parse_schedules, plant_schedules
from core.reports.service import ReportService
from core.timefmt import parse_time
from tests.conftest import free_port
from tests.core.alarms.servers import smtp_server
from tests.core.reports.plantdata import DAY, END, HOUR
from tests.core.security.conftest import FakeClock

BERLIN = ZoneInfo("Europe/Berlin")
DAILY = {"kind": "energy", "every": "day"}


def _shifts() -> list[Shift]:
    return [Shift("early", time(6)), Shift("late", time(14)), Shift("night", time(22))]


def _t(text: str) -> int:
    return parse_time(text)


@pytest.mark.parametrize(
    ("entries", "key"),
    [
        ([{"kind": "weekly", "every": "day"}], "reports[0].kind"),
        ([{"kind": "energy", "every": "hourly"}], "reports[0].every"),
        ([{**DAILY, "at": "25:00"}], "reports[0].at"),
        ([{**DAILY, "formats": []}], "reports[0].formats"),
        ([{**DAILY, "formats": ["xls"]}], "reports[0].formats[0]"),
        ([{**DAILY, "colour": "red"}], "reports[0].colour"),
        ([{**DAILY, "catch_up": 0}], "reports[0].catch_up"),
        (
            [{**DAILY, "email": {"host": "mx", "from": "cd@example.com", "to": []}}],
            "reports[0].email.to",
        ),
        ([{**DAILY, "name": "bad name"}], "reports[0].name"),
        ([{"kind": "shift", "every": "shift", "shift": "noon"}], "reports[0].shift"),
        ([{**DAILY, "shift": "early"}], "reports[0].shift"),
        ([DAILY, DAILY], "reports[1].name"),
    ],
)
def test_bad_schedules_name_the_key(entries: list[dict[str, Any]], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_schedules(entries, "plant.toml", _shifts())
    assert caught.value.key_path == key
    assert str(caught.value).startswith(f"plant.toml: {key} = ")


def test_shift_schedules_need_shifts() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_schedules([{"kind": "shift", "every": "shift"}], "plant.toml", [])
    assert caught.value.key_path == "reports[0].every"
    with pytest.raises(ConfigError):
        parse_schedules({"kind": "shift"}, "plant.toml", [])  # type: ignore[arg-type]


@given(st.text(max_size=8))
def test_at_accepts_exactly_hh_mm(text: str) -> None:
    valid = len(text) == 5 and text[2] == ":" and text[:2].isdigit() and text[3:].isdigit()
    valid = valid and text.isascii() and int(text[:2]) < 24 and int(text[3:]) < 60
    try:
        parse_schedules([{**DAILY, "at": text}], "plant.toml")
    except ConfigError as exc:
        assert not valid and exc.key_path == "reports[0].at"
    else:
        assert valid


def test_defaults_and_names() -> None:
    (daily, shift) = parse_schedules(
        [DAILY, {"kind": "shift", "every": "shift", "shift": "night"}], "p.toml", _shifts()
    )
    assert (daily.key, daily.formats, daily.at, daily.catch_up) == (
        "energy-day",
        ["pdf"],
        "00:00",
        7,
    )
    assert shift.key == "shift-shift-night"


def _schedule(**raw: Any) -> ReportSchedule:
    return parse_schedules([raw], "p.toml", _shifts())[0]


def _local(periods: list[tuple[str, int, int]]) -> list[tuple[str, str, str]]:
    def show(ts: int) -> str:
        return datetime.fromtimestamp(ts // NS_PER_S, BERLIN).strftime("%m-%d %H:%M")

    return [(label, show(lo), show(hi)) for label, lo, hi in periods]


@pytest.mark.parametrize(
    ("raw", "after", "now", "expected"),
    [
        ({**DAILY, "at": "06:00"}, None, "2026-01-12T07:00+01:00",
         [("2026-01-11", "01-11 06:00", "01-12 06:00")]),
        ({**DAILY, "at": "06:00"}, "2026-01-09T06:00+01:00", "2026-01-12T07:00+01:00",
         [("2026-01-09", "01-09 06:00", "01-10 06:00"), ("2026-01-10", "01-10 06:00", "01-11 06:00"),
          ("2026-01-11", "01-11 06:00", "01-12 06:00")]),
        ({**DAILY, "catch_up": 2}, "2026-01-08T00:00+01:00", "2026-01-12T07:00+01:00",
         [("2026-01-10", "01-10 00:00", "01-11 00:00"), ("2026-01-11", "01-11 00:00", "01-12 00:00")]),
        ({**DAILY}, "2026-01-12T00:00+01:00", "2026-01-12T23:59+01:00", []),
        ({"kind": "alarms", "every": "week"}, None, "2026-01-14T10:00+01:00",
         [("2026-W02", "01-05 00:00", "01-12 00:00")]),
        ({"kind": "alarms", "every": "week", "weekday": "wed", "at": "12:00"}, None,
         "2026-01-14T11:00+01:00", [("2026-W01", "12-31 12:00", "01-07 12:00")]),
        ({"kind": "compliance", "every": "month"}, None, "2026-02-03T10:00+01:00",
         [("2026-01", "01-01 00:00", "02-01 00:00")]),
        ({"kind": "shift", "every": "shift"}, None, "2026-01-12T15:00+01:00",
         [("2026-01-12 early", "01-12 06:00", "01-12 14:00")]),
        ({"kind": "shift", "every": "shift", "shift": "night"}, None, "2026-01-12T15:00+01:00",
         [("2026-01-11 night", "01-11 22:00", "01-12 06:00")]),
        ({"kind": "shift", "every": "shift"}, "2026-01-11T22:00+01:00", "2026-01-12T15:00+01:00",
         [("2026-01-11 night", "01-11 22:00", "01-12 06:00"),
          ("2026-01-12 early", "01-12 06:00", "01-12 14:00")]),
    ],
)  # fmt: skip
def test_due_periods(raw: dict[str, Any], after: str | None, now: str, expected: list[Any]) -> None:
    schedule = _schedule(**raw)
    found = due_periods(schedule, BERLIN, _shifts(), _t(after) if after else None, _t(now))
    assert _local(found) == expected


def test_a_daylight_saving_day_has_23_hours() -> None:
    ((label, lo, hi),) = due_periods(
        _schedule(**DAILY), BERLIN, [], None, _t("2026-03-30T12:00+02:00")
    )
    assert label == "2026-03-29" and (hi - lo) == 23 * 3600 * NS_PER_S


def _scheduler(
    service: ReportService, config: PlantConfig, *raw: dict[str, Any]
) -> ReportScheduler:
    return ReportScheduler(service, plant_schedules(config, list(raw)), config.base_dir, _shifts())


def test_missed_periods_run_at_the_next_start_exactly_once(
    config: PlantConfig, tmp_path: Path
) -> None:
    raw = {**DAILY, "name": "daily", "formats": ["pdf", "csv"], "folder": "out"}
    clock = FakeClock(END - DAY + 2 * HOUR)  # Sunday 02:00: Saturday is complete
    with ReportService.open(config, clock=clock) as service:
        first = _scheduler(service, config, raw).run_due()
        assert [(r.label, len(r.files), r.error) for r in first] == [("2026-01-10", 2, "")]
        assert _scheduler(service, config, raw).run_due() == []
    clock.advance(3 * 86_400)  # the application was closed for three days
    with ReportService.open(config, clock=clock) as service:
        missed = _scheduler(service, config, raw).run_due()
        assert [r.label for r in missed] == ["2026-01-11", "2026-01-12", "2026-01-13"]
        assert _scheduler(service, config, raw).run_due() == []
    with ReportService.open(config, clock=clock) as service:
        assert _scheduler(service, config, raw).run_due() == []
        for run in first + missed:
            for path in run.files:
                assert service.verify(path.read_bytes()).ok
    names = sorted(p.name for p in (config.base_dir / "out").iterdir())
    assert names == sorted(
        f"daily_2026-01-{d}.{f}" for d in (10, 11, 12, 13) for f in ("pdf", "csv")
    )


def test_changed_settings_start_the_schedule_afresh(config: PlantConfig) -> None:
    clock = FakeClock(END + 2 * HOUR)
    with ReportService.open(config, clock=clock) as service:
        assert len(_scheduler(service, config, DAILY).run_due()) == 1
        clock.advance(2 * 86_400)
        changed = {**DAILY, "formats": ["csv"]}
        assert [r.label for r in _scheduler(service, config, changed).run_due()] == ["2026-01-13"]


def test_scheduled_reports_are_emailed(config: PlantConfig) -> None:
    clock = FakeClock(END + 2 * HOUR)
    with smtp_server() as (inbox, port), ReportService.open(config, clock=clock) as service:
        target = {"host": "127.0.0.1", "port": port, "starttls": False,
                  "from": "controldeck@example.com", "to": ["sue@example.com"]}  # fmt: skip
        raw = {"kind": "alarms", "every": "week", "formats": ["pdf", "csv"], "email": target}
        (run,) = _scheduler(service, config, raw).run_due()
        assert run.emailed and not run.error
        assert inbox.received.wait(10)
    (envelope,) = inbox.messages
    assert envelope.rcpt_tos == ["sue@example.com"]
    message = email.message_from_bytes(envelope.content)  # type: ignore[arg-type]
    assert message["Subject"] == "[Report test plant] Alarm-management report 2026-W02"
    attached = {
        part.get_filename(): part.get_payload(decode=True)
        for part in message.walk()
        if part.get_filename()
    }
    assert set(attached) == {"alarms-week_2026-W02.pdf", "alarms-week_2026-W02.csv"}
    assert attached["alarms-week_2026-W02.pdf"] == run.files[0].read_bytes()


def test_mail_failure_keeps_the_files_and_does_not_repeat(config: PlantConfig) -> None:
    clock = FakeClock(END + 2 * HOUR)
    target = {"host": "127.0.0.1", "port": free_port(), "starttls": False, "timeout_s": 2,
              "from": "controldeck@example.com", "to": ["sue@example.com"]}  # fmt: skip
    with ReportService.open(config, clock=clock) as service:
        (run,) = _scheduler(service, config, {**DAILY, "email": target}).run_due()
        assert run.error.startswith("e-mail failed") and run.files and run.files[0].exists()
        assert _scheduler(service, config, {**DAILY, "email": target}).run_due() == []


def test_a_failing_period_is_tried_again(config: PlantConfig) -> None:
    clock = FakeClock(END + 2 * HOUR)
    blocker = config.base_dir / "blocked"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    raw = {**DAILY, "folder": "blocked"}
    with ReportService.open(config, clock=clock) as service:
        (run,) = _scheduler(service, config, raw).run_due()
        assert run.error and not run.files
        blocker.unlink()
        (again,) = _scheduler(service, config, raw).run_due()
        assert again.label == run.label and not again.error and again.files


def test_plant_schedules_read_the_config_passthrough(config: PlantConfig) -> None:
    wired = config.model_copy(update={"reports": [DAILY]})
    assert [s.key for s in plant_schedules(wired)] == ["energy-day"]
    assert plant_schedules(config) == []
