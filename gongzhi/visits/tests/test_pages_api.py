import datetime
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.core.testing import tiny_image
from gongzhi.territory.testing import make_household
from gongzhi.tickets.models import Channel, Ticket
from gongzhi.visits import services
from gongzhi.visits.models import CareDue, Visit, VisitPhoto
from gongzhi.visits.testing import tagged_resident

pytestmark = pytest.mark.django_db
PNG = tiny_image()  # a real image: uploads are decoded and re-encoded


def _post(client, world, **extra):
    data = {"household": world.hh_a1.pk, "kind": "home", "tags": ["need"], "findings": "老人想要助餐服务",
            "met": "王奶奶", "persons_met": 1} | extra
    return client.post("/api/visits/visits", data)


def _rule(world, days=7):
    services.care_rule_set(actor=world.users["community_a"], community=world.community_a, key_group="solitary",
                           every_days=days)


def test_api_records_once_per_client_key_with_photos(world, client_for):
    c = client_for(world.users["grid_a1"])
    r1 = _post(c, world, client_key="k1", photos=[SimpleUploadedFile("a.png", PNG, "image/png")])
    assert r1.status_code == 201, r1.content
    assert r1.json()["photos"] == 1 and r1.json()["replayed"] is False
    r2 = _post(c, world, client_key="k1", photos=[SimpleUploadedFile("a.png", PNG, "image/png")])
    assert r2.status_code == 200 and r2.json()["id"] == r1.json()["id"] and r2.json()["replayed"] is True
    assert Visit.objects.count() == 1 and VisitPhoto.objects.count() == 1


def test_api_hidden_household_is_404_and_bad_input_400(world, client_for):
    c = client_for(world.users["grid_a1"])
    assert _post(c, world, household=world.hh_b1.pk).status_code == 404
    assert _post(c, world, household=world.hh_a2.pk).status_code == 404  # another grid in the same community
    assert _post(c, world, kind="x").status_code == 400
    assert _post(c, world, changes="{not json").status_code == 400
    assert _post(c, world, photos=[SimpleUploadedFile("a.png", b"=cmd|x", "image/png")]).status_code == 400
    assert _post(c, world, visited_at="2020-13-99").status_code == 400
    assert not Visit.objects.exists()


def test_api_conflict_is_409_with_code(world, client_for):
    r = tagged_resident(world.hh_a1, "李四", phone="13800000000")
    c = client_for(world.users["grid_a1"])
    seen = c.get(f"/api/visits/households/{world.hh_a1.pk}").json()
    assert seen["residents"][0]["name"] == "李*" and "138" in seen["residents"][0]["phone"]
    assert "13800000000" not in str(seen)
    services.change_apply  # noqa: B018 - the household is edited meanwhile, by someone else:
    from gongzhi.people.services import resident_update
    resident_update(actor=world.users["community_a"], resident=r, note="改了备注")
    resp = _post(c, world, version=seen["version"], client_key="k9",
                 changes=f'[{{"kind": "phone", "resident_id": {r.pk}, "phone": "13900000000"}}]')
    assert resp.status_code == 409 and resp.json()["code"] == "household_changed"
    assert not Visit.objects.exists()
    # The worker chose to drop the change: the same key now records the visit.
    assert _post(c, world, version=seen["version"], client_key="k9").status_code == 201


def test_today_page_lists_due_masked_and_bounded_queries(world, client_for):
    for i in range(5):
        tagged_resident(world.hh_a1, f"孤老{i}号", "solitary", relation="head" if i == 0 else "other")
    _rule(world)
    CareDue.objects.filter(resident__name="孤老1号").update(due_on=timezone.localdate() - datetime.timedelta(days=3))
    c = client_for(world.users["grid_a1"])
    with CaptureQueriesContext(connection) as q:
        resp = c.get("/visits/")
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "孤**号" in body and "孤老1号" not in body and "逾期3天" in body
    assert len(q) <= 18, [x["sql"] for x in q]
    tagged_resident(world.hh_a2, "别处老人", "solitary")
    _rule(world)
    with CaptureQueriesContext(connection) as q2:
        c.get("/visits/")
    assert len(q2) == len(q)
    # Another household of the same grid on the list: its version and facts come in the same queries.
    other = make_household(world.unit_a1_1, world.micro_a1_1, "103")
    tagged_resident(other, "另一户老人", "solitary")
    _rule(world)
    with CaptureQueriesContext(connection) as q3:
        body = c.get("/visits/").content.decode()
    assert "另一户老人" not in body and body.count("class=\"card due") == 6
    assert len(q3) == len(q), [x["sql"] for x in q3]
    assert client_for(world.users["grid_a2"]).get("/visits/").content.decode().count("class=\"card due") == 1


def test_api_today_sorted_by_due(world, client_for):
    a = tagged_resident(world.hh_a1, "甲", "solitary")
    b = tagged_resident(world.hh_a1, "乙乙乙", "solitary", relation="other")
    _rule(world)
    CareDue.objects.filter(resident=b).update(due_on=timezone.localdate() - datetime.timedelta(days=2))
    rows = client_for(world.users["grid_a1"]).get("/api/visits/today").json()["items"]
    assert [r["resident_id"] for r in rows] == [b.pk, a.pk]
    assert rows[0]["overdue"] is True and rows[0]["resident"] == "乙*乙"


def test_visit_pages_scoped(world, client_for):
    visit, _ = services.visit_record(actor=world.users["grid_a1"], household=world.hh_a1, kind="home",
                                     tags=["none"])
    assert client_for(world.users["grid_a1"]).get(f"/visits/{visit.pk}/").status_code == 200
    for user in ("grid_a2", "community_b", "resident_a1"):
        c = client_for(world.users[user])
        assert c.get(f"/visits/{visit.pk}/").status_code == 404
        assert c.get(f"/api/visits/visits/{visit.pk}").status_code == 404
        assert c.get(f"/visits/household/{world.hh_a1.pk}/").status_code == 404
    assert client_for(world.users["grid_a1"]).get(f"/visits/household/{world.hh_a1.pk}/").status_code == 200


def test_record_page_without_js_posts_a_visit(world, client_for):
    c = client_for(world.users["grid_a1"])
    page = c.get(f"/visits/record/?h={world.hh_a1.pk}")
    assert page.status_code == 200 and "gz-household" in page.content.decode()
    resp = c.post("/visits/record/", {"household": world.hh_a1.pk, "kind": "home", "tags": "none"})
    assert resp.status_code == 302
    assert Visit.objects.get().recorded_by == world.users["grid_a1"]
    # A household of another grid is not offered: 404 on post, no facts on the page.
    assert c.post("/visits/record/", {"household": world.hh_b1.pk, "kind": "home", "tags": "none"}).status_code == 404
    assert "幸福" not in c.get(f"/visits/record/?h={world.hh_b1.pk}").content.decode().split("gz-household")[1][:80]


def test_ticket_from_visit_page_in_one_tap(world, client_for, catalogue):
    visit, _ = services.visit_record(actor=world.users["grid_a1"], household=world.hh_a1, kind="home",
                                     tags=["hazard"], findings="楼道电线裸露，有触电危险")
    c = client_for(world.users["grid_a1"])
    page = c.get(f"/visits/{visit.pk}/").content.decode()
    assert 'value="hazard" selected' in page
    c.post(f"/visits/{visit.pk}/ticket/", {"category": "hazard", "tag": "hazard", "description": visit.findings})
    c.post(f"/visits/{visit.pk}/ticket/", {"category": "hazard", "tag": "hazard", "description": visit.findings})
    t = Ticket.objects.get()
    assert t.channel == Channel.VISIT and t.household == world.hh_a1
    assert client_for(world.users["grid_a1"]).get(f"/api/visits/visits/{visit.pk}").json()["tickets"] == [t.pk]
    r = c.post(f"/api/visits/visits/{visit.pk}/wish", {"title": "一台轮椅", "resident_name": "王奶奶"}, content_type="application/json")
    assert r.status_code == 201 and r.json()["wish_id"]


def test_measures_and_ledger(world, client_for, catalogue):
    tagged_resident(world.hh_a1, "孤老", "solitary")
    _rule(world)
    CareDue.objects.update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    v, _ = services.visit_record(actor=world.users["grid_a1"], household=world.hh_a1, kind="home", tags=["hazard"],
                                 findings="=HYPERLINK(\"http://x\")", persons_met=2)
    services.visit_file_ticket(actor=world.users["grid_a1"], visit=v, tag="hazard",
                               category=services.default_category("hazard"))
    services.visit_record(actor=world.users["grid_a2"], household=world.hh_a2, kind="phone", tags=["none"])
    c = client_for(world.users["community_a"])
    start = (timezone.localdate() - datetime.timedelta(days=5)).isoformat()
    m = c.get(f"/api/visits/measures?node_id={world.community_a.pk}&start={start}").json()
    assert (m["visits"], m["households_visited"], m["person_visits"]) == (2, 2, 3)
    assert (m["care_due"], m["care_on_time"], m["coverage"]) == (1, 0, "0.0000")  # visited a day late
    assert m["findings"] == {"hazard": 1, "none": 1} and m["tickets_filed"] == 1 and m["tickets_resolved"] == 0
    assert client_for(world.users["grid_a1"]).get(f"/api/visits/measures?node_id={world.community_a.pk}").status_code == 404
    assert c.get(f"/api/visits/measures?node_id={world.community_a.pk}&start=2020-01-01").status_code == 400
    assert c.get(f"/visits/measures/?node={world.community_a.pk}").status_code == 200
    resp = c.get(f"/visits/ledger.xlsx?node={world.community_a.pk}&start={start}")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content)).active
    cells = [c for row in ws.iter_rows() for c in row if c.value]
    formula = [c for c in cells if str(c.value).startswith("=")]
    assert formula and all(c.data_type == "s" for c in formula)
    assert len(list(ws.iter_rows())) == 4  # title, header, two visits


def test_rules_and_campaign_pages_for_staff_only(world, client_for):
    staff = client_for(world.users["community_a"])
    r = staff.post(f"/visits/rules/{world.community_a.pk}/", {"key_group": "solitary", "every_days": "7",
                                                              "role": "grid_worker", "active": "on"})
    assert r.status_code == 302
    assert staff.post(f"/visits/rules/{world.community_a.pk}/", {"key_group": "solitary", "every_days": "999",
                                                                 "role": "grid_worker"}).status_code == 200
    assert client_for(world.users["grid_a1"]).get(f"/visits/rules/{world.community_a.pk}/").status_code == 404
    assert client_for(world.users["community_b"]).get(f"/visits/rules/{world.community_a.pk}/").status_code == 404
    deadline = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    r = staff.post(f"/visits/campaigns/new/{world.community_a.pk}/", {"name": "敲门", "deadline": deadline,
                                                                      "grid": world.grid_a1.pk})
    assert r.status_code == 302
    worker = client_for(world.users["grid_a1"])
    assert "敲门" in worker.get("/visits/campaigns/").content.decode()
    assert client_for(world.users["grid_a2"]).get(r.url).status_code == 404
    api = staff.post("/api/visits/campaigns", {"community_id": world.community_a.pk, "name": "x",
                                               "deadline": "2001-01-01", "key_group": "solitary"},
                     content_type="application/json")
    assert api.status_code == 400


def test_list_pages_bounded_queries(world, client_for):
    c = client_for(world.users["community_a"])
    deadline = timezone.localdate() + datetime.timedelta(days=3)

    def counts():
        out = []
        for url in (f"/visits/household/{world.hh_a1.pk}/", "/visits/campaigns/", "/visits/changes/"):
            with CaptureQueriesContext(connection) as q:
                assert c.get(url).status_code == 200
            out.append(len(q))
        return out

    services.campaign_create(actor=world.users["community_a"], community=world.community_a, name="一",
                             deadline=deadline, grid=world.grid_a1)
    r = tagged_resident(world.hh_a1, "甲", phone="13800000000")
    services.visit_record(actor=world.users["grid_a1"], household=world.hh_a1, kind="home", tags=["change"],
                          findings="换号", changes=[{"kind": "phone", "resident_id": r.pk, "phone": "13900000000"}])
    before = counts()
    for i in range(4):
        services.campaign_create(actor=world.users["community_a"], community=world.community_a, name=f"行动{i}",
                                 deadline=deadline, grid=world.grid_a1)
        services.visit_record(actor=world.users["grid_a1"], household=world.hh_a1, kind="home", tags=["need"],
                              findings="需求", changes=[{"kind": "phone", "resident_id": r.pk,
                                                        "phone": f"1390000000{i}"}])
    assert counts() == before


def test_several_went_each_answerable(world, client_for):
    c = client_for(world.users["grid_a1"])
    page = c.get(f"/visits/record/?h={world.hh_a1.pk}").content.decode()
    facts = json.loads(page.split('id="gz-household" type="application/json">')[1].split("</script>")[0])
    assert [p["id"] for p in facts["colleagues"]] == [world.users["micro_a1"].pk]  # offered: the micro-grid head
    r = _post(c, world, visitors=[world.users["micro_a1"].pk])
    assert r.status_code == 201
    assert set(Visit.objects.get().visitors.values_list("username", flat=True)) == {"grid_a1", "micro_a1"}
    assert _post(c, world, visitors=[world.users["grid_a2"].pk]).status_code == 400  # not answerable
    assert Visit.objects.count() == 1
