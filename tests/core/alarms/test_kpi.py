"""Alarm KPIs against a hand-computed journal (the arithmetic is written next to each number)."""

from __future__ import annotations

import pytest

from core.alarms.journal import JournalEntry
from core.alarms.kpi import GUIDELINE_PCT, compute_kpis, kpi_breakdown

from .conftest import T0, S

AREA = {"A": "boiler", "B": "boiler", "S": "boiler"}
PRIORITY = {
    "A": "low",
    "B": "low",
    "S": "low",
    "L": "low",
    "C": "medium",
    "D": "high",
    "E": "critical",
}


def row(seconds: float, alarm: str, event: str, from_state: str, to_state: str) -> JournalEntry:
    area = AREA.get(alarm, "press")
    return JournalEntry(
        id=0,
        ts_ns=T0 + int(seconds * S),
        alarm=alarm,
        tag=alarm.lower(),
        event=event,
        from_state=from_state,
        to_state=to_state,
        value=1.0,
        priority=PRIORITY.get(alarm, "low"),
        area=area if not alarm.startswith("flood:") else "",
        position=area,
        user="",
        comment="",
        flood=False,
    )


F = [f"F{i:02d}" for i in range(1, 12)]  # eleven alarms of the flood
JOURNAL = [
    # before the period: S stands since 25 h ago, L since 2 h ago
    row(-90_000, "S", "activate", "normal", "unack"),
    row(-7_200, "L", "activate", "normal", "unack"),
    # 10-minute bucket 0 (0-600 s): A chatters (10, 30, 50 s), B once
    row(10, "A", "activate", "normal", "unack"),
    row(12, "A", "clear", "unack", "rtn_unack"),  # fleeting: 2 s
    row(30, "A", "activate", "rtn_unack", "unack"),
    row(40, "A", "clear", "unack", "rtn_unack"),  # 10 s: not fleeting
    row(50, "A", "activate", "rtn_unack", "unack"),
    row(70, "A", "ack", "unack", "acked"),  # response 70 - 50 = 20 s
    row(100, "B", "activate", "normal", "unack"),
    row(160, "B", "ack", "unack", "acked"),  # response 60 s
    # bucket 1 (600-1200 s): a flood, 11 F alarms + C = 12 > 10
    *[row(600 + 10 * (i + 1), name, "activate", "normal", "unack") for i, name in enumerate(F)],
    row(710, "flood:press", "flood_start", "normal", "normal"),  # marker: not an alarm
    row(720, "C", "activate", "normal", "unack"),
    row(723, "C", "clear", "unack", "rtn_unack"),  # fleeting: 3 s
    row(780, "C", "ack", "rtn_unack", "normal"),  # response 60 s
    row(1000, "B", "clear", "acked", "normal"),
    # bucket 2 (1200-1800 s)
    row(1300, "D", "activate", "normal", "unack"),
    row(1420, "D", "ack", "unack", "acked"),  # response 120 s
    row(1790, "L", "clear", "unack", "rtn_unack"),  # L stood 8,990 s: not stale
    # bucket 3 (1800-2400 s)
    row(2000, "E", "activate", "normal", "unack"),  # never acknowledged
    row(2100, "B", "activate", "normal", "unack"),
    row(2130, "B", "ack", "unack", "acked"),  # response 30 s
    # bucket 4 (2400-3000 s): a shelve and an out-of-service
    row(2500, "F01", "shelve", "unack", "shelved"),
    row(2600, "F02", "remove_from_service", "unack", "out_of_service"),
    row(3000, "A", "refused", "acked", "acked"),
    # after the period: ignored
    row(3700, "A", "activate", "acked", "unack"),
]
START, END = T0, T0 + 3600 * S


def test_plant_kpis_match_the_hand_computation() -> None:
    k = compute_kpis(JOURNAL, START, END)
    # alarms = A 3 + B 2 + F 11 + C 1 + D 1 + E 1 = 19 (S and L began before the period)
    assert k.total_alarms == 19
    assert k.avg_per_hour == pytest.approx(19.0)  # 19 alarms / 1 h
    assert k.avg_per_10min == pytest.approx(19 / 6)  # 19 / six 10-minute periods = 3.1667
    # buckets: [4, 12, 1, 2, 0, 0] -> max 12, one of six in flood = 16.67 %
    assert (k.periods_10min, k.max_per_10min, k.flood_periods) == (6, 12, 1)
    assert k.flood_pct == pytest.approx(100 / 6)
    assert k.chattering == ["A"]  # 10, 30, 50 s: three within 40 s <= 60 s
    assert (k.fleeting, k.fleeting_count) == (["A", "C"], 2)  # 2 s and 3 s < 5 s
    assert k.stale == ["S"]  # active from -90,000 s to the end: 93,600 s > 86,400 s
    # bad actors: A 3, B 2, then the 1-counters by name: C D E F01 F02 F03 F04 F05
    assert [(a.alarm, a.count) for a in k.bad_actors] == [
        ("A", 3), ("B", 2), ("C", 1), ("D", 1), ("E", 1),
        ("F01", 1), ("F02", 1), ("F03", 1), ("F04", 1), ("F05", 1),
    ]  # fmt: skip
    assert k.bad_actors[0].share_pct == pytest.approx(100 * 3 / 19)  # 15.79 %
    assert k.top10_share_pct == pytest.approx(100 * 13 / 19)  # 3 + 2 + 8 x 1 = 13 -> 68.42 %
    # priorities: low = A 3 + B 2 + F 11 = 16, medium C 1, high D 1, critical E 1
    assert k.priority_counts == {"critical": 1, "high": 1, "low": 16, "medium": 1}
    assert k.priority_pct["low"] == pytest.approx(100 * 16 / 19)  # 84.21 %
    assert k.priority_groups_pct == pytest.approx(
        {"low": 100 * 16 / 19, "medium": 100 / 19, "high": 100 * 2 / 19}  # high includes critical
    )
    assert k.guideline_pct == GUIDELINE_PCT == {"low": 80.0, "medium": 15.0, "high": 5.0}
    assert (k.shelve_count, k.shelved_at_end) == (1, 1)  # F01
    assert (k.out_of_service_count, k.out_of_service_at_end) == (1, 1)  # F02
    # responses 20, 60, 60, 120, 30 s -> sorted 20 30 60 60 120: mean 290 / 5 = 58,
    # p50 = rank ceil(2.5) = 3rd = 60, p90 = rank ceil(4.5) = 5th = 120
    r = k.response
    assert (r.count, r.mean_s, r.p50_s, r.p90_s) == (5, 58.0, 60.0, 120.0)
    # unacknowledged: A's first two, F01..F11 (11), E -> 14 = 19 - 5
    assert r.unacknowledged == 14
    assert k.scope == "plant"


def test_area_breakdown() -> None:
    by_area = kpi_breakdown(JOURNAL, START, END, by="area")
    assert sorted(by_area) == ["boiler", "press"]
    boiler, press = by_area["boiler"], by_area["press"]
    assert (boiler.total_alarms, press.total_alarms) == (5, 14)  # A 3 + B 2 | F 11 + C + D + E
    assert (boiler.max_per_10min, boiler.flood_periods) == (4, 0)  # bucket 0: A 3 + B 1
    assert (press.max_per_10min, press.flood_periods) == (12, 1)
    assert (boiler.stale, press.stale) == (["S"], [])
    assert (boiler.fleeting, press.fleeting) == (["A"], ["C"])
    assert boiler.response.mean_s == pytest.approx((20 + 60 + 30) / 3)  # A 20, B 60, B 30
    assert boiler.scope == "area=boiler"
    by_position = kpi_breakdown(JOURNAL, START, END, by="position")
    assert by_position["press"].total_alarms == 14


def test_options_and_empty_periods() -> None:
    k = compute_kpis(JOURNAL, START, END, fleeting_s=11, chatter_count=4)
    assert k.fleeting == ["A", "C"] and k.fleeting_count == 3  # now A's 10-s run counts too
    assert k.chattering == []
    empty = compute_kpis([], START, START + 1800 * S)
    assert (empty.total_alarms, empty.periods_10min, empty.top10_share_pct) == (0, 3, 0.0)
    assert empty.response.mean_s is None
    with pytest.raises(ValueError):
        compute_kpis([], START, START)
