"""Sealing model artifacts: serialise, digest, encrypt and authenticate; and the reverse.

A model is serialised with joblib (pickle underneath), its SHA-256 digest taken, and the bytes
encrypted with AES-256-GCM under a fresh 96-bit nonce. The *associated data* is the canonical
JSON of the version's metadata row — subject, kind, version, time, author, training window,
parameters, metrics, serializer, size, digest and key id — so changing any of those columns,
the nonce or a single ciphertext byte makes authentication fail.

Opening is strictly ordered: key id check, AES-GCM authentication (ciphertext + metadata),
digest check of the decrypted bytes, and only then deserialisation. Unpickling is unsafe on
untrusted bytes; here it only ever sees bytes that authenticated under the plant's own key, so
whoever could forge them already holds the key. Anything else raises :class:`ArtifactTampered`
(or :class:`ArtifactKeyMismatch`) and the bytes are never deserialised.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import joblib
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.analytics.registry.keys import ModelKey

log = logging.getLogger(__name__)

SERIALIZER = "joblib"
FORMAT = "controldeck-model/1"
NONCE_BYTES = 12
AAD_FIELDS = (
    "subject",
    "kind",
    "version",
    "created_ns",
    "author",
    "train_start_ns",
    "train_end_ns",
    "params",
    "metrics",
    "serializer",
    "size",
    "digest",
    "key_id",
)


class ArtifactRefused(RuntimeError):
    """A model artifact was not loaded; it is never deserialised."""


class ArtifactTampered(ArtifactRefused):
    """Authentication or the digest failed: ciphertext, nonce, digest or metadata modified."""


class ArtifactKeyMismatch(ArtifactRefused):
    """The artifact was sealed under another key than the one loaded."""


@dataclass(frozen=True)
class SealedArtifact:
    """What is stored for one version besides its metadata."""

    ciphertext: bytes
    nonce: bytes
    digest: str
    size: int
    key_id: str
    serializer: str = SERIALIZER


def serialize(model: object) -> bytes:
    """joblib bytes of ``model`` (compressed)."""
    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=3)
    return buffer.getvalue()


def canonical_json(data: Mapping[str, Any]) -> str:
    """Sorted keys, no spaces: the exact text stored in ``params``/``metrics`` columns."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=True)


def associated_data(row: Mapping[str, Any]) -> bytes:
    """The bytes AES-GCM authenticates besides the ciphertext: the metadata columns."""
    fields = {name: row[name] for name in AAD_FIELDS}
    return canonical_json({"format": FORMAT, **fields}).encode("utf-8")


def seal(model: object, key: ModelKey, metadata: Mapping[str, Any]) -> SealedArtifact:
    """Serialise and encrypt ``model``; ``metadata`` holds the :data:`AAD_FIELDS` except the
    ones sealing fills in (``serializer``, ``size``, ``digest``, ``key_id``)."""
    plaintext = serialize(model)
    digest = hashlib.sha256(plaintext).hexdigest()
    row = {
        **metadata,
        "serializer": SERIALIZER,
        "size": len(plaintext),
        "digest": digest,
        "key_id": key.key_id,
    }
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(key.secret).encrypt(nonce, plaintext, associated_data(row))
    return SealedArtifact(ciphertext, nonce, digest, len(plaintext), key.key_id)


def open_sealed(row: Mapping[str, Any], ciphertext: bytes, key: ModelKey) -> bytes:
    """The authenticated plaintext of a stored artifact, or :class:`ArtifactRefused`."""
    label = f"model {row['subject']}/{row['kind']} v{row['version']}"
    if row["key_id"] != key.key_id:
        raise ArtifactKeyMismatch(
            f"{label}: sealed under key id {row['key_id']}, but the loaded key is "
            f"{key.key_id}; refusing to load"
        )
    try:
        plaintext = AESGCM(key.secret).decrypt(
            bytes(row["nonce"]), bytes(ciphertext), associated_data(row)
        )
    except (InvalidTag, ValueError) as exc:
        raise ArtifactTampered(
            f"{label}: artifact failed authentication (ciphertext, nonce, digest or metadata "
            "modified); refusing to load"
        ) from exc
    if hashlib.sha256(plaintext).hexdigest() != row["digest"] or len(plaintext) != row["size"]:
        raise ArtifactTampered(f"{label}: SHA-256 digest mismatch; refusing to load")
    return plaintext


def deserialize(plaintext: bytes, serializer: str) -> object:
    """The model from *authenticated* bytes (see the module docstring for why that is safe)."""
    if serializer != SERIALIZER:
        raise ArtifactRefused(f"unknown serializer {serializer!r}")
    return joblib.load(io.BytesIO(plaintext))
