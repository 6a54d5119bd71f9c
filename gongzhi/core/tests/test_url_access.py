"""Every URL the project serves either is on the short public list or refuses an anonymous visitor
(redirect to login, 401, or 404 — never a page with data)."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = [
    r"^accounts/login/$",
    r"^healthz$",
    r"^open311/v2/",
    r"^evaluation/board/",
    r"^api/docs$",
    r"^api/openapi\.json$",
    r"^api/accounts/token$",
    r"^api/evaluation/board/",
    r"^deliberation/board/",
    r"^api/deliberation/board/",
    r"^activities/board/",
    r"^activities/verify/",
    r"^api/activities/certificates/verify/",
    # installable web app: fetched by the browser without the session; no data in them
    r"^manifest\.webmanifest$",
    r"^sw\.js$",
    r"^offline/$",
    r"^admin/",  # Django admin has its own login redirect (checked below)
]


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _concrete(route: str) -> str:
    route = re.sub(r"<(?:str|slug|path):[^>]+>", "x", route)
    route = re.sub(r"<[^>]+>", "1", route)  # <int:pk> and ninja's untyped <pk>
    route = route.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")
    return "/" + route


@pytest.mark.django_db
def test_anonymous_visitor_gets_nothing_outside_the_public_list(world, client):
    checked = 0
    for route in sorted(set(_walk(get_resolver().url_patterns))):
        if "(?P" in route or any(re.match(p, route.lstrip("^")) for p in PUBLIC):
            continue
        url = _concrete(route)
        r = client.get(url)
        checked += 1
        ok = r.status_code in (401, 404, 405) or (r.status_code == 302 and "/login/" in r.headers["Location"])
        assert ok, f"{url} answered {r.status_code} to an anonymous visitor"
    assert checked > 50
    r = client.get("/admin/")
    assert r.status_code == 302 and "login" in r.headers["Location"]
