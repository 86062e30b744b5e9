"""Energy from real Tasmota and Shelly payload sequences, decoded by ControlDeck's own MQTT
decoders, matches the devices' own counters within 1 %."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from core.analytics.energy import ArraySource, EnergyService, Samples
from core.config import PlantConfig, PlantSection
from core.model import NS_PER_S
from core.tags import TagInfo
from core.timefmt import parse_time
from drivers.mqtt.formats import get_format
from drivers.mqtt.formats.base import Subscription
from tests.core.analytics.energy.devices import Capture, shelly_gen1, shelly_plus, tasmota_plug

FORMATS = {"tasmota": {"timezone": "Europe/Berlin"}, "shelly": {}}


def decode(capture: Capture, fmt: str) -> tuple[ArraySource, list[TagInfo]]:
    """Decode every message; readings without a source time take the receive time (as ingest does)."""
    decoder = get_format(fmt)
    sub = Subscription(topic="#", format=fmt, options=FORMATS[fmt])
    series: dict[str, list[tuple[int, float]]] = defaultdict(list)
    units: dict[str, str] = {}
    for topic, payload, received in capture.messages:
        decoded = decoder.decode(topic, payload, sub, received)
        for reading in decoded.readings:
            if isinstance(reading.value, bool | int | float):
                series[reading.tag].append((reading.ts_ns or received, float(reading.value)))
        units.update({d.name: d.unit for d in decoded.declarations})
    data = {}
    for tag, points in series.items():
        ts = np.array([p[0] for p in points], dtype=np.int64)
        data[tag] = Samples(ts, np.array([p[1] for p in points]), np.zeros(ts.size, np.uint8))
    tags = [
        TagInfo(i + 1, name, name.split("/")[0], units.get(name, ""))
        for i, name in enumerate(sorted(data))
    ]
    return ArraySource(data), tags


def energy(capture: Capture, fmt: str):
    source, tags = decode(capture, fmt)
    config = PlantConfig(plant=PlantSection(name="lab", timezone="Europe/Berlin"))
    service = EnergyService(config, source, tags)
    start = parse_time("2026-05-04T07:55:00Z")
    report = service.report(start, start + 4200 * NS_PER_S, "hour", [capture.device])
    return report.meters[0]


@pytest.mark.parametrize(
    ("capture", "fmt"),
    [(tasmota_plug(), "tasmota"), (shelly_plus(), "shelly"), (shelly_gen1(), "shelly")],
    ids=["tasmota", "shelly-gen2", "shelly-gen1-reboot"],
)
def test_power_integration_matches_the_device_counter(capture: Capture, fmt: str) -> None:
    meter = energy(capture, fmt)
    assert meter.method == "counter+power"
    assert meter.primary == "counter"
    # our counter reading equals what the device's own counter says, through its reboot
    assert meter.counter == pytest.approx(capture.counter_kwh, rel=1e-9)
    # the trapezoids of the power samples agree with the device's counter within 1 %
    assert meter.power_kwh == pytest.approx(capture.counter_kwh, rel=0.01)
    assert abs(meter.difference_pct) < 1.0
    # and both are close to what the device really measured
    assert meter.kwh == pytest.approx(capture.truth_kwh, rel=0.01)
    assert meter.gaps == [] or all(g.duration_s > 300 for g in meter.gaps)


def test_the_reboot_of_a_gen1_device_is_reported_as_a_counter_reset() -> None:
    meter = energy(shelly_gen1(), "shelly")
    assert [e.kind for e in meter.events] == ["reset"]
    assert meter.events[0].after < meter.events[0].before


@pytest.mark.parametrize(
    ("capture", "fmt", "expected"),
    [
        (tasmota_plug(), "tasmota", ("plug1/ENERGY.Power", "plug1/ENERGY.Total")),
        (
            shelly_plus(),
            "shelly",
            (
                "shellyplus1pm-441793d69718/switch:0.apower",
                "shellyplus1pm-441793d69718/switch:0.aenergy.total",
            ),
        ),
        (
            shelly_gen1(),
            "shelly",
            ("shelly1pm-84CCA8A11111/relay[0].power", "shelly1pm-84CCA8A11111/relay[0].energy"),
        ),
    ],
    ids=["tasmota", "shelly-gen2", "shelly-gen1"],
)
def test_meters_are_discovered_from_the_decoded_tags(capture, fmt, expected) -> None:
    source, tags = decode(capture, fmt)
    service = EnergyService(PlantConfig(), source, tags)
    (meter,) = service.meters
    assert (meter.power_tags[0].name, meter.counter_tags[0].name) == expected
    assert len(meter.power_tags) == len(meter.counter_tags) == 1
