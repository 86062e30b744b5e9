"""Device identities: keyed digests only, plant names for people, scrubbed out of free text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select

from core.security.identities import (
    DeviceIdentities,
    IdentityKind,
    digest_identifier,
    guess_kind,
    normalize,
)
from core.security.service import SecurityServices
from core.security.tables import device_identities
from core.store.historian import Historian
from core.store.schema import metadata

MAC = "00:1A:2B:3C:4D:5E"
FINGERPRINT = ":".join(["AB", "CD", "EF", "01"] * 8)  # SHA-256, colon form
SERIAL = "SN-7788-XK"


@pytest.mark.parametrize(
    ("spellings", "kind"),
    [
        (
            ["00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5e", "001a.2b3c.4d5e", "001A2B3C4D5E"],
            IdentityKind.MAC,
        ),
        ([FINGERPRINT, FINGERPRINT.replace(":", "").lower()], IdentityKind.CERTIFICATE),
        ([SERIAL, " sn-7788-xk "], IdentityKind.SERIAL),
    ],
)
def test_spellings_share_one_digest(spellings: list[str], kind: IdentityKind) -> None:
    key = b"d" * 32
    assert {guess_kind(s) for s in spellings} == {kind}
    assert len({digest_identifier(key, s) for s in spellings}) == 1


def test_digest_depends_on_the_installation_key() -> None:
    assert digest_identifier(b"a" * 32, MAC) != digest_identifier(b"b" * 32, MAC)


def test_only_digests_are_stored(services: SecurityServices, historian: Historian) -> None:
    ids = services.identities
    ids.register(MAC, "Boiler gateway")
    ids.register(SERIAL, "Press drive")
    ids.register(FINGERPRINT, "OPC-UA server", IdentityKind.CERTIFICATE)
    assert ids.plant_name("00-1a-2b-3c-4d-5e") == "Boiler gateway"
    assert ids.display_name("00:00:00:00:00:01").startswith("dev-")
    with historian.engine.connect() as conn:
        stored = " ".join(
            " ".join(map(str, row)) for row in conn.execute(select(device_identities))
        )
    for raw in (MAC, "001a2b3c4d5e", SERIAL, FINGERPRINT.replace(":", "").lower()):
        assert raw.lower() not in stored.lower()


def test_pseudonym_is_stable_and_opaque(services: SecurityServices) -> None:
    first = services.identities.pseudonymize(MAC)
    assert first == services.identities.pseudonymize("001a2b3c4d5e")
    assert first.startswith("dev-") and "1a2b" not in first.lower()


def test_scrub_replaces_identifiers_in_text(services: SecurityServices) -> None:
    ids = services.identities
    ids.register(MAC, "Boiler gateway")
    ids.register(SERIAL, "Press drive")
    record_hash = "ab" * 32
    text = f"gw {MAC} drive {SERIAL} cert {FINGERPRINT} other 00:11:22:33:44:55 hash {record_hash} tag boiler/sp"
    clean = ids.scrub(text)
    assert "Boiler gateway" in clean and "Press drive" in clean
    assert MAC not in clean and SERIAL not in clean and FINGERPRINT not in clean
    assert "00:11:22:33:44:55" not in clean and clean.count("dev-") == 2
    assert record_hash in clean and "boiler/sp" in clean


def test_register_renames(services: SecurityServices) -> None:
    services.identities.register(MAC, "Old name")
    services.identities.register(MAC, "New name")
    assert services.identities.plant_name(MAC) == "New name"


@pytest.mark.parametrize(
    ("value", "kind"),
    [("12:34", IdentityKind.MAC), ("xyz", IdentityKind.CERTIFICATE), ("  ", IdentityKind.SERIAL)],
)
def test_malformed_identifiers_refused(value: str, kind: IdentityKind) -> None:
    with pytest.raises(ValueError):
        normalize(value, kind)


@pytest.fixture(scope="module")
def memory_identities() -> DeviceIdentities:
    engine = create_engine("sqlite://")
    metadata.create_all(engine, tables=[device_identities])
    ids = DeviceIdentities(engine, b"k" * 32, lambda: 0)
    ids.register(SERIAL, "Press drive")
    return ids


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60))
def test_scrub_and_digest_are_total(memory_identities: DeviceIdentities, text: str) -> None:
    assert isinstance(memory_identities.scrub(text), str)
    try:
        digest_identifier(b"k" * 32, text)
    except ValueError:
        assert not text.strip()
