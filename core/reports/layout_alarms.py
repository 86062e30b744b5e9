"""Sections of the alarm-management part of a report (EEMUA 191 / ISA-18.2)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from core.alarms.kpi import GUIDELINE_PCT, AlarmKpis
from core.reports.alarms import Activation, AlarmAtEnd, AlarmData
from core.reports.context import duration_text, short_local
from core.reports.model import Block, Cell, Chart, Section, Series, Text, table

log = logging.getLogger(__name__)

RATE = ".2f"
PCT = ".1f"
SECONDS = ",.0f"


def alarm_summary(k: AlarmKpis) -> list[tuple[str, str]]:
    """Key figures for the title page."""
    return [
        ("Annunciated alarms", str(k.total_alarms)),
        ("Alarms per 10 min (average)", format(k.avg_per_10min, RATE)),
        ("10-min periods in flood", f"{k.flood_pct:.1f} %"),
    ]


def kpi_block(k: AlarmKpis) -> Block:
    """The KPIs against the EEMUA 191 / ISA-18.2 guidance."""
    r = k.response
    rows: list[tuple[str, Cell, str]] = [
        ("Annunciated alarms", k.total_alarms, ""),
        ("Average alarms per hour", round(k.avg_per_hour, 2), "~6 acceptable, 12 max. manageable"),
        ("Average alarms per 10 minutes", round(k.avg_per_10min, 2), "~1 acceptable, 2 max."),
        ("Maximum alarms in 10 minutes", k.max_per_10min, "<= 10"),
        ("10-minute periods with > 10 alarms (%)", round(k.flood_pct, 2), "< ~1 %"),
        ("Top 10 alarms' share of all alarms (%)", round(k.top10_share_pct, 1), "~1-5 %"),
        ("Chattering alarms", len(k.chattering), "0"),
        ("Fleeting alarms (clear < 5 s)", k.fleeting_count, "0"),
        ("Stale alarms (active > 24 h)", len(k.stale), "< 5 on any day"),
        ("Shelve actions", k.shelve_count, ""),
        ("Shelved at period end", k.shelved_at_end, ""),
        ("Out of service at period end", k.out_of_service_at_end, ""),
        ("Acknowledged (count)", r.count, ""),
        ("Response time, median (s)", _round(r.p50_s), ""),
        ("Response time, 90th percentile (s)", _round(r.p90_s), ""),
        ("Not acknowledged by period end", r.unacknowledged, ""),
    ]
    return table(
        "alarm_kpis",
        "Alarm-system performance (EEMUA 191 / ISA-18.2)",
        ("kpi", "value", "guidance"),
        rows,
        ("", "g", ""),
        (3.0, 1.0, 2.4),
    )


def _round(value: float | None) -> Cell:
    return None if value is None else round(value, 1)


def priority_blocks(k: AlarmKpis) -> list[Block]:
    """Priority distribution against the 80/15/5 % guideline (table and grouped bars)."""
    groups = ("low", "medium", "high")
    actual = tuple(round(k.priority_groups_pct.get(g, 0.0), 1) for g in groups)
    guide = tuple(GUIDELINE_PCT[g] for g in groups)
    rows = [(p, k.priority_counts[p], k.priority_pct[p]) for p in k.priority_counts]
    return [
        table(
            "alarm_priorities", "Annunciated alarms per priority", ("priority", "alarms", "pct"),
            rows, ("", "d", PCT), (1.5, 1.0, 1.0),
        ),
        Chart(
            "bar", "Priority distribution (high includes critical)", groups,
            (Series("actual %", actual), Series("guideline %", guide)), "%",
        ),
    ]  # fmt: skip


def bad_actor_blocks(k: AlarmKpis) -> list[Block]:
    """The ten most frequent alarms."""
    if not k.bad_actors:
        return [Text("No alarm was annunciated in the period.")]
    rows = [(a.alarm, a.count, a.share_pct) for a in k.bad_actors]
    return [
        table(
            "alarm_bad_actors", "Bad actors (most frequent alarms)", ("alarm", "count", "share_pct"),
            rows, ("", "d", PCT), (3.0, 0.8, 0.8),
        ),
        Chart(
            "hbar", "Bad actors", tuple(a.alarm for a in k.bad_actors),
            (Series("activations", tuple(float(a.count) for a in k.bad_actors)),),
        ),
    ]  # fmt: skip


def rate_chart(data: AlarmData) -> Block:
    """Annunciated alarms per sub-period."""
    labels = tuple(label for label, _ in data.per_period)
    counts = tuple(float(n) for _, n in data.per_period)
    return Chart("line", "Annunciated alarms over the period", labels, (Series("alarms", counts),))


def at_end_block(
    key: str, title: str, rows: Sequence[AlarmAtEnd], end_ns: int, zone: ZoneInfo
) -> Block:
    """Alarms in some state at the period end, with since when, who and why."""
    if not rows:
        return Text(f"{title}: none.")
    cells = [
        (a.alarm, a.state, a.priority, a.area, short_local(a.since_ns, zone),
         duration_text((end_ns - a.since_ns) / 1e9), a.user, a.comment)
        for a in rows
    ]  # fmt: skip
    return table(
        key, title, ("alarm", "state", "priority", "area", "since_local", "for", "by", "comment"),
        cells, widths=(2.0, 0.8, 0.7, 0.9, 1.0, 0.9, 0.8, 1.6),
    )  # fmt: skip


def breakdown_block(by_area: dict[str, AlarmKpis]) -> Block:
    """KPIs per area."""
    rows = [
        (area or "(none)", k.total_alarms, k.avg_per_10min, k.max_per_10min, k.flood_pct)
        for area, k in by_area.items()
    ]
    return table(
        "alarm_kpis_by_area", "Alarm KPIs per area",
        ("area", "alarms", "avg_per_10min", "max_per_10min", "flood_pct"),
        rows, ("", "d", RATE, "d", PCT), (1.6, 0.8, 1.0, 1.0, 0.8),
    )  # fmt: skip


def activation_block(rows: Sequence[Activation], zone: ZoneInfo) -> Block:
    """Every annunciation of the period, with who acknowledged it and when it cleared."""
    if not rows:
        return Text("No alarm was annunciated in the period.")
    cells = [
        (short_local(a.ts_ns, zone), a.alarm, a.priority, a.area, a.value, a.acked_by,
         short_local(a.acked_ns, zone) if a.acked_ns else "",
         short_local(a.cleared_ns, zone) if a.cleared_ns else "")
        for a in rows
    ]  # fmt: skip
    return table(
        "alarm_activations", "Alarms annunciated in the period",
        ("time_local", "alarm", "priority", "area", "value", "acked_by", "acked_local",
         "cleared_local"),
        cells, ("", "", "", "", ".6g", "", "", ""), (1.0, 2.0, 0.7, 0.9, 0.7, 0.8, 1.0, 1.0),
    )  # fmt: skip


def alarm_sections(data: AlarmData, zone: ZoneInfo, with_list: bool) -> list[Section]:
    """The chapters of an alarm-management report (``with_list``: every activation too)."""
    k = data.kpis
    lists = [
        at_end_block("alarm_standing", "Standing and unacknowledged alarms at period end",
                     data.in_state("unack", "acked", "rtn_unack", "latched"), data.end_ns, zone),
        at_end_block("alarm_shelved", "Shelved alarms at period end", data.in_state("shelved"),
                     data.end_ns, zone),
        at_end_block("alarm_out_of_service", "Alarms out of service at period end",
                     data.in_state("out_of_service"), data.end_ns, zone),
    ]  # fmt: skip
    named = [
        Text("Chattering: " + (", ".join(k.chattering) or "none")),
        Text("Fleeting: " + (", ".join(k.fleeting) or "none")),
        Text("Stale (active > 24 h): " + (", ".join(k.stale) or "none")),
    ]
    out = [
        Section("Alarm management", (kpi_block(k), rate_chart(data), *named)),
        Section("Priority distribution", tuple(priority_blocks(k)), 1),
        Section("Bad actors", tuple(bad_actor_blocks(k)), 1),
        Section("Standing, shelved and out-of-service alarms", tuple(lists), 1),
        Section("Per area", (breakdown_block(data.by_area),), 1),
    ]
    if with_list:
        out.append(Section("Alarm list", (activation_block(data.activations, zone),), 1))
    return out
