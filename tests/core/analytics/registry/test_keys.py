"""The model key: from the environment (or keyring), base64 of 32 bytes, known by its id."""

from __future__ import annotations

import base64
import logging
import os

import pytest

from core.analytics.registry import (
    MODEL_KEY_ENV,
    ModelKey,
    ModelKeyError,
    decode_model_key,
    generate_model_key,
    load_model_key,
)
from core.analytics.registry.keys import KEY_BYTES
from core.security.secrets import REDACTOR


def test_generated_key_loads_from_the_environment() -> None:
    text = generate_model_key()
    key = load_model_key({MODEL_KEY_ENV: text}, keyring=False)
    assert key.secret == base64.b64decode(text)
    assert len(key.secret) == KEY_BYTES
    assert REDACTOR.redact(f"key={text}") == "key=********"


def test_key_id_is_stable_and_does_not_reveal_the_key() -> None:
    secret = os.urandom(32)
    key = ModelKey(secret)
    assert key.key_id == ModelKey(secret).key_id
    assert key.key_id != ModelKey(os.urandom(32)).key_id
    assert len(key.key_id) == 16
    assert secret.hex()[:16] != key.key_id
    assert secret.hex() not in repr(key)


def test_url_safe_alphabet_is_accepted() -> None:
    secret = bytes(range(200, 232))
    text = base64.urlsafe_b64encode(secret).decode()
    assert decode_model_key(text).secret == secret


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not base64!", "not valid base64"),
        (base64.b64encode(b"short").decode(), "32 bytes"),
    ],
    ids=["garbage", "short"],
)
def test_bad_keys(value: str, message: str) -> None:
    with pytest.raises(ModelKeyError, match=message):
        load_model_key({MODEL_KEY_ENV: value}, keyring=False)


def test_missing_key_names_where_it_looked(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    with pytest.raises(ModelKeyError, match=MODEL_KEY_ENV):
        load_model_key({}, keyring=False)
