"""Regressions for the review of 2026-11: each test failed before its fix."""

import io
import re

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.models import AuditLog
from gongzhi.people.models import Organisation, OrganisationMember
from gongzhi.territory.models import Level, Role
from gongzhi.territory.testing import assign, make_node, make_user
from gongzhi.tickets import services
from gongzhi.tickets.duplicates import suggest_duplicates
from gongzhi.tickets.forms import SubmitForm
from gongzhi.tickets.models import Channel, Open311Key, ServiceOffering, ServiceOrder, Ticket, hash_key
from gongzhi.tickets.selectors import visible_tickets

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


def _org(community, name, kind="social"):
    return Organisation.objects.create(community=community, name=name, kind=kind)


# 1. open redirect --------------------------------------------------------------------------------
@pytest.mark.parametrize("target", ["https://evil.example/phish", "//evil.example/phish", "https:/\\evil.example"])
def test_wish_act_does_not_redirect_off_site(world, client_for, target):
    w = services.wish_create(actor=world.users["resident_a1"], title="想要一台轮椅")
    r = client_for(world.users["community_a"]).post(reverse("tickets:wish_act", args=[w.pk, "confirm"]),
                                                    {"next": target})
    assert r.status_code == 302 and r["Location"] == reverse("tickets:wall")


def test_wish_act_follows_a_local_next(world, client_for):
    w = services.wish_create(actor=world.users["resident_a1"], title="想要一台轮椅")
    r = client_for(world.users["community_a"]).post(reverse("tickets:wish_act", args=[w.pk, "confirm"]),
                                                    {"next": "/tickets/wishes/?status=done"})
    assert r["Location"] == "/tickets/wishes/?status=done"


# 2. orders dispatched only to organisations of the area ------------------------------------------
@pytest.fixture
def order_world(world):
    org_a = _org(world.community_a, "甲社区服务队")
    other_street = make_node(world.community_a.parent.parent, Level.STREET, "别的街道")
    org_x = _org(make_node(other_street, Level.COMMUNITY, "别的社区"), "外街道公司")
    OrganisationMember.objects.create(organisation=org_x, user=make_user("x_member"))
    off = ServiceOffering.objects.create(organisation=org_a, community=world.community_a, title="上门理发")
    order = services.order_create(actor=world.users["resident_a1"], offering=off, note="电话13800000000")
    return org_a, org_x, order


def test_order_dispatch_to_a_foreign_org_is_refused(world, client_for, order_world):
    org_a, org_x, order = order_world
    staff = world.users["community_a"]
    r = client_for(staff).post(reverse("tickets:order_act", args=[order.pk, "dispatch"]), {"org": org_x.pk})
    assert r.status_code == 404
    r = client_for(staff).post(f"/api/tickets/orders/{order.pk}/dispatch", {"org_id": org_x.pk},
                               content_type="application/json")
    assert r.status_code == 404
    with pytest.raises(PermissionDenied, match="只能派单给"):
        services.order_dispatch(actor=staff, order=order, organisation=org_x)
    order.refresh_from_db()
    assert order.organisation_id is None and order.status == "ordered"


def test_order_dispatch_to_area_or_serving_org_works(world, client_for, order_world):
    org_a, org_x, order = order_world
    staff = world.users["community_a"]
    org_x.serves.add(world.community_a)  # from another street, but it serves this community
    r = client_for(staff).post(reverse("tickets:order_act", args=[order.pk, "dispatch"]), {"org": org_x.pk})
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.organisation_id == org_x.pk and order.status == "dispatched"
    o2 = services.order_create(actor=world.users["resident_a1"], offering=order.offering)
    services.order_dispatch(actor=staff, order=o2, organisation=org_a)
    assert ServiceOrder.objects.get(pk=o2.pk).organisation_id == org_a.pk


# 3. duplicate hints stay inside what the user may see ---------------------------------------------
def test_duplicate_hints_leave_out_hidden_tickets(world, submit, client_for):
    b2 = make_node(world.compound_a, Level.BUILDING, "2栋")
    t = submit(node=b2, description="二栋502张阿姨家漏水严重，电话13700001111")
    unit_head = world.users["unit_a1"]
    assert not visible_tickets(unit_head).filter(pk=t.pk).exists()
    html = client_for(unit_head).get(reverse("tickets:duplicates"), {
        "node": world.unit_a1_1.pk, "description": "漏水严重 张阿姨 二栋"}).content.decode()
    assert f"#{t.pk}" not in html and "13700001111" not in html
    r = client_for(unit_head).get("/api/tickets/duplicates", {"node_id": world.unit_a1_1.pk,
                                                              "text": "漏水严重 张阿姨 二栋"})
    assert r.status_code == 200 and r.json() == {"items": [], "count": 0}
    # the community's staff, who may see it, still get the hint
    found = suggest_duplicates(user=world.users["community_a"], node_path=world.unit_a1_1.path,
                               text="漏水严重 张阿姨 二栋")
    assert [x.pk for x, _ in found] == [t.pk]


# 4. Open311: no staff notes in public, bounded id lists --------------------------------------------
def test_open311_public_get_shows_a_fixed_label_not_the_result(world, flow, client):
    t = flow("resolved")
    Ticket.objects.filter(pk=t.pk).update(result=f"已为101室张三（{PHONE}）更换水管")
    for url in (f"/open311/v2/requests/{t.pk}.json", f"/open311/v2/requests.json?service_request_id={t.pk}"):
        body = client.get(url).content.decode()
        assert PHONE not in body and "张三" not in body
        assert client.get(url).json()[0]["status_notes"] == "已办结"
    Open311Key.objects.create(name="测试", key_hash=hash_key("k-a"), prefix="k-a", user=make_user("o311"),
                              community=world.community_a)
    row = client.get(f"/open311/v2/requests/{t.pk}.json?api_key=k-a").json()[0]
    assert PHONE in row["status_notes"]


def test_open311_id_list_is_capped(world, cats, client):
    ids = ",".join(str(i) for i in range(1, 52))
    r = client.get(f"/open311/v2/requests.json?service_request_id={ids}")
    assert r.status_code == 400 and "50" in r.json()[0]["description"]
    assert client.get("/open311/v2/requests.json?service_request_id=1,2,3").status_code == 200


# 5. self-service only for one's own household ------------------------------------------------------
def test_self_ticket_on_a_neighbours_household_is_refused(world, cats, client_for):
    resident = world.users["resident_a1"]
    r = client_for(resident).post("/api/tickets/", {
        "category": "repair", "description": "邻居家门口堆满了杂物影响通行", "channel": "self",
        "household_id": world.hh_a2.pk}, content_type="application/json")
    assert r.status_code == 404
    with pytest.raises(PermissionDenied, match="本人"):
        services.ticket_submit(actor=resident, channel=Channel.SELF, category=cats["repair"],
                               description="邻居家门口堆满了杂物影响通行", household=world.hh_a2)
    assert not Ticket.objects.exists()
    t = services.ticket_submit(actor=resident, channel=Channel.SELF, category=cats["repair"],
                               description="我家门口的灯坏了好几天", household=world.hh_a1)
    assert t.household_id == world.hh_a1.pk


# 6. the export's "as of" is local time --------------------------------------------------------------
def test_measures_xlsx_as_of_is_local_time(world, client_for, submit):
    submit()
    r = client_for(world.users["community_a"]).get(reverse("tickets:stats_xlsx"), {"node": world.community_a.pk})
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    before = timezone.localtime() - timezone.timedelta(minutes=1)
    assert ws["B3"].value in {timezone.localtime().strftime("%Y-%m-%d %H:%M"), before.strftime("%Y-%m-%d %H:%M")}


# 7. lists of node-placed tickets: a bounded number of queries -----------------------------------------
def _count(c, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = c.get(url)
    assert r.status_code == 200
    return len(ctx.captured_queries)


def test_lists_of_node_placed_tickets_issue_a_fixed_number_of_queries(world, flow, client_for):
    c = client_for(world.users["community_a"])
    pages = [reverse("tickets:board"), reverse("tickets:follow_ups")]
    flow("submitted", node=world.building_a1)
    flow("resolved", node=world.building_a1, reporter_phone=PHONE)
    one = [_count(c, p) for p in pages]
    for i in range(5):
        flow("submitted", node=world.building_a1, description=f"楼道灯坏了第{i}次反映情况")
        flow("resolved", node=world.building_a1, description=f"小区路灯坏了第{i}次反映", reporter_phone=PHONE)
    assert [_count(c, p) for p in pages] == one
    handler = client_for(world.users["grid_a1"])
    flow("accepted", node=world.building_a1, description="楼道灯又坏了再次反映情况")
    q1 = _count(handler, reverse("tickets:queue"))
    for i in range(3):
        flow("accepted", node=world.building_a1, description=f"单元门禁坏了第{i}次反映")
    assert _count(handler, reverse("tickets:queue")) == q1


# 8. hidden ids look missing in the API ---------------------------------------------------------------
@pytest.mark.parametrize("field", ["household_id", "node_id", "community_id"])
def test_api_place_ids_hidden_look_missing(world, cats, client_for, field):
    hidden = {"household_id": world.hh_b1.pk, "node_id": world.building_b1.pk,
              "community_id": world.community_b.pk}[field]
    c = client_for(world.users["community_a"])
    body = {"category": "repair", "description": "路灯坏了好几天了", "channel": "hotline", "address": "门口"}
    r_hidden = c.post("/api/tickets/", {**body, field: hidden}, content_type="application/json")
    r_missing = c.post("/api/tickets/", {**body, field: 99_999_999}, content_type="application/json")
    assert r_hidden.status_code == r_missing.status_code == 404
    ok = {"household_id": world.hh_a1.pk, "node_id": world.building_a1.pk, "community_id": world.community_a.pk}
    assert c.post("/api/tickets/", {**body, field: ok[field]}, content_type="application/json").status_code == 201


def test_api_duplicates_hidden_node_looks_missing(world, cats, client_for):
    c = client_for(world.users["community_a"])
    assert c.get("/api/tickets/duplicates", {"node_id": world.building_b1.pk, "text": "路灯"}).status_code == 404
    assert c.get("/api/tickets/duplicates", {"node_id": 99_999_999, "text": "路灯"}).status_code == 404
    assert c.get("/api/tickets/duplicates", {"node_id": world.building_a1.pk, "text": "路灯"}).status_code == 200


# 9. junk ids answer 404 / nothing, never 500 ------------------------------------------------------------
def test_junk_ids_do_not_raise(world, client_for, order_world):
    org_a, org_x, order = order_world
    c = client_for(world.users["community_a"])
    c.raise_request_exception = False
    assert c.post(reverse("tickets:order_act", args=[order.pk, "dispatch"]), {"org": "abc"}).status_code == 404
    w = services.wish_create(actor=world.users["resident_a1"], title="想要一台轮椅")
    assert c.post(reverse("tickets:wish_act", args=[w.pk, "claim"]), {"org": "abc"}).status_code == 404
    r = c.get(reverse("tickets:duplicates"), {"node": "abc", "description": "楼道灯坏了"})
    assert r.status_code == 200 and "#" not in r.content.decode()


# 10. the reporter's phone for 电话回访 -------------------------------------------------------------------
def test_reporter_phone_in_full_for_staff_with_audit_masked_for_others(world, flow, client_for):
    t = flow("resolved", reporter_phone=PHONE)
    staff, other = world.users["community_a"], world.users["unit_a1"]
    assert visible_tickets(other).filter(pk=t.pk).exists()
    html = client_for(staff).get(reverse("tickets:detail", args=[t.pk])).content.decode()
    assert PHONE in html
    log = AuditLog.objects.get(action="view", target_type="tickets.ticket", target_id=str(t.pk))
    assert log.actor == staff
    assert PHONE in client_for(staff).get(reverse("tickets:follow_ups")).content.decode()
    assert AuditLog.objects.filter(action="view", target_id=str(t.pk), actor=staff).count() == 2
    api = client_for(staff).get(f"/api/tickets/{t.pk}").json()
    assert api["reporter_phone"] == PHONE
    assert client_for(staff).get("/api/tickets/").json()["items"][0]["reporter_phone"] == "139****5678"

    html = client_for(other).get(reverse("tickets:detail", args=[t.pk])).content.decode()
    assert PHONE not in html and "139****5678" in html
    assert client_for(other).get(f"/api/tickets/{t.pk}").json()["reporter_phone"] == "139****5678"
    assert not AuditLog.objects.filter(action="view", actor=other).exists()


# 11. a building/unit head who lives there gets the staff intake form --------------------------------------
def test_unit_head_living_in_the_building_gets_the_staff_form(world, cats, client_for):
    head = world.users["unit_a1"]
    assign(head, Role.RESIDENT, world.hh_a2)
    assert SubmitForm(user=head).staff_mode
    html = client_for(head).get(reverse("tickets:submit")).content.decode()
    assert 'name="channel"' in html
    assert not SubmitForm(user=world.users["resident_a1"]).staff_mode


def _statements(sql: str) -> list[tuple[str, str]]:
    """(verb, main table) per statement in it: a SELECT's table is its FROM outside parentheses
    (subqueries are inside); PostgreSQL writes a ticket and its event in one WITH ... INSERT."""
    if sql.startswith("WITH"):
        return [("INSERT INTO", t) for t in re.findall(r'INSERT INTO "(\w+)"', sql)]
    verb = re.match(r"(SELECT|INSERT INTO|UPDATE)\b", sql).group(1)
    if verb != "SELECT":
        return [(verb, re.findall(r'"(\w+)"', sql)[0])]
    depth = 0
    for i, ch in enumerate(sql):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and sql.startswith(" FROM ", i):
            return [(verb, re.match(r' FROM "(\w+)"', sql[i:]).group(1))]
    raise AssertionError(sql)


def test_scoped_place_lookup_adds_no_query_to_intake(world, cats, client_for):
    """The scoped household lookup reuses the scope the intake service loads anyway, the category
    comes from the per-process catalogue, and the request writes only the ticket and its event (the
    dispatchers are told by the job): these statements and no others."""
    c = client_for(world.users["grid_a1"])
    body = {"category": "repair", "channel": "visit", "household_id": world.hh_a1.pk,
            "description": "走访发现楼道灯不亮需要维修"}
    c.post("/api/tickets/", {**body, "idempotency_key": "a"}, content_type="application/json")
    with CaptureQueriesContext(connection) as ctx:
        r = c.post("/api/tickets/", {**body, "idempotency_key": "b"}, content_type="application/json")
    assert r.status_code == 201
    sql = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    touched = [pair for q in sql for pair in _statements(q)]
    # "repair" counts working days: the work calendar was read by the first ticket, once per process.
    assert touched == [
        ("SELECT", "django_session"), ("SELECT", "accounts_user"),  # the login session (an API token: 1 query)
        ("SELECT", "territory_household"), ("SELECT", "territory_roleassignment"),  # the place, the scope
        ("INSERT INTO", "tickets_ticket"), ("INSERT INTO", "tickets_ticketevent"),
        ("UPDATE", "django_session"),  # the idle timeout's last activity
    ], "\n".join(q[:60] for q in sql)
