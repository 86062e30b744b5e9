"""A simulated week of plant data for the report tests, produced by the real subsystems.

Samples: one per minute for seven days (Monday 2026-01-05 00:00 Europe/Berlin to the next
Monday, inclusive at both ends) from deterministic profiles built on the simulator's daily and
weekly load shape, written through :func:`core.importer.import_csv`. Alarm journal rows come
from the real :class:`~core.alarms.engine.AlarmEngine` (with the store's SQL journal, tickets
and the real permission checks) fed with the same samples hour by hour; operators acknowledge,
comment and shelve through it. Audit rows come from the real security services: the first
administrator, users, logins and logouts, and an ``acknowledge`` row per acknowledgement.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.alarms.actions import ALL_VISIBLE
from core.alarms.config import parse_alarm_sections
from core.alarms.system import AlarmSystem, build_alarm_system
from core.config import PlantConfig, load_config
from core.importer import import_csv
from core.model import NS_PER_S, SampleBatch
from core.security.events import AuditAction, AuditEvent
from core.security.roles import Role
from core.security.service import SecurityServices
from core.store.historian import Historian
from drivers.simulator.signals import load_shape
from tests.core.security.conftest import FakeClock

S = NS_PER_S
MINUTE = 60 * S
HOUR = 3600 * S
DAY = 86_400 * S
START = 1_767_567_600 * S  # 2026-01-05T00:00:00+01:00 (Monday)
END = START + 7 * DAY
PASSWORD = "Tr0ub4dor&3-horse-staple"
MAC = "AA:BB:CC:DD:EE:01"
SERIAL = "SN-7781-XQ42"

PLANT_TOML = Path(__file__).with_name("week_plant.toml")

TAGS = {
    "meter1/power": ("meter1", "W"),
    "meter1/voltage": ("meter1", "V"),
    "boiler1/gas_kwh": ("boiler1", "kWh"),
    "press1/running": ("press1", ""),
    "press1/parts": ("press1", "pcs"),
    "press1/power": ("press1", "W"),
    "press1/motor_current": ("press1", "A"),
    "oven1/running": ("oven1", ""),
    "oven1/temperature": ("oven1", "°C"),
}


def _tag_toml() -> str:
    return "".join(
        f'\n[[tags]]\nname = "{name}"\ndevice = "{device}"\nunit = "{unit}"\n'
        for name, (device, unit) in TAGS.items()
    )


@dataclass
class Week:
    """The simulated week: arrays per tag (what was imported), and the plant file."""

    directory: Path
    series: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @property
    def plant_file(self) -> Path:
        return self.directory / "plant.toml"

    def config(self) -> PlantConfig:
        return load_config(self.plant_file)


def profiles() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every tag's timestamps and values (deterministic)."""
    ts = START + np.arange(7 * 1440 + 1, dtype=np.int64) * MINUTE
    t = ts / S
    local_hour = ((ts - START) % DAY) / HOUR
    weekday = (ts - START) // DAY  # 0 = Monday
    rng = np.random.default_rng(20260105)
    load = load_shape(t, 3600.0)
    running = ((weekday < 5) & (local_hour >= 6) & (local_hour < 22)).astype(float)
    current = running * (12 + 4 * load) + rng.normal(0, 0.2, ts.size)
    for day, hour, minutes in ((1, 10.0, 5), (3, 14.0, 3), (4, 9.5, 4)):
        at = START + day * DAY + int(hour * HOUR)
        current[(ts >= at) & (ts < at + minutes * MINUTE)] = 21.5
    oven = 180 + 40 * running + rng.normal(0, 1.0, ts.size)
    spike = START + 2 * DAY + 3 * HOUR
    oven[(ts >= spike) & (ts < spike + 6 * MINUTE)] = 262.0
    parts = np.cumsum(np.concatenate([[0.0], 2.0 * running[1:]])) + 5000.0
    reset = START + 2 * DAY + 12 * HOUR
    parts = np.where(ts >= reset, parts - parts[ts == reset][0] + 0.0, parts)
    gas = 120_000 + np.cumsum(np.concatenate([[0.0], (0.5 + load[1:]) * 50 / 60]))
    out = {
        "meter1/power": (ts, 20_000 + 40_000 * load + rng.normal(0, 300, ts.size)),
        "boiler1/gas_kwh": (ts, gas),
        "press1/running": (ts, running),
        "press1/parts": (ts, parts),
        "press1/power": (ts, running * (8000 + 2000 * load) + 300),
        "press1/motor_current": (ts, current),
        "oven1/running": (ts, running),
        "oven1/temperature": (ts, oven),
    }
    gap_start, gap_end = START + 3 * DAY, START + 3 * DAY + 6 * HOUR
    keep = (ts < gap_start) | (ts >= gap_end)
    out["meter1/voltage"] = (ts[keep], 230 + rng.normal(0, 0.8, int(keep.sum())))
    return out


def write_csv(path: Path, series: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["tag", "timestamp", "value"])
        for name, (ts, values) in series.items():
            writer.writerows(
                zip([name] * ts.size, (ts // S).tolist(), values.tolist(), strict=True)
            )


def build_week(directory: Path) -> Week:
    """Write the plant file, import the week, run alarms and security actions over it."""
    week = Week(directory)
    week.plant_file.write_text(
        PLANT_TOML.read_text(encoding="utf-8") + _tag_toml(), encoding="utf-8"
    )
    week.series = profiles()
    write_csv(directory / "week.csv", week.series)
    config = week.config()
    clock = FakeClock(START - HOUR)
    historian = Historian.open(config)
    try:
        result = import_csv(historian, directory / "week.csv")
        assert result.rejected == 0, result.reasons
        services = SecurityServices.open(config, historian.engine, clock=clock)
        _people(services)
        services.identities.register(MAC, "oven1")
        services.identities.register(SERIAL, "press1")
        system = build_alarm_system(
            parse_alarm_sections(
                config.alarms, config.notifications, config.maintenance, config.source
            ),
            historian.engine,
            historian.registry.resolve,
            services.alarm_permissions(),
            clock=clock,
        )
        _run_alarms(system, historian, services, week.series, clock)
        system.stop()
    finally:
        historian.close()
    return week


def _people(services: SecurityServices) -> None:
    admin = services.admin.create_first_administrator("ada", PASSWORD, full_name="Ada Admin")
    for name, role, full in (
        ("olaf", Role.OPERATOR, "Olaf Operator"),
        ("sue", Role.SUPERVISOR, "Sue Visor"),
        ("mia", Role.MAINTENANCE, "Mia Maintenance"),
    ):
        services.admin.add_user(admin, name, PASSWORD, frozenset({role}), full_name=full)


def _run_alarms(
    system: AlarmSystem,
    historian: Historian,
    services: SecurityServices,
    series: dict[str, tuple[np.ndarray, np.ndarray]],
    clock: FakeClock,
) -> None:
    resolve = historian.registry.resolve
    session = None
    for hour in range(7 * 24):
        lo, hi = START + hour * HOUR, START + (hour + 1) * HOUR
        clock.now = lo
        local_hour, weekday = hour % 24, hour // 24
        if weekday < 5 and local_hour == 6:
            session = services.auth.login("olaf", PASSWORD, services.station)
        if session is not None and local_hour == 22:
            services.auth.logout(session.id)
            session = None
        if session is not None:
            _acknowledge(system, services, lo)
        ids, ts, values = [], [], []
        for name, (t, v) in series.items():
            pick = (t >= lo) & (t < hi)
            ids += [resolve(name)] * int(pick.sum())
            ts.append(t[pick])
            values.append(v[pick])
        batch = SampleBatch.from_columns(
            ids, np.concatenate(ts), np.concatenate(values), np.zeros(len(ids))
        )
        system.engine.evaluate(batch, hi)
        system.engine.tick(hi)
        _special(system, services, hour, clock)


def _acknowledge(system: AlarmSystem, services: SecurityServices, now: int) -> None:
    done = system.engine.acknowledge(ALL_VISIBLE, "olaf", "seen")
    for t in done:
        services.audit.append(
            AuditEvent(AuditAction.ACKNOWLEDGE, "olaf", services.station, target=t.alarm,
                       role="operator", detail="acknowledged from the alarm list")
        )  # fmt: skip


def _special(system: AlarmSystem, services: SecurityServices, hour: int, clock: FakeClock) -> None:
    engine = system.engine
    if hour == 2 * 24 + 10:
        clock.now = START + hour * HOUR + 30 * MINUTE
        engine.comment("oven1/temperature:high", "olaf", f"oven probe {MAC} checked, reading ok")
        ticket = system.tickets.tickets()[-1]
        system.tickets.advance(ticket.id, "in_progress", "mia", f"bearing check, part {SERIAL}")
    if hour == 6 * 24 + 20:
        clock.now = START + hour * HOUR + 30 * MINUTE
        engine.shelve("meter1/power:high", 8 * 3600, "demand test on Monday", "olaf")
