"""A device is counted once: discovery on the real tag sets of the shipped register profiles and
of payloads decoded by ControlDeck's own MQTT decoders.

Each case names the one counter family that represents the device total and the power tags
integrated beside it; per-phase registers are never added to a device total, and export,
import + export, net and daily counters are never consumption.
"""

from __future__ import annotations

import pytest

from core.analytics.energy import discover
from core.analytics.energy.discovery import is_phase
from core.tags import TagInfo
from drivers.modbus.profile import load_profile
from drivers.mqtt.formats import get_format
from drivers.mqtt.formats.base import Subscription
from tests.drivers.mqtt.formats.test_shelly import EM_EVENT, EMDATA_EVENT, PLUS1PM_SWITCH
from tests.drivers.mqtt.formats.test_tasmota import PLUG_SENSOR, SHELLY25_SENSOR


def device_tags(device: str, *points: tuple[str, ...]) -> list[TagInfo]:
    """Tags ``<device>/<name>`` numbered from 1, one per ``(name, unit[, description])``."""
    return [
        TagInfo(i + 1, f"{device}/{name}", device, *rest) for i, (name, *rest) in enumerate(points)
    ]


def profile_tags(device: str, profile: str) -> list[TagInfo]:
    """The tags a Modbus device with a shipped profile declares (name, unit, description)."""
    points = load_profile(profile).points
    return device_tags(device, *((p.name, p.unit, p.description) for p in points))


def mqtt_tags(fmt: str, messages: list[tuple[str, str]], **options: str) -> list[TagInfo]:
    """The tags (with declared units) of decoded messages, as the registry would hold them."""
    decoder = get_format(fmt)
    sub = Subscription(topic="#", format=fmt, options=options)
    units: dict[str, str] = {}
    names: set[str] = set()
    for topic, payload in messages:
        decoded = decoder.decode(topic, payload.encode(), sub, 0)
        names |= {r.tag for r in decoded.readings if isinstance(r.value, int | float)}
        units.update({d.name: d.unit for d in decoded.declarations})
    return [
        TagInfo(i + 1, name, name.split("/")[0], units.get(name, ""))
        for i, name in enumerate(sorted(names))
    ]


def gen1(device: str, *fields: tuple[str, str]) -> list[tuple[str, str]]:
    """Shelly Gen1 text topics ``shellies/<device>/<field>``."""
    return [(f"shellies/{device}/{field}", value) for field, value in fields]


PLUS2PM = (
    '{"src":"shellyplus2pm-a8032ab1","method":"NotifyStatus","params":{"ts":1700000000.1,'
    '"switch:0":{"id":0,"apower":12.5,"aenergy":{"total":1200.5,"by_minute":[1,2,3]},'
    '"ret_aenergy":{"total":3.5}},"switch:1":{"id":1,"apower":80.0,'
    '"aenergy":{"total":845.25,"by_minute":[4,5,6]},"ret_aenergy":{"total":0.0}}}}'
)
PRO_EM = (
    '{"src":"shellyproem50-08f9e0","method":"NotifyStatus","params":{"ts":1700000000.1,'
    '"em1:0":{"id":0,"act_power":230.1,"aprt_power":250.0,"current":1.1,"voltage":230.2},'
    '"em1:1":{"id":1,"act_power":15.0,"aprt_power":20.0,"current":0.1,"voltage":230.2},'
    '"em1data:0":{"id":0,"total_act_energy":5120.5,"total_act_ret_energy":0.0},'
    '"em1data:1":{"id":1,"total_act_energy":300.25,"total_act_ret_energy":12.0}}}'
)
EM1_FIELDS = ("power", "energy", "returned_energy", "total", "total_returned", "voltage")

CASES = [
    pytest.param(
        profile_tags("meter1", "sdm630"),
        ("meter1/total_power",),
        ("meter1/import_kwh",),
        id="modbus-sdm630",
    ),
    pytest.param(
        profile_tags("meter2", "sdm120"),
        ("meter2/active_power",),
        ("meter2/import_kwh",),
        id="modbus-sdm120",
    ),
    pytest.param(
        profile_tags("drive1", "generic_vfd"),
        ("drive1/output_power",),
        ("drive1/energy_kwh",),
        id="modbus-vfd",
    ),
    pytest.param(
        profile_tags("meter1", "sdm630")[:-12],  # a profile trimmed to the phase registers
        ("meter1/total_power",),
        ("meter1/import_kwh",),
        id="modbus-sdm630-without-phase-registers",
    ),
    pytest.param(
        device_tags(
            "m3",
            *((f"power_l{n}", "W") for n in (1, 2, 3)),
            *((f"import_kwh_l{n}", "kWh") for n in (1, 2, 3)),
            ("total_kwh", "kWh", "Total active energy (import + export)"),
        ),
        ("m3/power_l1", "m3/power_l2", "m3/power_l3"),
        ("m3/import_kwh_l1", "m3/import_kwh_l2", "m3/import_kwh_l3"),
        id="modbus-phases-only",
    ),
    pytest.param(
        device_tags("m4", ("power", "kW"), ("total_kwh", "kWh"), ("net_kwh", "kWh")),
        ("m4/power",),
        ("m4/total_kwh",),
        id="generic-total-without-export",
    ),
    pytest.param(
        device_tags("m5", ("power", "kW"), ("total_kwh", "kWh"), ("export_kwh", "kWh")),
        ("m5/power",),
        (),
        id="generic-total-with-export-is-not-consumption",
    ),
    pytest.param(
        mqtt_tags("tasmota", [("tele/plug1/SENSOR", PLUG_SENSOR)], timezone="UTC"),
        ("plug1/ENERGY.Power",),
        ("plug1/ENERGY.Total",),
        id="tasmota-plug",
    ),
    pytest.param(
        mqtt_tags("tasmota", [("tele/shelly25/SENSOR", SHELLY25_SENSOR)], timezone="UTC"),
        ("shelly25/ENERGY.Power[0]", "shelly25/ENERGY.Power[1]"),
        ("shelly25/ENERGY.Total",),
        id="tasmota-two-channels",
    ),
    pytest.param(
        mqtt_tags("shelly", [("shellies/plus1pm/status/switch:0", PLUS1PM_SWITCH)]),
        ("plus1pm/switch:0.apower",),
        ("plus1pm/switch:0.aenergy.total",),
        id="shelly-plus1pm",
    ),
    pytest.param(
        mqtt_tags("shelly", [("shellyplus2pm-a8032ab1/events/rpc", PLUS2PM)]),
        ("shellyplus2pm-a8032ab1/switch:0.apower", "shellyplus2pm-a8032ab1/switch:1.apower"),
        (
            "shellyplus2pm-a8032ab1/switch:0.aenergy.total",
            "shellyplus2pm-a8032ab1/switch:1.aenergy.total",
        ),
        id="shelly-plus2pm-channels",
    ),
    pytest.param(
        mqtt_tags("shelly", [("pro3em/events/rpc", EM_EVENT), ("pro3em/events/rpc", EMDATA_EVENT)]),
        ("pro3em/em:0.total_act_power",),
        ("pro3em/emdata:0.total_act",),
        id="shelly-pro3em",
    ),
    pytest.param(
        mqtt_tags("shelly", [("pro3em/events/rpc", EMDATA_EVENT.replace('"total_act"', '"x"'))]),
        (),
        (
            "pro3em/emdata:0.a_total_act_energy",
            "pro3em/emdata:0.b_total_act_energy",
            "pro3em/emdata:0.c_total_act_energy",
        ),
        id="shelly-pro3em-phases-without-total",
    ),
    pytest.param(
        mqtt_tags("shelly", [("proem/events/rpc", PRO_EM)]),
        ("proem/em1:0.act_power", "proem/em1:1.act_power"),
        ("proem/em1data:0.total_act_energy", "proem/em1data:1.total_act_energy"),
        id="shelly-pro-em-channels",
    ),
    pytest.param(
        mqtt_tags("shelly", gen1("shellyem-B9F1", *((f"emeter/0/{f}", "60") for f in EM1_FIELDS))),
        ("shellyem-B9F1/emeter[0].power",),
        ("shellyem-B9F1/emeter[0].total",),
        id="shelly-em-gen1",
    ),
    pytest.param(
        mqtt_tags(
            "shelly",
            gen1("3em", *((f"emeter/{n}/{f}", "60") for n in range(3) for f in EM1_FIELDS)),
        ),
        ("3em/emeter[0].power", "3em/emeter[1].power", "3em/emeter[2].power"),
        ("3em/emeter[0].total", "3em/emeter[1].total", "3em/emeter[2].total"),
        id="shelly-3em-gen1-phases",
    ),
    pytest.param(
        mqtt_tags("shelly", gen1("shelly1pm", ("relay/0/power", "41.9"), ("relay/0/energy", "60"))),
        ("shelly1pm/relay[0].power",),
        ("shelly1pm/relay[0].energy",),
        id="shelly-1pm-gen1-watt-minutes",
    ),
]


@pytest.mark.parametrize(("tags", "power", "counters"), CASES)
def test_one_counter_family_measures_the_device(
    tags: list[TagInfo], power: tuple[str, ...], counters: tuple[str, ...]
) -> None:
    meter = discover(tags[0].device, tags)
    assert meter is not None
    assert tuple(t.name for t in meter.counter_tags) == counters
    assert tuple(t.name for t in meter.power_tags) == power
    # never a device total together with its own phases
    for found in (meter.counter_tags, meter.power_tags):
        phases = [is_phase(t.name) for t in found]
        assert all(phases) or not any(phases)


def test_gen1_energy_is_declared_in_wh_from_watt_minutes() -> None:
    (tag,) = mqtt_tags("shelly", gen1("s1", ("relay/0/energy", "120")))
    meter = discover("s1", [tag])
    assert meter is not None and meter.counter_tags[0].unit == "Wh"
