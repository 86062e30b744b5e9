"""``[[anomaly]]`` rules: defaults, matching, and errors that name file, key path and value."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.analytics.anomaly import (
    DiscordDetector,
    EnsembleDetector,
    EwmaCusumDetector,
    ResonanceDetector,
    SeasonalRobustDetector,
)
from core.analytics.live import AnomalyRule, parse_anomaly_sections, rule_for, score_tag_name
from core.config import ConfigError

FILE = "plant.toml"


def test_defaults_and_detectors() -> None:
    rules = parse_anomaly_sections(
        [
            {"tags": ["meter1/*"]},
            {"tags": ["a/b"], "detector": "seasonal"},
            {"tags": ["c/d"], "detector": "ewma_cusum"},
            {"tags": ["e/f"], "detector": "discord"},
            {"tags": ["g/h"], "detector": "resonance"},
        ],
        FILE,
    )
    first = rules[0]
    assert (first.detector, first.threshold, first.min_duration_s, first.publish_score) == (
        "ensemble",
        0.5,
        0.0,
        True,
    )
    kinds = [type(rule.make_detector()) for rule in rules]
    assert kinds == [
        EnsembleDetector,
        SeasonalRobustDetector,
        EwmaCusumDetector,
        DiscordDetector,
        ResonanceDetector,
    ]


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("meter1/total_power", 0),
        ("meter1/total_power.anomaly", None),
        ("meter2/total_power", 1),
        ("meter2/voltage", None),
        ("boiler/temp", None),
        ("boiler/temperature", 1),
    ],
)
def test_the_first_matching_rule_wins(tag: str, expected: int | None) -> None:
    rules = parse_anomaly_sections(
        [
            {"tags": ["meter1/*"]},
            {"tags": ["meter?/total_power", "boiler/temperature", "meter1/x"]},
        ],
        FILE,
    )
    found = rule_for(tag, rules)
    assert (rules.index(found) if found is not None else None) == expected


def test_score_tag_name() -> None:
    assert score_tag_name("meter1/total_power") == "meter1/total_power.anomaly"


@pytest.mark.parametrize(
    ("tables", "key", "value", "words"),
    [
        ([{"tags": []}], "anomaly[0].tags", [], "at least 1"),
        ([{"tags": "meter1/*"}], "anomaly[0].tags", "meter1/*", "list"),
        (
            [{"tags": ["a/b"], "threshold": 1.5}],
            "anomaly[0].threshold",
            1.5,
            "less than or equal to 1",
        ),
        ([{"tags": ["a/b"], "threshold": 0}], "anomaly[0].threshold", 0, "greater than 0"),
        ([{"tags": ["a/b"], "detector": "magic"}], "anomaly[0].detector", "magic", "ensemble"),
        (
            [{"tags": ["a/b", "a/b.anomaly"]}],
            "anomaly[0].tags[1]",
            "a/b.anomaly",
            "cannot be watched",
        ),
        ([{"tags": ["  "]}], "anomaly[0].tags[0]", "  ", "must not be empty"),
        ([{"tags": ["a/b"], "thresold": 0.5}], "anomaly[0].thresold", 0.5, "Extra inputs"),
        (
            [{"tags": ["a/b"], "min_duration_s": 600, "max_open_s": 60}],
            "anomaly[0].min_duration_s",
            600,
            "shorter than max_open_s",
        ),
        (
            [{"tags": ["x/y"]}, {"tags": ["a/b"], "cooldown_s": -1}],
            "anomaly[1].cooldown_s",
            -1,
            "greater than or equal to 0",
        ),
        (
            [{"tags": ["a/b"], "publish_score": "maybe"}],
            "anomaly[0].publish_score",
            "maybe",
            "boolean",
        ),
        (
            [{"tags": ["a/b"], "warmup_samples": 10**9}],
            "anomaly[0].warmup_samples",
            10**9,
            "less than or equal",
        ),
    ],
)
def test_errors_name_file_key_and_value(
    tables: list[dict[str, Any]], key: str, value: object, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_anomaly_sections(tables, FILE)
    error = caught.value
    assert (error.file, error.key_path, error.value) == (FILE, key, value)
    assert str(error).startswith(f"{FILE}: {key} = {value!r}") and words in str(error)


def test_a_non_list_section_is_refused() -> None:
    with pytest.raises(ConfigError, match="anomaly"):
        parse_anomaly_sections({"tags": ["a"]}, FILE)  # type: ignore[arg-type]


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.text(max_size=12), max_size=3),
)
KEYS = st.sampled_from(
    [
        "tags",
        "detector",
        "threshold",
        "min_duration_s",
        "cooldown_s",
        "deviation_z",
        "max_open_s",
        "warmup_samples",
        "publish_score",
        "score_deadband",
        "tag",
        "limit",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_any_table_parses_or_fails_with_a_key_path(table: dict[str, Any]) -> None:
    try:
        (rule,) = parse_anomaly_sections([table], FILE)
    except ConfigError as error:
        assert error.file == FILE and error.key_path.startswith("anomaly[0]")
        return
    assert isinstance(rule, AnomalyRule) and rule.tags and 0 < rule.threshold <= 1
    assert all(not pattern.endswith(".anomaly") for pattern in rule.tags)
