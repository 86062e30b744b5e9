"""Files of a PKI directory: layout, certificate names, thumbprints, atomic writes."""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

log = logging.getLogger(__name__)

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True, slots=True)
class PkiPaths:
    """Where each part of a PKI directory lives."""

    root: Path

    @property
    def own_cert(self) -> Path:
        """This application's certificate (DER)."""
        return self.root / "own" / "cert.der"

    @property
    def own_key(self) -> Path:
        """This application's private key (PEM, PKCS#8, unencrypted, mode 0600)."""
        return self.root / "own" / "private" / "key.pem"

    @property
    def trusted(self) -> Path:
        """Trusted server certificates."""
        return self.root / "trusted"

    @property
    def rejected(self) -> Path:
        """Refused server certificates, waiting for an administrator."""
        return self.root / "rejected"

    @property
    def crl(self) -> Path:
        """Certificate revocation lists."""
        return self.root / "crl"

    def create(self) -> None:
        """Create every directory (the private one readable by the owner only)."""
        for directory in (self.trusted, self.rejected, self.crl, self.own_cert.parent):
            directory.mkdir(parents=True, exist_ok=True)
        self.own_key.parent.mkdir(parents=True, exist_ok=True, mode=0o700)


def application_uri_of(cert: x509.Certificate) -> str:
    """The first URI of the certificate's SubjectAltName ('' when there is none)."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ""
    uris = san.get_values_for_type(x509.UniformResourceIdentifier)
    return uris[0] if uris else ""


def thumbprint(cert: x509.Certificate) -> str:
    """SHA-1 thumbprint of the DER encoding, upper-case hex (how OPC-UA tools name certificates)."""
    return hashlib.sha1(cert.public_bytes(Encoding.DER), usedforsecurity=False).hexdigest().upper()


def certificate_file_name(cert: x509.Certificate) -> str:
    """``<common name>_<thumbprint>.der`` with only file-name-safe characters."""
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common_name = str(names[0].value) if names else "certificate"
    return f"{_SAFE.sub('_', common_name).strip('_') or 'certificate'}_{thumbprint(cert)}.der"


def load_certificate_file(path: Path) -> x509.Certificate:
    """A DER or PEM certificate from disk (ValueError when it is neither)."""
    data = path.read_bytes()
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise ValueError(f"{path} is not a DER or PEM certificate: {exc}") from None


def write_atomically(path: Path, data: bytes, mode: int = 0o644) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def trusted_thumbprints(directory: Path) -> set[str]:
    """Thumbprints of the certificates TrustStore would load from ``directory`` (*.der, *.pem)."""
    found: set[str] = set()
    if not directory.is_dir():
        return found
    for path in directory.iterdir():
        if path.is_file() and path.suffix.lower() in (".der", ".pem"):
            try:
                found.add(thumbprint(load_certificate_file(path)))
            except ValueError:
                log.warning("ignoring %s in the trust list: not a certificate", path)
    return found
