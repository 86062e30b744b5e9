"""Energy totals benchmark: ``python -m bench.energy_bench [--devices 100] [--days 30]``.

Each device is a 1 Hz active-power series (a daily load cycle, noise and a few one-minute
outages) over ``--days`` days. Per device the energy service computes daily and hourly totals
(trapezoids, gaps, DST-correct periods in Europe/Berlin, CO2e) from in-memory samples; a
second daily run shows the cache. Reported: time per device (mean and worst), integrated
samples per second, and the cached rerun time. Data generation is not timed.
"""

from __future__ import annotations

import argparse
import logging
import time

import numpy as np

from bench.common import Row, print_table, record, timer
from core.analytics.energy import ArraySource, EnergyService, Samples, load_table
from core.config import AreaConfig, DeviceConfig, PlantConfig, PlantSection
from core.model import NS_PER_S
from core.tags import TagInfo
from core.timefmt import parse_time

log = logging.getLogger(__name__)

START = parse_time("2026-10-01T00:00:00+02:00")  # the window crosses the October DST change


def power_series(device: int, days: int) -> Samples:
    """1 Hz power in W of one device, with three one-minute outages a day."""
    rng = np.random.default_rng(device)
    n = days * 86_400
    ts = START + np.arange(n, dtype=np.int64) * NS_PER_S
    hours = (np.arange(n) / 3600.0) % 24
    base = 1500.0 + 1000.0 * np.clip(np.sin((hours - 6) / 16 * np.pi), 0, None)
    power = base * (1 + 0.02 * rng.standard_normal(n))
    keep = np.ones(n, dtype=bool)
    for start in rng.integers(0, n - 60, 3 * days):
        keep[start : start + 60] = False
    return Samples(ts[keep], power[keep], np.zeros(int(keep.sum()), np.uint8))


def plant() -> PlantConfig:
    return PlantConfig(
        plant=PlantSection(name="bench", timezone="Europe/Berlin"),
        sites=[{"name": "site", "region": "DE"}],
        areas=[AreaConfig(name="hall", site="site")],
        devices=[DeviceConfig(name="dev", area="hall")],
    )


def one_device(device: int, days: int) -> tuple[float, float, float, int]:
    """(daily+hourly seconds, cached daily seconds, kWh, samples) of one device."""
    data = power_series(device, days)
    tag = TagInfo(1, "dev/active_power", "dev", "W")
    service = EnergyService(plant(), ArraySource({tag.name: data}), [tag])
    end = START + days * 86_400 * NS_PER_S
    with timer() as elapsed:
        daily = service.report(START, end, "day")
        service.report(START, end, "hour")
    cold = elapsed()
    with timer() as elapsed:
        service.report(START, end, "day")
    cached = elapsed()
    kwh = daily.meters[0].kwh or 0.0
    return cold, cached, kwh, int(data.ts_ns.size)


def run(devices: int, days: int) -> list[Row]:
    """Time every device; the table rows."""
    cold, cached, samples = [], [], 0
    load_table()  # the factor table and the unit registry are built once per process
    started = time.perf_counter()
    for device in range(devices):
        seconds, rerun, kwh, n = one_device(device, days)
        cold.append(seconds)
        cached.append(rerun)
        samples += n
        log.info("device %d: %.3f s, %.1f kWh", device, seconds, kwh)
    wall = time.perf_counter() - started
    total = float(np.sum(cold))
    return [
        Row(f"energy: {devices} devices x {days} d of 1 Hz, total", total, "s"),
        Row("energy: time per device (daily + hourly)", total / devices * 1000, "ms"),
        Row("energy: worst device", max(cold) * 1000, "ms"),
        Row("energy: samples integrated per second", samples / total, "samples/s"),
        Row("energy: cached daily rerun per device", float(np.mean(cached)) * 1000, "ms"),
        Row("energy: wall time incl. data generation", wall, "s"),
    ]


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args(argv)
    rows = run(args.devices, args.days)
    print_table("Energy totals", rows)
    record("energy", rows)
    return rows


if __name__ == "__main__":
    main()
