"""Uploads checked and waiting for their owner's confirmation (上传并校验 → 确认导入).

A page checks an uploaded file, saves it here under a random token and keeps the token in the
user's session, so nobody else can confirm it. Confirming takes the file back (once: a second take of
the same token finds nothing) and imports it through the same checks (the data may have changed in
between). Each kind of upload has its own folder under MEDIA_ROOT; files older than a day go."""

import secrets
import time
from pathlib import Path

from django.conf import settings

MAX_AGE_SECONDS = 24 * 3600


class PendingUploads:
    """One kind of pending upload: files `<token><suffix>` in MEDIA_ROOT/<folder>."""

    def __init__(self, folder: str, suffix: str):
        self.folder, self.suffix = folder, suffix

    def _dir(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.folder

    def _path(self, token: str) -> Path | None:
        if not token or not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
            return None
        return self._dir() / f"{token}{self.suffix}"

    def save(self, data: bytes) -> str:
        d = self._dir()
        d.mkdir(parents=True, exist_ok=True)
        cutoff = time.time() - MAX_AGE_SECONDS
        for old in d.glob(f"*{self.suffix}"):
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
        token = secrets.token_urlsafe(18)
        (d / f"{token}{self.suffix}").write_bytes(data)
        return token

    def take(self, token: str) -> bytes | None:
        """The file saved under `token` (then forgotten), or None. Two requests confirming the same
        token at once: the rename lets exactly one of them have the file."""
        path = self._path(token)
        if path is None:
            return None
        taken = path.with_name(f"{path.name}.{secrets.token_hex(4)}.taken")
        try:
            path.rename(taken)
        except FileNotFoundError:
            return None
        try:
            return taken.read_bytes()
        finally:
            taken.unlink(missing_ok=True)
