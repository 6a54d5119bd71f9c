"""The category catalogue, cached per process.

Every intake names a category, and staff change the catalogue a few times a year, so each server
process keeps the whole (small) table in memory for `TICKETS_CATALOGUE_SECONDS` (default 60). A
change made in this process (admin, `ensure_catalogue`) clears the cache at once; other processes
see it within that many seconds. The cached rows are shared between threads: read them, never save
them (load a fresh row to edit one)."""

import threading
import time

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Category

_lock = threading.Lock()
_EMPTY: dict = {"until": 0.0, "by_code": {}, "by_id": {}}
_state: dict = _EMPTY  # replaced whole, never changed in place: a reader holds one consistent snapshot


def _seconds() -> float:
    return float(getattr(settings, "TICKETS_CATALOGUE_SECONDS", 60))


def _load() -> dict:
    global _state
    state = _state
    if state["until"] > time.monotonic():
        return state
    with _lock:
        if _state["until"] > time.monotonic():
            return _state
        rows = list(Category.objects.all())
        _state = {"until": time.monotonic() + _seconds(), "by_code": {c.code: c for c in rows},
                  "by_id": {c.pk: c for c in rows}}
        return _state


def by_code(code: str) -> Category | None:
    """The category with this code, active or not (the caller decides what inactive means)."""
    return _load()["by_code"].get((code or "").strip())


def by_id(pk) -> Category | None:
    return _load()["by_id"].get(pk)


def active() -> list[Category]:
    return [c for c in _load()["by_code"].values() if c.active]


def clear() -> None:
    global _state
    with _lock:
        _state = _EMPTY


@receiver(post_save, sender=Category, dispatch_uid="tickets_catalogue_saved")
@receiver(post_delete, sender=Category, dispatch_uid="tickets_catalogue_deleted")
def _changed(**kwargs) -> None:
    clear()
    # Another thread may reload between this save and its commit and cache the old row: clear again
    # once the change is visible.
    transaction.on_commit(clear)
