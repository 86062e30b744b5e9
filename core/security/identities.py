"""Device identities: hardware identifiers stored only as keyed digests, shown by plant names.

A MAC address, serial number or certificate fingerprint is normalised and reduced to
``HMAC-SHA256(device key, kind:identifier)`` (the device key is derived from the installation
key); only that digest and the plant name are stored. :meth:`DeviceIdentities.scrub` replaces
identifiers found in free text (MAC and colon-separated fingerprint patterns, and any token
whose digest is registered) by the plant name or a pseudonym, for exports and reports.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from collections.abc import Callable
from enum import StrEnum

from sqlalchemy import Engine, delete, insert, select

from core.security.tables import device_identities

MAC = re.compile(r"^[0-9a-f]{12}$")
FINGERPRINT = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$")
MAC_IN_TEXT = re.compile(
    r"(?<![0-9A-Fa-f:.-])(?:[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{4}(?:\.[0-9A-Fa-f]{4}){2})(?![0-9A-Fa-f:.-])"
)
FINGERPRINT_IN_TEXT = re.compile(
    r"(?<![0-9A-Fa-f:])[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){19,63}(?![0-9A-Fa-f:])"
)
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9:._/-]{3,}")
PSEUDONYM_PREFIX = "dev-"


class IdentityKind(StrEnum):
    """What kind of hardware identifier."""

    MAC = "mac"
    SERIAL = "serial"
    CERTIFICATE = "certificate"


def guess_kind(identifier: str) -> IdentityKind:
    """MAC or certificate fingerprint by shape, else a serial number."""
    compact = re.sub(r"[\s:.-]", "", identifier).lower()
    if MAC.match(compact):
        return IdentityKind.MAC
    if FINGERPRINT.match(compact):
        return IdentityKind.CERTIFICATE
    return IdentityKind.SERIAL


def normalize(identifier: str, kind: IdentityKind) -> str:
    """One spelling per identifier: hex lower-case without separators; serials trimmed, upper."""
    if kind in (IdentityKind.MAC, IdentityKind.CERTIFICATE):
        compact = re.sub(r"[\s:.-]", "", identifier).lower()
        pattern = MAC if kind is IdentityKind.MAC else FINGERPRINT
        if not pattern.match(compact):
            raise ValueError(f"not a {kind.value} identifier")
        return compact
    serial = identifier.strip().upper()
    if not serial:
        raise ValueError("empty serial number")
    return serial


def digest_identifier(key: bytes, identifier: str, kind: IdentityKind | None = None) -> str:
    """The keyed digest of an identifier (hex)."""
    chosen = kind or guess_kind(identifier)
    message = f"{chosen.value}:{normalize(identifier, chosen)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


class DeviceIdentities:
    """The ``device_identities`` mapping (digest -> plant name) of one installation."""

    def __init__(self, engine: Engine, key: bytes, clock: Callable[[], int]) -> None:
        self._engine = engine
        self._key = key
        self._clock = clock
        self._names: dict[str, str] | None = None
        self._lock = threading.Lock()

    def pseudonymize(self, identifier: str, kind: IdentityKind | None = None) -> str:
        """A stable pseudonym (``dev-`` + 16 hex digits) that does not reveal the identifier."""
        return PSEUDONYM_PREFIX + digest_identifier(self._key, identifier, kind)[:16]

    def register(self, identifier: str, plant_name: str, kind: IdentityKind | None = None) -> str:
        """Map an identifier to its plant name (replacing an earlier name); returns the digest."""
        chosen = kind or guess_kind(identifier)
        digest = digest_identifier(self._key, identifier, chosen)
        with self._engine.begin() as conn:
            conn.execute(delete(device_identities).where(device_identities.c.digest == digest))
            conn.execute(
                insert(device_identities).values(
                    digest=digest,
                    kind=chosen.value,
                    plant_name=plant_name,
                    created_ns=self._clock(),
                )
            )
        with self._lock:
            self._names = None
        return digest

    def _known(self) -> dict[str, str]:
        with self._lock:
            if self._names is None:
                with self._engine.connect() as conn:
                    rows = conn.execute(
                        select(device_identities.c.digest, device_identities.c.plant_name)
                    ).all()
                self._names = {digest: name for digest, name in rows}
            return self._names

    def plant_name(self, identifier: str, kind: IdentityKind | None = None) -> str | None:
        """The plant name of a registered identifier, None when unknown."""
        try:
            digest = digest_identifier(self._key, identifier, kind)
        except ValueError:
            return None
        return self._known().get(digest)

    def display_name(self, identifier: str, kind: IdentityKind | None = None) -> str:
        """What operators see: the plant name, else the pseudonym."""
        return self.plant_name(identifier, kind) or self.pseudonymize(identifier, kind)

    def scrub(self, text: str) -> str:
        """``text`` with every recognisable or registered hardware identifier replaced."""
        if not text:
            return text
        known = self._known()

        def by_name(match: re.Match[str]) -> str:
            return self.display_name(match.group(0))

        text = MAC_IN_TEXT.sub(by_name, text)
        text = FINGERPRINT_IN_TEXT.sub(by_name, text)
        if not known:
            return text

        def registered(match: re.Match[str]) -> str:
            token = match.group(0)
            try:
                digest = digest_identifier(self._key, token)
            except ValueError:
                return token
            return known.get(digest, token)

        return TOKEN.sub(registered, text)
