"""``[[opcua]]`` validation: every error names file, key path and value; secrets never show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keyring
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from keyring.backend import KeyringBackend

from drivers.opcua.config import (
    DriverConfigError,
    OpcuaConfig,
    SecurityMode,
    SecurityPolicy,
    default_pki_dir,
    parse_opcua_sections,
)

BASE = Path("/plant/configs")
FILE = "/plant/configs/plant.toml"


def table(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "boiler",
        "endpoint": "opc.tcp://127.0.0.1:4840",
        "nodes": [{"tag": "boiler/temperature", "node": "ns=2;s=Boiler.Temperature"}],
    }
    return {**base, **overrides}


def parse(*tables: dict[str, Any]) -> list[OpcuaConfig]:
    return parse_opcua_sections(list(tables), BASE, FILE)


def error_of(*tables: dict[str, Any]) -> DriverConfigError:
    with pytest.raises(DriverConfigError) as caught:
        parse(*tables)
    return caught.value


def test_minimal_table_gets_safe_defaults() -> None:
    [config] = parse(table())
    assert (config.security_mode, config.security_policy) == (
        SecurityMode.NONE,
        SecurityPolicy.NONE,
    )
    assert config.pki_dir == default_pki_dir() and config.pki_dir.name == "pki"
    assert config.endpoints == ("opc.tcp://127.0.0.1:4840",)
    assert config.source_file == FILE
    assert config.nodes[0].address == "ns=2;s=Boiler.Temperature"
    assert config.resolve_password() is None


def test_full_table() -> None:
    [config] = parse(
        table(
            secondary_endpoint="opc.tcp://backup:4841/ua",
            security_mode="SignAndEncrypt",
            security_policy="Aes256_Sha256_RsaPss",
            username="operator",
            password_env="BOILER_PW",
            pki_dir="pki",
            publishing_interval_ms=500,
            nodes=[
                {"tag": "a", "browse_path": "0:Objects/2:Boiler/2:Temperature", "deadband": 0.5},
                {"tag": "b", "node": "i=2258", "sampling_interval_ms": 0, "writable": True},
            ],
        )
    )
    assert config.pki_dir == BASE / "pki", "relative to the config file"
    assert config.endpoints == ("opc.tcp://127.0.0.1:4840", "opc.tcp://backup:4841/ua")
    assert config.secure and config.nodes[0].deadband == 0.5 and config.nodes[1].writable


@pytest.mark.parametrize(
    ("tables", "key_path", "fragment"),
    [
        (
            [table(nodes=[{"tag": "t", "node": "Boiler.Temperature"}])],
            "opcua[0].nodes[0].node",
            "NodeId",
        ),
        ([table(nodes=[{"tag": "t", "node": "ns=2;x=1"}])], "opcua[0].nodes[0].node", "NodeId"),
        (
            [table(nodes=[{"tag": "t", "browse_path": "Objects/Boiler"}])],
            "opcua[0].nodes[0].browse_path",
            "segment",
        ),
        (
            [table(nodes=[{"tag": "t"}])],
            "opcua[0].nodes[0]",
            "exactly one of 'node' or 'browse_path'",
        ),
        (
            [table(nodes=[{"tag": "t", "node": "i=1", "browse_path": "0:Objects"}])],
            "opcua[0].nodes[0]",
            "exactly one",
        ),
        (
            [table(nodes=[{"tag": "t", "node": "i=1", "deadband": -1}])],
            "opcua[0].nodes[0].deadband",
            "greater than or equal to 0",
        ),
        (
            [table(nodes=[{"tag": "t", "node": "i=1", "colour": "red"}])],
            "opcua[0].nodes[0].colour",
            "Extra",
        ),
        (
            [
                table(
                    nodes=[
                        {"tag": "t", "node": "i=1"},
                        {"tag": "u", "node": "i=2"},
                        {"tag": "t", "node": "i=3"},
                    ]
                )
            ],
            "opcua[0].nodes[2].tag",
            "configured twice",
        ),
        ([table(endpoint="http://127.0.0.1:4840")], "opcua[0].endpoint", "opc.tcp://"),
        ([table(endpoint="opc.tcp://host:99999")], "opcua[0].endpoint", "opc.tcp://"),
        ([table(secondary_endpoint="tcp://x")], "opcua[0].secondary_endpoint", "opc.tcp://"),
        ([table(name="boiler one")], "opcua[0].name", "pattern"),
        ([table(security_mode="Encrypt")], "opcua[0].security_mode", "'SignAndEncrypt'"),
        ([table(security_mode="Sign")], "opcua[0].security_policy", "needs a security policy"),
        (
            [table(security_policy="Basic256Sha256")],
            "opcua[0].security_mode",
            "needs Sign or SignAndEncrypt",
        ),
        ([table(username="op")], "opcua[0].username", "needs 'password_env' or 'password_keyring'"),
        ([table(password_env="PW")], "opcua[0].password_env", "needs 'username'"),
        (
            [
                table(
                    username="op",
                    password_env="PW",
                    password_keyring="svc",
                    security_mode="Sign",
                    security_policy="Basic256Sha256",
                )
            ],
            "opcua[0].password_keyring",
            "not both",
        ),
        ([table(username="op", password_env="PW")], "opcua[0].security_mode", "clear text"),
        (
            [
                table(
                    username="op",
                    password_env="PW",
                    anonymous=True,
                    security_mode="Sign",
                    security_policy="Basic256Sha256",
                )
            ],
            "opcua[0].anonymous",
            "exclude each other",
        ),
        ([table(publishing_interval_ms=0)], "opcua[0].publishing_interval_ms", "greater than 0"),
        ([table(), table()], "opcua[1].name", "used twice"),
        ([table(), "boiler"], "opcua[1]", "expected a table"),
    ],
)
def test_errors_name_file_key_path_and_value(tables, key_path, fragment) -> None:
    error = error_of(*tables)
    assert (error.file, error.key_path) == (FILE, key_path)
    assert fragment in error.message
    assert str(error).startswith(f"{FILE}: {key_path} = ")


@pytest.mark.parametrize("policy", ["Basic128Rsa15", "Basic256"])
def test_deprecated_policies_are_refused_clearly(policy: str) -> None:
    error = error_of(table(security_mode="SignAndEncrypt", security_policy=policy))
    assert error.key_path == "opcua[0].security_policy" and error.value == policy
    assert "deprecated" in error.message and "Basic256Sha256" in error.message


def test_missing_key_is_shown_as_not_set() -> None:
    error = error_of(table(security_mode="Sign"))
    assert "security_policy = (not set)" in str(error)


@pytest.mark.parametrize("key", ["password", "Password", "secret", "api_token"])
def test_clear_text_secrets_are_refused_without_echoing_them(key: str) -> None:
    error = error_of(table(**{key: "hunter2-secret"}))
    assert error.key_path == f"opcua[0].{key}"
    assert "hunter2" not in str(error) and "password_env" in error.message


def test_password_from_environment_is_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOILER_PW", "hunter2-secret")
    [config] = parse(
        table(
            username="op",
            password_env="BOILER_PW",
            security_mode="Sign",
            security_policy="Basic256Sha256",
        )
    )
    secret = config.resolve_password()
    assert secret is not None and secret.get_secret_value() == "hunter2-secret"
    assert "hunter2" not in repr(config) + str(secret) + repr(secret)
    monkeypatch.delenv("BOILER_PW")
    with pytest.raises(DriverConfigError, match="environment variable is not set") as caught:
        config.resolve_password()
    assert caught.value.key_path == "opcua[boiler].password_env"


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring backend (the real OS keyring is not there in CI)."""

    priority = 1

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
        [config] = parse(
            table(
                username="op",
                password_keyring="controldeck-boiler",
                security_mode="Sign",
                security_policy="Basic256Sha256",
            )
        )
        with pytest.raises(DriverConfigError, match="no password stored"):
            config.resolve_password()
        backend.set_password("controldeck-boiler", "op", "kr-secret")
        secret = config.resolve_password()
        assert secret is not None and secret.get_secret_value() == "kr-secret"
    finally:
        keyring.set_keyring(previous)


def test_absolute_and_home_pki_dirs(tmp_path: Path) -> None:
    [absolute] = parse(table(pki_dir=str(tmp_path)))
    [home] = parse(table(pki_dir="~/cd-pki"))
    assert absolute.pki_dir == tmp_path
    assert home.pki_dir == Path("~/cd-pki").expanduser()


def test_not_a_list() -> None:
    with pytest.raises(DriverConfigError, match="array of tables"):
        parse_opcua_sections({"name": "x"}, BASE, FILE)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_node_string_parses_or_names_its_key(text: str) -> None:
    try:
        [config] = parse(table(nodes=[{"tag": "t", "node": text}]))
    except DriverConfigError as error:
        assert error.key_path == "opcua[0].nodes[0].node"
    else:
        assert config.nodes[0].node == text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123:/ObjectsBoiler.;=", max_size=40))
def test_any_browse_path_parses_or_names_its_key(text: str) -> None:
    try:
        [config] = parse(table(nodes=[{"tag": "t", "browse_path": text}]))
    except DriverConfigError as error:
        assert error.key_path == "opcua[0].nodes[0].browse_path"
    else:
        assert config.nodes[0].browse_path == text


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=40),
        st.from_regex(r"opc\.tcp://[a-z0-9.]{1,12}(:[0-9]{1,6})?(/[a-z]{0,5})?", fullmatch=True),
    )
)
def test_any_endpoint_parses_or_names_its_key(text: str) -> None:
    try:
        [config] = parse(table(endpoint=text))
    except DriverConfigError as error:
        assert error.key_path == "opcua[0].endpoint"
    else:
        assert config.endpoint.startswith("opc.tcp://")
