"""``[[mqtt]]`` parsing: defaults, errors that name file/key/value, secrets never shown."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import keyring
import pytest
from hypothesis import given
from hypothesis import strategies as st
from keyring.backend import KeyringBackend

from drivers.mqtt.config import (
    DriverConfigError,
    MqttConfig,
    default_client_id,
    parse_mqtt_sections,
)
from drivers.mqtt.routing import check_topic_filter
from tests.drivers.mqtt.conftest import JsonTestFormat, format_lookup

LOOKUP = format_lookup(JsonTestFormat())
SECRET = "Sup3r-s3cret-pa55word"


def _parse(*sections: dict[str, Any], base_dir: Path = Path(".")) -> list[MqttConfig]:
    return parse_mqtt_sections(list(sections), base_dir, "plant.toml", format_lookup=LOOKUP)


def _section(**overrides: Any) -> dict[str, Any]:
    section: dict[str, Any] = {
        "name": "site",
        "host": "127.0.0.1",
        "subscribe": [{"topic": "tele/+/SENSOR", "format": "testjson", "device_level": 1}],
    }
    section.update(overrides)
    return section


def test_defaults_and_subscription_options() -> None:
    config = _parse(_section())[0]
    assert (config.port, config.qos, config.clean_start, config.protocol) == (
        1883,
        1,
        False,
        "5",
    )
    assert config.client_id == default_client_id("site")
    assert config.endpoints == [("127.0.0.1", 1883)]
    subscription = config.subscribe[0].subscription()
    assert subscription.topic == "tele/+/SENSOR"
    assert subscription.format == "testjson"
    assert dict(subscription.options) == {"device_level": 1}


def test_tls_defaults_port_8883_and_resolves_paths_against_the_config_dir(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ca.pem").write_text("x")
    config = _parse(_section(tls={"ca_file": "certs/ca.pem"}), base_dir=tmp_path)[0]
    assert config.port == 8883
    assert config.tls is not None and config.tls.ca_file == tmp_path / "certs" / "ca.pem"


def test_client_id_is_stable_and_short() -> None:
    assert default_client_id("site") == default_client_id("site")
    long_name = "a-very-long-broker-connection-name"
    assert default_client_id(long_name) == default_client_id(long_name)
    assert len(default_client_id(long_name)) <= 23
    assert default_client_id(long_name) != default_client_id(long_name + "2")


@pytest.mark.parametrize(
    ("sections", "key_path", "value"),
    [
        ([_section(port=0)], "mqtt[0].port", 0),
        ([_section(qos=2)], "mqtt[0].qos", 2),
        ([_section(protocol="3.1")], "mqtt[0].protocol", "3.1"),
        ([_section(colour="red")], "mqtt[0].colour", "red"),
        ([_section(name="bad name!")], "mqtt[0].name", "bad name!"),
        (
            [
                _section(
                    subscribe=[
                        {"topic": "a/#", "format": "testjson"},
                        {"topic": "b/#/c", "format": "testjson"},
                    ]
                )
            ],
            "mqtt[0].subscribe[1].topic",
            "b/#/c",
        ),
        (
            [
                _section(
                    subscribe=[{"topic": "a", "format": "testjson"}] * 2
                    + [{"topic": "c", "format": "nope"}]
                )
            ],
            "mqtt[0].subscribe[2].format",
            "nope",
        ),
        (
            [_section(commands=[{"tag": "p/POWER", "topic": "cmnd/+/POWER"}])],
            "mqtt[0].commands[0].topic",
            "cmnd/+/POWER",
        ),
        ([_section(tls={"ca_file": "missing.pem"})], "mqtt[0].tls.ca_file", "missing.pem"),
        ([_section(), _section()], "mqtt[1].name", "site"),
        (
            [_section(), _section(name="other", client_id=default_client_id("site"))],
            "mqtt[1].client_id",
            default_client_id("site"),
        ),
    ],
)
def test_errors_name_file_key_path_and_value(
    sections: list[dict[str, Any]], key_path: str, value: object
) -> None:
    with pytest.raises(DriverConfigError) as caught:
        _parse(*sections)
    error = caught.value
    assert (error.file, error.key_path, error.value) == ("plant.toml", key_path, value)
    assert "plant.toml" in str(error) and key_path in str(error)
    assert isinstance(error, ValueError)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password_env": "A", "password_keyring": "svc", "username": "u"}, "not both"),
        ({"password_env": "A"}, "needs a username"),
        ({"secondary_port": 1884}, "secondary_host"),
        ({"reconnect_min_s": 10, "reconnect_max_s": 5}, "reconnect_max_s"),
    ],
)
def test_cross_field_errors(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(DriverConfigError, match=message) as caught:
        _parse(_section(**overrides))
    assert caught.value.key_path == "mqtt[0]"


def test_a_password_typed_into_the_config_is_refused_and_masked() -> None:
    with pytest.raises(DriverConfigError) as caught:
        _parse(_section(username="u", password=SECRET))
    assert caught.value.key_path == "mqtt[0].password"
    assert SECRET not in str(caught.value) and SECRET not in repr(caught.value.value)


def test_password_from_env_never_shows(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("CD_TEST_MQTT_PW", SECRET)
    config = _parse(_section(username="cd", password_env="CD_TEST_MQTT_PW"))[0]
    secret = config.resolve_password()
    assert secret is not None and secret.get_secret_value() == SECRET
    for text in (repr(config), str(config), config.model_dump_json(), repr(secret), str(secret)):
        assert SECRET not in text
    monkeypatch.delenv("CD_TEST_MQTT_PW")
    with pytest.raises(DriverConfigError, match="not set") as caught:
        config.resolve_password()
    assert SECRET not in str(caught.value)
    assert SECRET not in caplog.text


class MemoryKeyring(KeyringBackend):
    """A keyring backend holding passwords in memory (the test's own credential store)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


def test_password_from_keyring() -> None:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        config = _parse(_section(username="cd", password_keyring="controldeck-mqtt"))[0]
        with pytest.raises(DriverConfigError, match="no password in keyring"):
            config.resolve_password()
        keyring.set_password("controldeck-mqtt", "cd", SECRET)
        secret = config.resolve_password()
        assert secret is not None and secret.get_secret_value() == SECRET
        assert SECRET not in repr(secret)
    finally:
        keyring.set_keyring(previous)


@given(
    st.lists(st.sampled_from(["a", "b", "+", "#", "", "x+", "#y", "$SYS"]), min_size=1, max_size=5)
)
def test_topic_filter_rules(levels: list[str]) -> None:
    topic = "/".join(levels)
    valid = bool(topic) and all(
        ("#" not in level or (level == "#" and i == len(levels) - 1))
        and ("+" not in level or level == "+")
        for i, level in enumerate(levels)
    )
    try:
        assert check_topic_filter(topic, allow_wildcards=True) == topic
        accepted = True
    except ValueError:
        accepted = False
    assert accepted == valid


@given(
    st.dictionaries(
        st.sampled_from(["name", "host", "port", "qos", "keepalive", "topic"]),
        st.one_of(st.integers(-5, 70000), st.text(max_size=8), st.none()),
    )
)
def test_any_table_either_parses_or_raises_driver_config_error(table: dict[str, Any]) -> None:
    try:
        _parse(table)
    except DriverConfigError as error:
        assert error.key_path.startswith("mqtt[0]")
