"""OPC-UA application identity, trust list and server-certificate validation.

Layout of a PKI directory (created on first use)::

    pki/own/cert.der            this application's certificate (SubjectAltName URI = application URI)
    pki/own/private/key.pem     its private key (mode 0600)
    pki/trusted/                server certificates an administrator trusts (DER or PEM)
    pki/rejected/               server certificates that were refused, waiting to be trusted
    pki/crl/                    certificate revocation lists

A server certificate is accepted only when asyncua's :class:`CertificateValidator` with the
:class:`TrustStore` built from ``trusted/`` and ``crl/`` says so; an untrusted one is saved to
``rejected/`` so ``controldeck opcua trust NAME`` (:func:`trust_server_certificate`) can move it.
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from asyncua import ua
from asyncua.common.utils import ServiceError
from asyncua.crypto import cert_gen
from asyncua.crypto.truststore import TrustStore
from asyncua.crypto.validator import CertificateValidator, CertificateValidatorOptions
from asyncua.ua.status_codes import StatusCodes
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

from drivers.opcua.pki import (
    PkiPaths,
    application_uri_of,
    certificate_file_name,
    load_certificate_file,
    thumbprint,
    trusted_thumbprints,
    write_atomically,
)

log = logging.getLogger(__name__)

APPLICATION_NAME = "ControlDeck"
_generate_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class ApplicationIdentity:
    """The client's certificate, key and the application URI that its certificate names."""

    cert_path: Path
    key_path: Path
    application_uri: str


@dataclass(frozen=True, slots=True)
class RejectedCertificate:
    """A refused server certificate, as ``controldeck opcua trust --list`` shows it."""

    name: str
    path: Path
    subject: str
    application_uri: str
    thumbprint: str
    not_valid_after: datetime


def default_application_uri(hostname: str | None = None) -> str:
    """``urn:<host>:ControlDeck``: the URI written into a newly created certificate."""
    return f"urn:{hostname or socket.gethostname()}:{APPLICATION_NAME}"


def ensure_application_identity(pki_dir: Path, hostname: str | None = None) -> ApplicationIdentity:
    """Load this application's certificate and key, creating both on first use.

    The application URI is taken from the existing certificate, so it stays consistent with
    the certificate's SubjectAltName even when the host is renamed. Blocking (RSA key
    generation): call it from a worker thread when on the event loop.
    """
    paths = PkiPaths(Path(pki_dir))
    with _generate_lock:
        paths.create()
        if paths.own_cert.exists() and paths.own_key.exists():
            cert = load_certificate_file(paths.own_cert)
            return ApplicationIdentity(paths.own_cert, paths.own_key, application_uri_of(cert))
        host = hostname or socket.gethostname()
        uri = default_application_uri(host)
        key = cert_gen.generate_private_key()
        cert = cert_gen.generate_self_signed_app_certificate(
            key,
            APPLICATION_NAME,
            {},
            [x509.UniformResourceIdentifier(uri), x509.DNSName(host)],
            extended=[ExtendedKeyUsageOID.CLIENT_AUTH],
            days=3650,
        )
        write_atomically(paths.own_key, cert_gen.dump_private_key_as_pem(key), 0o600)
        write_atomically(paths.own_cert, cert.public_bytes(Encoding.DER))
        log.info("created OPC-UA application certificate %s for %s", paths.own_cert, uri)
        return ApplicationIdentity(paths.own_cert, paths.own_key, uri)


class TrustListValidator:
    """asyncua ``certificate_validator``: trust list check; untrusted certificates go to rejected/.

    The trust list is read again on every check, so a certificate trusted while the driver
    retries is accepted on the next attempt without a restart.
    """

    def __init__(self, pki_dir: Path) -> None:
        self._paths = PkiPaths(Path(pki_dir))
        self._options = (
            CertificateValidatorOptions.TRUSTED_VALIDATION | CertificateValidatorOptions.PEER_SERVER
        )

    async def __call__(
        self, cert: x509.Certificate, app_description: ua.ApplicationDescription
    ) -> None:
        """Raise :class:`ServiceError` (Bad_Certificate...) unless the server certificate is trusted."""
        self._paths.create()
        try:
            await self._validate(cert, app_description)
        except ServiceError as exc:
            if exc.code == StatusCodes.BadCertificateUntrusted:
                self._save_rejected(cert)
            raise

    async def _validate(
        self, cert: x509.Certificate, app_description: ua.ApplicationDescription
    ) -> None:
        pinned = trusted_thumbprints(self._paths.trusted)
        store = TrustStore([self._paths.trusted], [self._paths.crl])
        await store.load_crl()
        without_trust = self._options & ~CertificateValidatorOptions.TRUSTED
        if thumbprint(cert) in pinned:
            # The very certificate is in the trust list: no chain to build (this also accepts
            # self-signed certificates without the CA flag, which path validation refuses).
            await CertificateValidator(without_trust, store).validate(cert, app_description)
            return
        if not pinned:
            # An empty trust list trusts nobody (and cryptography cannot build an empty store).
            await CertificateValidator(without_trust, store).validate(cert, app_description)
            raise ServiceError(StatusCodes.BadCertificateUntrusted)
        await store.load_trust()
        await CertificateValidator(self._options, store).validate(cert, app_description)

    def _save_rejected(self, cert: x509.Certificate) -> None:
        target = self._paths.rejected / certificate_file_name(cert)
        if target.exists():
            return
        write_atomically(target, cert.public_bytes(Encoding.DER))
        log.warning(
            "OPC-UA server certificate %s (%s) is not trusted; saved as %s for an administrator to trust",
            cert.subject.rfc4514_string(),
            application_uri_of(cert),
            target,
        )


def list_rejected(pki_dir: Path) -> list[RejectedCertificate]:
    """The refused server certificates waiting in ``pki/rejected/``, by file name."""
    rejected = PkiPaths(Path(pki_dir)).rejected
    if not rejected.is_dir():
        return []
    found: list[RejectedCertificate] = []
    for path in sorted(rejected.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        try:
            cert = load_certificate_file(path)
        except ValueError:
            log.warning("ignoring %s: not a certificate", path)
            continue
        found.append(
            RejectedCertificate(
                name=path.name,
                path=path,
                subject=cert.subject.rfc4514_string(),
                application_uri=application_uri_of(cert),
                thumbprint=thumbprint(cert),
                not_valid_after=cert.not_valid_after_utc,
            )
        )
    return found


def _find_rejected(pki_dir: Path, reference: str) -> Path:
    key = reference.strip()
    candidates = list_rejected(pki_dir)
    exact = [c.path for c in candidates if key in (c.name, c.path.stem)]
    if exact:
        return exact[0]
    upper = key.upper()
    by_thumbprint = [
        c.path for c in candidates if len(upper) >= 8 and c.thumbprint.startswith(upper)
    ]
    if len(by_thumbprint) == 1:
        return by_thumbprint[0]
    if len(by_thumbprint) > 1:
        raise ValueError(
            f"{reference!r} matches {len(by_thumbprint)} rejected certificates; give more"
        )
    names = ", ".join(c.name for c in candidates) or "none"
    raise FileNotFoundError(
        f"no certificate file or rejected certificate {reference!r} (rejected: {names})"
    )


def trust_server_certificate(pki_dir: Path, cert_path_or_rejected_name: str | Path) -> Path:
    """Add a server certificate to the trust list and return its path in ``pki/trusted/``.

    ``cert_path_or_rejected_name`` is a certificate file (DER or PEM), or the file name, stem or
    thumbprint prefix (>= 8 hex digits) of an entry in ``pki/rejected/``, which is then removed.
    """
    paths = PkiPaths(Path(pki_dir))
    paths.create()
    source = Path(cert_path_or_rejected_name).expanduser()
    if not source.is_file():
        source = _find_rejected(paths.root, str(cert_path_or_rejected_name))
    cert = load_certificate_file(source)
    target = paths.trusted / certificate_file_name(cert)
    write_atomically(target, cert.public_bytes(Encoding.DER))
    if source.resolve().parent == paths.rejected.resolve():
        source.unlink()
    log.info("trusted OPC-UA server certificate %s as %s", cert.subject.rfc4514_string(), target)
    return target
