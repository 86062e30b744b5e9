"""Application identity, trust list validation, rejected certificates and trusting them."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from asyncua import ua
from asyncua.common.utils import ServiceError
from asyncua.crypto import cert_gen
from asyncua.ua.status_codes import StatusCodes
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

from drivers.opcua.pki import PkiPaths, application_uri_of, load_certificate_file, thumbprint
from drivers.opcua.security import (
    TrustListValidator,
    ensure_application_identity,
    list_rejected,
    trust_server_certificate,
)
from tests.drivers.opcua.boiler_server import SERVER_URI

SERVER_APP = ua.ApplicationDescription(
    ApplicationUri=SERVER_URI, ApplicationType=ua.ApplicationType.Server
)


@pytest.fixture(scope="module")
def server_cert(server_cert_dir: Path) -> x509.Certificate:
    return load_certificate_file(server_cert_dir / "server_cert.der")


def make_ca_signed_server(directory: Path) -> tuple[x509.Certificate, x509.Certificate]:
    """A CA certificate and a server certificate it signed (CA flag false on the server's)."""
    ca_key = cert_gen.generate_private_key()
    ca = cert_gen.generate_self_signed_app_certificate(ca_key, "Plant CA", {}, [], extended=[])
    key = cert_gen.generate_private_key()
    csr = cert_gen.generate_app_certificate_signing_request(
        key,
        "Signed boiler",
        {},
        [x509.UniformResourceIdentifier(SERVER_URI)],
        [ExtendedKeyUsageOID.SERVER_AUTH],
    )
    return ca, cert_gen.sign_certificate_request(csr, ca, ca_key)


def test_identity_is_created_once_and_names_its_uri(client_pki: Path, tmp_path: Path) -> None:
    fresh = ensure_application_identity(tmp_path / "new-pki", hostname="hmi-7")
    assert fresh.application_uri == "urn:hmi-7:ControlDeck"
    cert = load_certificate_file(fresh.cert_path)
    assert application_uri_of(cert) == fresh.application_uri
    assert (
        ExtendedKeyUsageOID.CLIENT_AUTH
        in cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    )
    assert stat.S_IMODE(fresh.key_path.stat().st_mode) == 0o600
    again = ensure_application_identity(tmp_path / "new-pki", hostname="renamed-host")
    assert again == fresh, "reused, and the URI still matches the certificate"
    paths = PkiPaths(tmp_path / "new-pki")
    assert paths.trusted.is_dir() and paths.rejected.is_dir() and paths.crl.is_dir()


async def test_untrusted_certificate_is_refused_and_saved_once(
    client_pki: Path, server_cert
) -> None:
    validator = TrustListValidator(client_pki)
    for _ in range(2):
        with pytest.raises(ServiceError) as caught:
            await validator(server_cert, SERVER_APP)
        assert caught.value.code == StatusCodes.BadCertificateUntrusted
    [rejected] = list_rejected(client_pki)
    assert rejected.thumbprint == thumbprint(server_cert)
    assert (rejected.subject, rejected.application_uri) == (
        "CN=ControlDeck test boiler",
        SERVER_URI,
    )
    assert rejected.name == f"ControlDeck_test_boiler_{thumbprint(server_cert)}.der"

    trusted = trust_server_certificate(client_pki, rejected.name)
    assert trusted == client_pki / "trusted" / rejected.name and list_rejected(client_pki) == []
    await validator(server_cert, SERVER_APP)


async def test_wrong_application_uri_is_refused_without_saving(
    client_pki: Path, server_cert
) -> None:
    other = ua.ApplicationDescription(
        ApplicationUri="urn:someone:else", ApplicationType=ua.ApplicationType.Server
    )
    with pytest.raises(ServiceError) as caught:
        await TrustListValidator(client_pki)(server_cert, other)
    assert caught.value.code == StatusCodes.BadCertificateUriInvalid
    assert list_rejected(client_pki) == []


async def test_certificate_signed_by_a_trusted_ca_is_accepted(
    client_pki: Path, server_cert, tmp_path: Path
) -> None:
    ca, signed = make_ca_signed_server(tmp_path)
    (client_pki / "trusted" / "plant-ca.der").write_bytes(ca.public_bytes(Encoding.DER))
    validator = TrustListValidator(client_pki)
    await validator(signed, SERVER_APP)
    with pytest.raises(ServiceError) as caught:
        await validator(server_cert, SERVER_APP)
    assert caught.value.code == StatusCodes.BadCertificateUntrusted
    assert [r.thumbprint for r in list_rejected(client_pki)] == [thumbprint(server_cert)]


@pytest.mark.parametrize(
    "how", ["name", "stem", "thumbprint", "thumbprint-lower", "pem-file", "der-file"]
)
def test_trust_by_any_reference(client_pki: Path, server_cert, tmp_path: Path, how: str) -> None:
    rejected_path = PkiPaths(client_pki).rejected / "boiler_cert.der"
    rejected_path.write_bytes(server_cert.public_bytes(Encoding.DER))
    pem = tmp_path / "boiler.pem"
    pem.write_bytes(server_cert.public_bytes(Encoding.PEM))
    reference = {
        "name": "boiler_cert.der",
        "stem": "boiler_cert",
        "thumbprint": thumbprint(server_cert)[:10],
        "thumbprint-lower": thumbprint(server_cert)[:12].lower(),
        "pem-file": str(pem),
        "der-file": rejected_path,
    }[how]
    trusted = trust_server_certificate(client_pki, reference)
    assert thumbprint(load_certificate_file(trusted)) == thumbprint(server_cert)
    assert trusted.parent == client_pki / "trusted"
    assert rejected_path.exists() is (how == "pem-file"), "an entry from rejected/ is moved"


@pytest.mark.parametrize("reference", ["nope.der", "F7B5", ""])
def test_trust_unknown_reference(client_pki: Path, server_cert, reference: str) -> None:
    (PkiPaths(client_pki).rejected / "boiler.der").write_bytes(
        server_cert.public_bytes(Encoding.DER)
    )
    with pytest.raises(FileNotFoundError, match=r"rejected: boiler\.der"):
        trust_server_certificate(client_pki, reference)


def test_list_rejected_skips_what_is_not_a_certificate(client_pki: Path, server_cert) -> None:
    rejected = PkiPaths(client_pki).rejected
    (rejected / "notes.txt").write_text("not a certificate")
    (rejected / ".partial.der.tmp").write_bytes(b"\x30\x03")
    (rejected / "ok.der").write_bytes(server_cert.public_bytes(Encoding.DER))
    assert [r.name for r in list_rejected(client_pki)] == ["ok.der"]
    assert list_rejected(client_pki / "missing") == []
    with pytest.raises(ValueError, match="not a DER or PEM certificate"):
        trust_server_certificate(client_pki, rejected / "notes.txt")
