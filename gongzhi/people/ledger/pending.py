"""A checked upload waiting for the staff member's confirmation (上传并校验 → 确认导入).

The file is kept under MEDIA_ROOT/ledger-pending by a random token; the page keeps the token in the
user's session, so nobody else can confirm it. Confirming reads the file again and imports it
through the same checks (the data may have changed in between). Files older than a day go."""

import secrets
import time
from pathlib import Path

from django.conf import settings

MAX_AGE_SECONDS = 24 * 3600


def _dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "ledger-pending"


def _path(token: str) -> Path | None:
    if not token or not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
        return None
    return _dir() / f"{token}.xlsx"


def pending_save(data: bytes) -> str:
    d = _dir()
    d.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - MAX_AGE_SECONDS
    for old in d.glob("*.xlsx"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(18)
    (d / f"{token}.xlsx").write_bytes(data)
    return token


def pending_take(token: str) -> bytes | None:
    """The file saved under `token` (then forgotten), or None."""
    path = _path(token)
    if path is None or not path.exists():
        return None
    data = path.read_bytes()
    path.unlink(missing_ok=True)
    return data
