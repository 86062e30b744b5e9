"""The key that seals model artifacts: 32 random bytes, base64, from the environment or keyring.

Looked up in ``CONTROLDECK_MODEL_KEY`` first, then in the OS keyring (service ``controldeck``,
user ``model-key``) — never in the plant TOML. The value is registered with the log redactor
(:mod:`core.security.secrets`). A key is known in rows and errors only by its *key id*, the first
16 hex digits of ``SHA-256("controldeck model key id" + key)``, which tells "another key" apart
from "tampered" without revealing the key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from core.security.secrets import get_secret, register_secret, store_in_keyring

log = logging.getLogger(__name__)

MODEL_KEY_ENV = "CONTROLDECK_MODEL_KEY"
KEYRING_SERVICE = "controldeck"
KEYRING_USER = "model-key"
KEY_BYTES = 32


class ModelKeyError(RuntimeError):
    """No usable model key (missing, not base64, or not 32 bytes); names the places looked."""


@dataclass(frozen=True)
class ModelKey:
    """An AES-256 key and its public id."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_BYTES:
            raise ModelKeyError(f"a model key has {KEY_BYTES} bytes, got {len(self.secret)}")

    @property
    def key_id(self) -> str:
        """16 hex digits that identify the key without revealing it."""
        return hashlib.sha256(b"controldeck model key id" + self.secret).hexdigest()[:16]


def decode_model_key(text: str) -> ModelKey:
    """A key from its base64 text (standard or URL-safe alphabet)."""
    cleaned = text.strip()
    try:
        raw = base64.b64decode(cleaned.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ModelKeyError("the model key is not valid base64") from exc
    return ModelKey(raw)


def generate_model_key() -> str:
    """A new random key as base64 text (to put in the keyring or the environment)."""
    text = base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")
    register_secret(text)
    return text


def load_model_key(environ: Mapping[str, str] | None = None, *, keyring: bool = True) -> ModelKey:
    """The key from ``CONTROLDECK_MODEL_KEY`` or (when ``keyring``) the OS keyring."""
    text = get_secret(
        MODEL_KEY_ENV,
        KEYRING_SERVICE if keyring else None,
        KEYRING_USER if keyring else None,
        environ=environ,
    )
    if text is None:
        places = f"environment variable {MODEL_KEY_ENV}"
        if keyring:
            places += f" or keyring {KEYRING_SERVICE}/{KEYRING_USER}"
        raise ModelKeyError(f"no model key in {places} (create one with generate_model_key())")
    return decode_model_key(text)


def save_model_key_to_keyring(text: str) -> None:
    """Store a key (base64 text) in the OS keyring after checking it decodes."""
    decode_model_key(text)
    store_in_keyring(KEYRING_SERVICE, KEYRING_USER, text)
    log.info("model key stored in keyring %s/%s", KEYRING_SERVICE, KEYRING_USER)
