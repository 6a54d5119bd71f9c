"""The fast paths added for the city-scale benchmark give the same answers as the slow ones."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.services import token_create
from gongzhi.people.models import Organisation, OrganisationMember
from gongzhi.territory.testing import make_user
from gongzhi.tickets import services
from gongzhi.tickets.measures import ticket_measures
from gongzhi.tickets.models import DONE_STATUSES, Status, Ticket

pytestmark = pytest.mark.django_db


def test_measures_by_level_and_counts_match_a_plain_count(world, flow, submit):
    flow("closed")
    flow("resolved")
    t = flow("dispatched")
    services.ticket_reject(actor=world.users["community_a"], ticket=submit(), reason="不属于本社区职责")
    Ticket.objects.filter(pk=t.pk).update(resolved_level="street")  # open: must not count by level
    now = timezone.now()
    m = ticket_measures(world.street, now - datetime.timedelta(days=1), now + datetime.timedelta(days=1), now=now)
    base = Ticket.objects.exclude(status__in=[Status.MERGED, Status.REJECTED])
    assert m.total == base.count() == 3
    assert m.resolved == base.filter(status__in=DONE_STATUSES).count() == 2
    expected = {}
    for lv in base.filter(status__in=DONE_STATUSES).exclude(resolved_level="").values_list("resolved_level", flat=True):
        expected[lv] = expected.get(lv, 0) + 1
    assert m.by_level == expected and sum(expected.values()) == 2
    assert m.rated == m.satisfied == 1 and m.satisfaction_rate == 1.0


def test_api_intake_answers_with_its_submit_event_without_reading_it_back(world, cats, client):
    _t, key = token_create(actor=world.users["community_a"], name="t")
    body = {"category": "repair", "channel": "hotline", "household_id": world.hh_a1.pk,
            "description": "楼道声控灯坏了很久", "idempotency_key": "k1"}
    with CaptureQueriesContext(connection) as q:
        r = client.post("/api/tickets/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert r.status_code == 201
    events = r.json()["events"]
    assert [(e["action"], e["to_status"], e["note"]) for e in events] == [("submit", "submitted", "民情热线")]
    assert not any("tickets_ticketevent" in x["sql"] and x["sql"].startswith("SELECT") for x in q.captured_queries)
    t = Ticket.objects.get(pk=r.json()["id"])
    assert t.community == world.community_a and t.grid_id == world.hh_a1.micro_grid.parent_id
    # The idempotent replay reads the history from the database.
    again = client.post("/api/tickets/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert again.json()["id"] == t.pk and again.json()["events"] == events


def test_orders_page_shows_rating_label(world, client_for):
    u = world.users
    org = Organisation.objects.create(name="邻里家政服务队", kind=Organisation.Kind.SERVICE_TEAM,
                                      community=world.community_a)
    worker = make_user("jiazheng2")
    OrganisationMember.objects.create(organisation=org, user=worker)
    off = services.offering_create(actor=u["community_a"], organisation=org, community=world.community_a,
                                   title="上门理发")
    o = services.order_create(actor=u["resident_a1"], offering=off)
    services.order_dispatch(actor=u["community_a"], order=o)
    services.order_accept(actor=worker, order=o)
    services.order_done(actor=worker, order=o, result="已理发")
    services.order_rate(actor=u["resident_a1"], order=o, rating="basic", comment="还行")
    html = client_for(u["resident_a1"]).get(reverse("tickets:orders")).content.decode()
    assert "基本满意" in html and ">basic<" not in html


def test_place_picker_searches_within_scope_and_is_bounded(world, cats, client_for):
    from gongzhi.territory.models import Level
    from gongzhi.territory.testing import make_node
    from gongzhi.tickets import selectors

    for i in range(30):
        make_node(world.compound_a, Level.BUILDING, f"{i + 2}栋")
    url = reverse("tickets:places")
    a = client_for(world.users["community_a"])
    html = a.get(url, {"place_q": "幸福"}).content.decode()
    assert "幸福小区 1栋" in html and html.count("<option") == 1 + selectors.PLACE_RESULTS
    assert "乙1栋" not in a.get(url, {"place_q": "乙"}).content.decode()
    assert "未找到匹配的地点" in a.get(url, {"place_q": "乙1栋"}).content.decode()
    assert "乙1栋" in client_for(world.users["community_b"]).get(url, {"place_q": "乙"}).content.decode()
    assert "幸福" not in client_for(world.users["community_b"]).get(url, {"place_q": "幸福"}).content.decode()
    assert client_for(world.users["nobody"]).get(url, {"place_q": "幸福"}).content.decode().count("<option") == 1
    # The form lists no places until one is searched for, yet accepts a chosen one; a place outside
    # the user's communities is refused by the form.
    page = a.get(reverse("tickets:submit")).content.decode()
    assert "幸福小区" not in page and 'hx-get="/tickets/places/"' in page
    data = {"kind": "demand", "category": cats["repair"].pk, "channel": "hotline",
            "description": "热线反映楼道灯不亮", "node": world.building_a1.pk}
    r = a.post(reverse("tickets:submit"), data)
    assert r.status_code == 302
    r = a.post(reverse("tickets:submit"), {**data, "node": world.building_b1.pk, "idem": "x2"})
    assert r.status_code == 400 and Ticket.objects.count() == 1
