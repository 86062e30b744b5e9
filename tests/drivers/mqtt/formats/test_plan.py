"""Flattening plans give exactly what ``flatten`` gives, on fixtures and on generated payloads."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.mqtt.formats import tasmota
from drivers.mqtt.formats._common import STATE_WORDS, flatten
from drivers.mqtt.formats._plan import Plan
from drivers.mqtt.formats.base import Decoded, DecodeError, Subscription
from tests.drivers.mqtt.formats import test_tasmota as fixtures
from tests.drivers.mqtt.formats.test_fuzz import json_values, scalars

SKIP = frozenset({"Time"})
SUB = Subscription("tele/+/+", "tasmota", {})
FIXTURES = [
    fixtures.SHELLY25_SENSOR,
    fixtures.PLUG_SENSOR,
    fixtures.DOCS_POW_SENSOR,
    fixtures.DOCS_FAHRENHEIT_SENSOR,
    fixtures.STATE,
    fixtures.DOCS_STATE,
]


def _exact(values: list[Any]) -> list[str]:
    """Values compared by type and repr (NaN equals NaN, True is not 1, -0.0 is not 0.0)."""
    return [f"{type(v).__name__}:{v!r}" for v in values]


def _fresh_decode(topic: str, payload: bytes) -> Decoded:
    tasmota._LAYOUTS.clear()
    return tasmota.FORMAT.decode(topic, payload, SUB, 0)


def _same(one: Decoded, other: Decoded) -> None:
    assert one.readings == other.readings
    assert _exact([r.value for r in one.readings]) == _exact([r.value for r in other.readings])
    assert one.declarations == other.declarations


@pytest.mark.parametrize("payload", FIXTURES)
def test_plan_reuse_decodes_fixtures_exactly_like_a_fresh_decode(payload: str) -> None:
    kind = "STATE" if "Uptime" in payload else "SENSOR"
    topic = f"tele/dev/{kind}"
    fresh = _fresh_decode(topic, payload.encode())
    for _ in range(3):  # the first builds the plan, the others extract along it
        _same(tasmota.FORMAT.decode(topic, payload.encode(), SUB, 0), fresh)
    columns = tasmota.FORMAT.decode_columns(topic, payload.encode(), SUB, 0)
    assert columns.readings == [] and columns.columns is not None
    assert list(columns.columns) == fresh.readings


def test_a_device_whose_payload_shape_changes_is_decoded_afresh_each_time() -> None:
    sequence = [
        fixtures.SHELLY25_SENSOR,
        fixtures.PLUG_SENSOR,  # keys removed
        fixtures.SHELLY25_SENSOR.replace('"Switch2":"OFF",', ""),  # one key fewer
        fixtures.SHELLY25_SENSOR.replace('"Switch1":"OFF"', '"Switch1":"manual"'),  # text leaf
        fixtures.SHELLY25_SENSOR.replace("[23.63,67.17]", "[23.63,67.17,1.5]"),  # longer array
        fixtures.SHELLY25_SENSOR.replace('"Voltage":229.3', '"Voltage":{"L1":229.3}'),
        fixtures.SHELLY25_SENSOR.replace('"TempUnit":"C"', '"TempUnit":"F"'),  # units
        fixtures.SHELLY25_SENSOR,
    ]
    expected = [_fresh_decode("tele/dev/SENSOR", p.encode()) for p in sequence]
    tasmota._LAYOUTS.clear()
    for payload, fresh in zip(sequence, expected, strict=True):
        _same(tasmota.FORMAT.decode("tele/dev/SENSOR", payload.encode(), SUB, 0), fresh)


def _revalue(node: Any, draw: Any, keep_kind: bool) -> Any:
    """``node`` with every scalar redrawn (of the same kind when ``keep_kind``)."""
    if type(node) is dict:
        return {key: _revalue(child, draw, keep_kind) for key, child in node.items()}
    if type(node) is list:
        return [_revalue(child, draw, keep_kind) for child in node]
    if not keep_kind:
        return draw(scalars)
    if type(node) is bool:
        return draw(st.booleans())
    if type(node) in (int, float):
        return draw(st.integers(-(10**30), 10**30) | st.floats())
    if type(node) is str:
        words = st.sampled_from(sorted(STATE_WORDS))
        return draw(
            words if node in STATE_WORDS else st.text().filter(lambda t: t not in STATE_WORDS)
        )
    return node


def _round_trip(value: Any) -> Any:
    return json.loads(json.dumps(value, allow_nan=True))


def _check(plan: Plan, data: dict[str, Any]) -> list[Any] | None:
    got = plan.extract(data)
    if got is not None:
        leaves = flatten(data, [], skip=SKIP)
        assert plan.paths == tuple(leaf[0] for leaf in leaves)
        assert plan.keys == tuple(leaf[1] for leaf in leaves)
        assert _exact(got) == _exact([leaf[2] for leaf in leaves])
    return got


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6), st.data())
def test_plan_extracts_exactly_flattens_values_or_declines(base: dict[str, Any], data: Any) -> None:
    base = _round_trip(base)
    try:
        leaves = flatten(base, [], skip=SKIP)
    except DecodeError:
        return
    plan = Plan(base, leaves, STATE_WORDS, SKIP)
    assert _exact(plan.extract(base) or []) == _exact([leaf[2] for leaf in leaves])
    same_shape = _round_trip(_revalue(base, data.draw, keep_kind=True))
    assert _check(plan, same_shape) is not None
    _check(plan, _round_trip(_revalue(base, data.draw, keep_kind=False)))
    other = data.draw(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
    _check(plan, _round_trip(other))
