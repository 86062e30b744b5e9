"""The shipped factor table, selection by site/region/date/unit, overrides, validation errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.analytics.energy import load_table, parse_factors, plant_table
from core.config import ConfigError

GOOD = {
    "carrier": "electricity",
    "region": "DE",
    "value": 0.35,
    "unit": "kgCO2e/kWh",
    "year": 2025,
    "source": "supplier disclosure 2025",
    "valid_from": date(2025, 1, 1),
}


def test_the_shipped_table_is_valid_and_cites_every_value() -> None:
    table = load_table()
    assert table.version
    assert len(table.factors) >= 8
    for factor in table.factors:
        assert factor.source and factor.url.startswith("https://")
        per_unit = factor.kg_per("L") if factor.unit.endswith("/L") else factor.kg_per("kWh")
        assert 0 < per_unit < 5


@pytest.mark.parametrize(
    ("carrier", "on", "region", "unit", "kg", "year"),
    [
        ("electricity", date(2024, 6, 1), "DE", "kWh", 0.363, 2024),
        ("electricity", date(2023, 6, 1), "DE", "kWh", 0.386, 2023),
        ("electricity", date(2022, 6, 1), "DE", "kWh", 0.433, 2022),
        ("electricity", date(2019, 6, 1), "DE", "kWh", 0.433, 2022),  # before all: the oldest
        ("electricity", date(2024, 6, 1), "GB", "kWh", 0.20705, 2024),
        ("electricity", date(2025, 6, 1), "GB", "kWh", 0.177, 2025),
        ("electricity", date(2025, 6, 1), "US", "kWh", 770.884 * 0.45359237 / 1000, 2023),
        ("natural_gas", date(2024, 6, 1), "GB", "kWh", 0.1829, 2024),
        ("natural_gas", date(2024, 6, 1), "DE", "kWh", 0.20256, 2006),  # global IPCC default
        ("diesel", date(2024, 6, 1), "GB", "L", 2.51279, 2024),
        ("diesel", date(2024, 6, 1), "GB", "kWh", 0.26834, 2006),  # per kWh: the IPCC default
        ("diesel", date(2024, 6, 1), "FR", "m3", 2512.79, 2024),  # global has no per-volume: none
    ],
)
def test_selection(carrier, on, region, unit, kg, year) -> None:
    factor = load_table().select(carrier, on, region=region, quantity_unit=unit)
    if region == "FR":
        assert factor is None
        return
    assert factor is not None
    assert factor.kg_per(unit) == pytest.approx(kg, rel=1e-9)
    assert factor.year == year


def test_no_grid_factor_without_a_region() -> None:
    assert load_table().select("electricity", date(2025, 1, 1)) is None


def test_plant_overrides_replace_and_add() -> None:
    table = plant_table(
        [
            GOOD,  # same carrier/region/valid_from as nothing shipped: added
            {
                **GOOD,
                "valid_from": date(2024, 1, 1),
                "value": 300,
                "unit": "gCO2e/kWh",
            },  # replaces UBA 2024
            {
                **GOOD,
                "region": "",
                "site": "north",
                "value": 0.05,
                "source": "PPA wind, site north",
            },
        ],
        "plant.toml",
    )
    assert table.select("electricity", date(2025, 3, 1), region="DE").value == 0.35
    assert table.select("electricity", date(2024, 3, 1), region="DE").kg_per(
        "kWh"
    ) == pytest.approx(0.3)
    assert table.select("electricity", date(2025, 3, 1), site="north", region="DE").value == 0.05
    assert len(table.factors) == len(load_table().factors) + 2


@pytest.mark.parametrize(
    ("change", "key", "value"),
    [
        ({"value": -1}, "emission_factors[1].value", -1),
        ({"value": "lots"}, "emission_factors[1].value", "lots"),
        ({"unit": "kg/kWh"}, "emission_factors[1].unit", "kg/kWh"),
        ({"unit": "kgCO2e/furlong"}, "emission_factors[1].unit", "kgCO2e/furlong"),
        ({"year": 1850}, "emission_factors[1].year", 1850),
        ({"source": ""}, "emission_factors[1].source", ""),
        ({"valid_from": "someday"}, "emission_factors[1].valid_from", "someday"),
        ({"carrier": "Grid Power"}, "emission_factors[1].carrier", "Grid Power"),
        ({"colour": "green"}, "emission_factors[1].colour", "green"),
        ({"value": 363, "unit": "kgCO2e/kWh"}, "emission_factors[1].value", 363),  # g taken for kg
    ],
)
def test_validation_errors_name_key_and_value(change: dict, key: str, value: object) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_factors([GOOD, {**GOOD, **change}], "plant.toml", "emission_factors")
    error = caught.value
    assert (error.file, error.key_path, error.value) == ("plant.toml", key, value)
    assert key in str(error) and repr(value)[:20] in str(error)


def test_missing_key_is_named() -> None:
    entry = {k: v for k, v in GOOD.items() if k != "source"}
    with pytest.raises(ConfigError) as caught:
        parse_factors([entry], "plant.toml", "emission_factors")
    assert caught.value.key_path == "emission_factors[0].source"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('version = "1"\nfactors = 3\n', "factors"),
        ("[[factors]]\ncarrier = 'electricity'\n", "version"),
        ('version = "1"\n[[factors]]\ncarrier = "electricity"\nvalue = 1\n', "factors[0].unit"),
    ],
)
def test_table_file_errors(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "factors.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_table(path)
    assert caught.value.key_path == key
