"""Hidden and missing look the same everywhere: an account without any role, asking for the rows of
every app by id (pages and API), gets no data back."""

import datetime
import re

import pytest
from django.urls import get_resolver

from gongzhi.core.tests.test_url_access import _walk

IDS = range(1, 11)


def _routes_with_ids():
    for route in sorted(set(_walk(get_resolver().url_patterns))):
        if "(?P" in route or route.startswith("admin") or not re.search(r"<(?:int:)?\w+>", route):
            continue
        if "board/" in route:  # the public notice board is public by design (tested in evaluation)
            continue
        yield route


def _fill(route: str, i: int) -> str:
    route = re.sub(r"<(?:str|slug|path):[^>]+>", "x", route)
    return "/" + re.sub(r"<[^>]+>", str(i), route)


@pytest.fixture
def everything(world):
    """Rows in every app, in community A."""
    from gongzhi.evaluation import seed_rules
    from gongzhi.evaluation import services as evaluation
    from gongzhi.people import services as people
    from gongzhi.tickets.services import ticket_submit
    from gongzhi.tickets.testing import ensure_catalogue

    staff = world.users["community_a"]
    people.resident_create(actor=staff, household=world.hh_a1, name="王小明", relation="head")
    cats = ensure_catalogue()
    for _ in range(3):
        ticket_submit(actor=staff, channel="hotline", category=cats["repair"], household=world.hh_a1,
                      description="楼道灯坏了，晚上很黑")
    rs, v1, v2 = seed_rules.build_hongdongli(actor=staff, compound=world.compound_a)
    evaluation.period_open(actor=staff, rule_set=rs, day=datetime.date(2024, 3, 1))
    return world


@pytest.mark.django_db
def test_account_without_role_gets_no_row_of_any_app(everything, client_for):
    c = client_for(everything.users["nobody"])
    leaks = []
    routes = list(_routes_with_ids())
    assert len(routes) > 40
    for route in routes:
        for i in IDS:
            r = c.get(_fill(route, i))
            if r.status_code == 200:
                leaks.append(_fill(route, i))
    assert not leaks, leaks


@pytest.mark.django_db
def test_account_without_role_cannot_act_on_any_row(everything, client_for):
    from gongzhi.accounts.models import AuditLog
    from gongzhi.tickets.models import Ticket, TicketEvent

    c = client_for(everything.users["nobody"])
    before = (TicketEvent.objects.count(), Ticket.objects.count())
    odd = []
    for route in _routes_with_ids():
        for i in IDS:
            url = _fill(route, i)
            r = c.post(url, {}, content_type="application/json") if url.startswith("/api/") else c.post(url, {})
            if r.status_code not in (400, 403, 404, 405, 422):
                odd.append((url, r.status_code))
    assert not odd, odd
    assert (TicketEvent.objects.count(), Ticket.objects.count()) == before
    assert not AuditLog.objects.filter(actor=everything.users["nobody"]).exclude(action="view").exists()
