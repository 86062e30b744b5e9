"""Parsing of [[alarms]], [[notifications]] and [maintenance], and the errors it reports."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.alarms.conditions import ConditionSyntaxError, SuppressionCondition, parse_condition
from core.alarms.config import AlarmConfigError, AlarmType, parse_alarm_sections
from core.alarms.priority import Priority
from core.config import ConfigError

from .conftest import T0

PLANT = """
[[alarms]]
tag = "boiler/temperature"
type = "high_high"
setpoint = 95.0
deadband = 2.0
on_delay_s = 5
priority = "critical"
area = "boiler"
message = "Boiler temperature very high"
cause = "Burner control fault"
consequence = "Safety valve opens"
corrective_action = "Reduce firing rate"
max_response_s = 120
class = "safety"
suppress_when = "not running"
vars = { running = "boiler/running" }

[[alarms]]
tag = "pump1/flow"
type = "low"
limit = 2.5
suppress_when = 'tag("pump1/running") < 0.5'

[[alarms]]
tag = "line/speed"
type = "deviation"
setpoint_tag = "line/speed_sp"
limit = 5

[[alarms]]
tag = "motor1/tripped"
type = "discrete"
state = true
name = "motor1 trip"

[[alarms]]
tag = "tank/level"
type = "rate_of_change"
limit = 3
rate_per = "minute"

[[alarms]]
tag = "meter1/power"
type = "stale"
stale_s = 30

[[alarms]]
tag = "meter1/power"
type = "bad_quality"
priority = "low"

[[notifications]]
name = "shift"
min_priority = "high"
areas = ["boiler"]
events = ["activate", "escalate"]
schedule = { days = ["mon", "tue"], start = "06:00", end = "22:00", timezone = "Europe/Berlin" }
email = { host = "127.0.0.1", port = 2525, from = "scada@plant", to = ["shift@plant"], username = "scada", password_env = "SMTP_PASSWORD" }

[[notifications]]
webhook = { url = "http://127.0.0.1:9/hook" }

[maintenance]
auto_ticket_priority = "high"
"""


def parse(text: str) -> Any:
    data = tomllib.loads(text)
    return parse_alarm_sections(
        data.get("alarms", []),
        data.get("notifications", []),
        data.get("maintenance", {}),
        "plant.toml",
    )


def test_full_plant_sections_parse() -> None:
    config = parse(PLANT)
    names = [d.alarm_name for d in config.alarms]
    assert names == [
        "boiler/temperature:high_high",
        "pump1/flow:low",
        "line/speed:deviation",
        "motor1 trip",
        "tank/level:rate_of_change",
        "meter1/power:stale",
        "meter1/power:bad_quality",
    ]
    boiler = config.alarms[0]
    assert boiler.threshold == 95.0 and boiler.priority is Priority.CRITICAL
    assert boiler.alarm_class == "safety" and boiler.operator_position == "boiler"
    assert config.alarms[3].state == 1.0 and config.alarms[3].type is AlarmType.DISCRETE
    shift, hook = config.notifications
    assert (
        shift.channel == "email" and shift.email is not None and shift.email.sender == "scada@plant"
    )
    assert hook.channel == "webhook" and hook.events == ["activate"]
    assert config.maintenance.auto_ticket_priority is Priority.HIGH


BASE = {"tag": "a/b", "type": "high", "limit": 1.0}
MISSING = "<missing>"


@pytest.mark.parametrize(
    ("alarms", "key", "value"),
    [
        ([BASE, {**BASE, "tag": "c", "priority": "urgent"}], "alarms[1].priority", "urgent"),
        ([{**BASE, "limit": None}], "alarms[0].limit", None),
        ([{"tag": "a", "type": "sideways"}], "alarms[0].type", "sideways"),
        ([{**BASE, "deadband": -1}], "alarms[0].deadband", -1),
        ([{**BASE, "colour": "red"}], "alarms[0].colour", "red"),
        ([{**BASE, "setpoint": 2.0}], "alarms[0].setpoint", 2.0),
        ([{"tag": "a", "type": "deviation", "limit": 1}], "alarms[0].setpoint_tag", MISSING),
        ([{"tag": "a", "type": "discrete"}], "alarms[0].state", MISSING),
        ([{"tag": "a", "type": "stale"}], "alarms[0].stale_s", MISSING),
        ([{"tag": "a", "type": "stale", "stale_s": 5, "limit": 3}], "alarms[0].limit", 3),
        (
            [{**BASE, "suppress_when": "__import__('os')"}],
            "alarms[0].suppress_when",
            "__import__('os')",
        ),
        ([{**BASE, "suppress_when": "pump_on"}], "alarms[0].suppress_when", "pump_on"),
        ([{**BASE, "suppress_when": "x ="}], "alarms[0].suppress_when", "x ="),
        ([BASE, BASE], "alarms[1].type", "high"),
        ([{**BASE, "on_delay_s": "soon"}], "alarms[0].on_delay_s", "soon"),
    ],
)
def test_alarm_errors_name_file_key_and_value(
    alarms: list[dict[str, Any]], key: str, value: object
) -> None:
    with pytest.raises(AlarmConfigError) as info:
        parse_alarm_sections(alarms, [], {}, "plant.toml")
    err = info.value
    assert isinstance(err, ConfigError)
    assert (err.file, err.key_path, err.value) == ("plant.toml", key, value)
    assert "plant.toml" in str(err) and key in str(err)


HOOK = {"webhook": {"url": "http://127.0.0.1/x"}}


@pytest.mark.parametrize(
    ("rules", "maintenance", "key"),
    [
        ([{**HOOK, "min_priority": "loud"}], {}, "notifications[0].min_priority"),
        ([{"areas": ["a"]}], {}, "notifications[0]"),
        ([HOOK, {"webhook": {"url": "ftp://x"}}], {}, "notifications[1].webhook.url"),
        ([{**HOOK, "schedule": {"start": "25:00"}}], {}, "notifications[0].schedule.start"),
        (
            [{**HOOK, "schedule": {"timezone": "Mars/Base"}}],
            {},
            "notifications[0].schedule.timezone",
        ),
        ([{**HOOK, "events": ["explode"]}], {}, "notifications[0].events[0]"),
        (
            [{"email": {"host": "h", "from": "a@b", "to": ["c@d"], "username": "u"}}],
            {},
            "notifications[0].email",
        ),
        ([], {"auto_ticket_priority": "whenever"}, "maintenance.auto_ticket_priority"),
    ],
)
def test_notification_and_maintenance_errors(
    rules: list[dict[str, Any]], maintenance: dict[str, Any], key: str
) -> None:
    with pytest.raises(AlarmConfigError) as info:
        parse_alarm_sections([], rules, maintenance, "plant.toml")
    assert info.value.key_path == key


@pytest.mark.parametrize(
    ("days", "start", "end", "offset_h", "inside"),
    [
        (["tue"], "06:00", "22:00", 12, False),  # T0 is Tuesday 22:13 UTC; +12 h = Wed 10:13
        (["wed"], "06:00", "22:00", 12, True),
        (["tue"], "06:00", "22:00", 0, False),  # Tuesday 22:13 is after 22:00
        (["tue"], "22:00", "06:00", 0, True),  # a night window wrapping midnight
        (["mon"], "00:00", "24:00", 0, False),
    ],
)
def test_schedule_window(
    days: list[str], start: str, end: str, offset_h: int, inside: bool
) -> None:
    rule = parse_alarm_sections(
        [], [{**HOOK, "schedule": {"days": days, "start": start, "end": end}}], {}, "p"
    ).notifications[0]
    assert rule.schedule is not None
    ts = T0 + offset_h * 3600 * 10**9
    assert rule.schedule.contains(ts) is inside


# ---------------------------------------------------------------- conditions


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("not running", {"p/run": 0.0}, True),
        ("not running", {"p/run": 1.0}, False),
        ('tag("line/mode") == 3 and running', {"line/mode": 3.0, "p/run": 1.0}, True),
        ('tag("line/mode") == 3 and running', {"line/mode": 2.0, "p/run": 1.0}, False),
        ("running > 0.5 or True", {}, False),  # a missing value never suppresses
        ("1 / (running - running) > 0", {"p/run": 1.0}, False),  # errors never suppress
    ],
)
def test_condition_evaluation(text: str, values: dict[str, float], expected: bool) -> None:
    parsed = parse_condition(text, {"running": "p/run"})
    assert SuppressionCondition(parsed, values.get).evaluate() is expected


def test_condition_collects_tags() -> None:
    parsed = parse_condition('a and tag("x/y") > 2', {"a": "p/a", "b": "p/b"})
    assert parsed.tag_names == {"p/a", "x/y"}


@pytest.mark.parametrize(
    "text",
    [
        "open('/etc/passwd')",
        "().__class__",
        "tag(name)",
        "tag('a', 'b')",
        "lambda: 1",
        "a; b",
        "",
        "x" * 3000,
        "-" * 1999 + "1",
        "1+" * 999 + "1",
    ],
)
def test_condition_rejects(text: str) -> None:
    with pytest.raises(ConditionSyntaxError):
        parse_condition(text, {"a": "t/a", "b": "t/b"})


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_condition_parser_never_crashes(text: str) -> None:
    try:
        parsed = parse_condition(text, {"a": "t/a"})
    except ConditionSyntaxError:
        return
    result = SuppressionCondition(parsed, lambda _name: 1.0).evaluate()
    assert isinstance(result, bool)
