"""Uploads checked and waiting for their owner's confirmation (上传并校验 → 确认导入).

A page checks an uploaded file, saves it here under a random token and keeps the token in the
user's session, so nobody else can confirm it. Confirming takes the file back (once: a second take of
the same token finds nothing) and imports it through the same checks (the data may have changed in
between). Each kind of upload has its own folder under MEDIA_ROOT; files older than a day go: when a
file of the same kind is saved, and from the periodic job (`sweep_all`, a stage of `run_sla`).

The files may hold personal data in the clear (the residents' ledger holds ID numbers, which the
database keeps encrypted): they are written readable by the server's user only, and `manage.py
backup` leaves the folders out (`pending_folders`). Define a kind once, at the top of a module that
the URLconf imports (its page's views), so that both find it."""

import os
import secrets
import time
from pathlib import Path

from django.conf import settings

MAX_AGE_SECONDS = 24 * 3600

_KINDS: dict[str, "PendingUploads"] = {}  # folder -> kind, filled as the kinds are defined


class PendingUploads:
    """One kind of pending upload: files `<token><suffix>` in MEDIA_ROOT/<folder>."""

    def __init__(self, folder: str, suffix: str):
        self.folder, self.suffix = folder, suffix
        _KINDS[folder] = self

    def _dir(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.folder

    def _path(self, token: str) -> Path | None:
        if not token or not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
            return None
        return self._dir() / f"{token}{self.suffix}"

    def sweep(self, max_age: float = MAX_AGE_SECONDS) -> int:
        """Remove this kind's files older than `max_age` seconds, and those a crashed confirmation left
        (`*.taken`); returns how many. A file a confirmation renames meanwhile is not an error."""
        d = self._dir()
        if not d.is_dir():
            return 0
        cutoff, removed = time.time() - max_age, 0
        for pattern in (f"*{self.suffix}", f"*{self.suffix}.*.taken"):
            for old in d.glob(pattern):
                try:
                    if old.stat().st_mtime < cutoff:
                        old.unlink()
                        removed += 1
                except FileNotFoundError:  # taken (renamed) or swept by another request since listed
                    continue
        return removed

    def save(self, data: bytes) -> str:
        d = self._dir()
        d.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.sweep()
        token = secrets.token_urlsafe(18)
        fd = os.open(d / f"{token}{self.suffix}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
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
            return taken.read_bytes()
        except FileNotFoundError:  # no such file, or swept (a day old) between the rename and the read
            return None
        finally:
            taken.unlink(missing_ok=True)

    def discard(self, token: str) -> None:
        """Forget the file saved under `token`, if any (放弃, or a newer file checked instead)."""
        path = self._path(token)
        if path is not None:
            path.unlink(missing_ok=True)


def _every_kind() -> list[PendingUploads]:
    """Every kind, the URLconf imported first so that each page's kind is defined."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    return list(_KINDS.values())


def sweep_all(max_age: float = MAX_AGE_SECONDS) -> int:
    """The periodic job's sweep of every kind: files older than `max_age` seconds removed; how many."""
    return sum(kind.sweep(max_age) for kind in _every_kind())


def pending_folders() -> list[str]:
    """The folders under MEDIA_ROOT that hold pending uploads (left out of backups)."""
    return sorted(kind.folder for kind in _every_kind())
