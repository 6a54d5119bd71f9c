"""Page-number pagination for HTML lists (the API uses ninja's own)."""

from django.core.paginator import Paginator

PAGE_SIZE = 50


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """A Page for ?page=N; out-of-range or junk page numbers fall back to the nearest valid page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
