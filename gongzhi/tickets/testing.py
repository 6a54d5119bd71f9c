"""Helpers for tests and demo data: the standard category catalogue and a clock."""

from django.utils import timezone

from .models import Category
from .services.setup import standard_rows


def ensure_catalogue() -> dict[str, Category]:
    return {code: Category.objects.get_or_create(code=code, defaults=fields)[0] for code, fields in standard_rows()}


def now():
    return timezone.now()
