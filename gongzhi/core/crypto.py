"""Encryption of personal data at rest (PIPL Art. 51; GB/T 22239-2019 level 3, 8.1.4.8).

Values are sealed with AES-256-GCM (authenticated: a changed byte fails to open) under a key from the
environment (settings.DATA_KEYS, "id:base64key,..."; the first key seals, every listed key opens).
Each sealed value names its key, `v1$<key id>$<base64url(nonce | ciphertext | tag)>`, so the keys can
be rotated by `manage.py rotate_data_key`. The column's name is bound in as associated data, so a
value copied into another column does not open.

Exact look-up and uniqueness use a blind index: HMAC-SHA256 of the value under settings.INDEX_KEY
(a separate key), truncated to 128 bits."""

import base64
import functools
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "v1$"


class DecryptionError(ValueError):
    pass


@functools.cache
def _keyring(spec: str) -> tuple[str, dict[str, AESGCM]]:
    keys: dict[str, AESGCM] = {}
    current = ""
    for item in (x.strip() for x in spec.split(",") if x.strip()):
        kid, _sep, b64 = item.partition(":")
        raw = base64.b64decode(b64)
        if not kid or "$" in kid or len(raw) != 32:
            raise ImproperlyConfigured("GONGZHI_DATA_KEYS: each item is id:base64 of a 32-byte key")
        keys[kid] = AESGCM(raw)
        current = current or kid
    if not keys:
        raise ImproperlyConfigured("GONGZHI_DATA_KEYS is empty")
    return current, keys


def keyring() -> tuple[str, dict[str, AESGCM]]:
    return _keyring(settings.DATA_KEYS)


def current_key_id() -> str:
    return keyring()[0]


def is_sealed(value: str | None) -> bool:
    return bool(value) and value.startswith(PREFIX)


def key_id_of(value: str) -> str:
    return value.split("$", 2)[1] if is_sealed(value) else ""


def seal(plain: str, aad: str) -> str:
    kid, keys = keyring()
    nonce = os.urandom(12)
    blob = nonce + keys[kid].encrypt(nonce, plain.encode(), aad.encode())
    return f"{PREFIX}{kid}${base64.urlsafe_b64encode(blob).decode()}"


def open_sealed(value: str, aad: str) -> str:
    """The clear text of a sealed value; a value written before encryption (no prefix) as it is."""
    if not is_sealed(value):
        return value
    _v, kid, b64 = value.split("$", 2)
    key = keyring()[1].get(kid)
    if key is None:
        raise DecryptionError(f"no key {kid!r} in GONGZHI_DATA_KEYS")
    blob = base64.urlsafe_b64decode(b64)
    try:
        return key.decrypt(blob[:12], blob[12:], aad.encode()).decode()
    except InvalidTag as exc:
        raise DecryptionError("sealed value does not open (altered, or another column's)") from exc


def blind_index(value: str, purpose: str) -> str:
    """Keyed hash for exact look-up: equal inputs give equal outputs, nothing else can be learnt."""
    mac = hmac.new(settings.INDEX_KEY.encode(), f"{purpose}\x1f{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]
