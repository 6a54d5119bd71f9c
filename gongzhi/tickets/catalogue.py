"""The category catalogues, kept in Django's cache.

A street or a community may keep its own catalogue (Category.area); the rows without an area are
the installation-wide catalogue. A place files under the catalogue of the nearest area above it that
keeps one, else the installation-wide one (`area_for`).

Every intake names a category, and staff change the catalogues a few times a year, so each area's
(small) catalogue is cached under its own key, and the index of the areas that keep one under
another, for `TICKETS_CATALOGUE_SECONDS` (default 60). A change saved through the ORM (admin, the
services, `ensure_catalogue`) deletes the entries at once; with the default per-process LocMem cache,
other processes see it within that many seconds (a shared cache backend makes it immediate). Each
read gets its own copy of the rows."""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Category

AREAS_KEY = "tickets:catalogue:areas"


def _key(area_id: int | None) -> str:
    return f"tickets:catalogue:{area_id or 'all'}"


def _seconds() -> int:
    return int(getattr(settings, "TICKETS_CATALOGUE_SECONDS", 60))


def _load(area_id: int | None) -> dict[str, Category]:
    rows = cache.get(_key(area_id))
    if rows is None:
        rows = {c.code: c for c in Category.objects.filter(area_id=area_id)}
        cache.set(_key(area_id), rows, _seconds())
    return rows


def _areas() -> dict[int, str]:
    """The areas that keep their own catalogue: id → path."""
    areas = cache.get(AREAS_KEY)
    if areas is None:
        areas = dict(Category.objects.filter(area__isnull=False).values_list("area_id", "area__path").distinct())
        cache.set(AREAS_KEY, areas, _seconds())
    return areas


def area_for(path: str | None) -> int | None:
    """The id of the nearest area at or above this place path that keeps its own catalogue; None:
    the installation-wide catalogue."""
    if not path:
        return None
    best = None
    for area_id, area_path in _areas().items():
        if path.startswith(area_path) and (best is None or len(area_path) > len(best[1])):
            best = (area_id, area_path)
    return best[0] if best else None


def by_code(code: str, area_id: int | None = None) -> Category | None:
    """The category with this code in one area's catalogue (None: installation-wide), active or not
    (the caller decides what inactive means)."""
    return _load(area_id).get((code or "").strip())


def by_id(pk, area_id: int | None = None) -> Category | None:
    return next((c for c in _load(area_id).values() if c.pk == pk), None)


def active(area_id: int | None = None) -> list[Category]:
    return [c for c in _load(area_id).values() if c.active]


def for_place(path: str | None) -> list[Category]:
    """The active categories offered when filing at this place."""
    return active(area_for(path))


def clear(area_id: int | None = None) -> None:
    cache.delete_many([AREAS_KEY, _key(area_id)])


@receiver(post_save, sender=Category, dispatch_uid="tickets_catalogue_saved")
@receiver(post_delete, sender=Category, dispatch_uid="tickets_catalogue_deleted")
def _changed(instance, **kwargs) -> None:
    area_id = instance.area_id
    clear(area_id)
    # Another request may reload between this save and its commit and cache the old row: clear
    # again once the change is visible.
    transaction.on_commit(lambda: clear(area_id))
