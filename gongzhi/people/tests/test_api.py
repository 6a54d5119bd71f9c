import pytest

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import token_create
from gongzhi.people.models import DualReport, Organisation, Resident

from .factories import ledger_bytes, make_id, make_resident, row

pytestmark = pytest.mark.django_db
API = "/api/people"


def test_api_requires_auth(client, world):
    assert client.get(f"{API}/residents").status_code == 401


def test_api_token_auth_residents_list_scoped_and_masked(client, world, people):
    _token, key = token_create(actor=world.users["grid_a1"], name="测试")
    resp = client.get(f"{API}/residents", headers={"Authorization": f"Bearer {key}"})
    assert resp.status_code == 200
    items = resp.json()["items"]
    assert sorted(i["name"] for i in items) == ["张三", "张小明"]
    zs = next(i for i in items if i["name"] == "张三")
    assert zs["phone"] == "138****5678" and zs["id_number"] == people.a1_head.masked_id_number
    assert zs["tags"] == ["elderly"] and zs["address"] == world.hh_a1.address
    assert "张三" in resp.content.decode()  # Chinese is not \\u-escaped


def test_api_residents_search_and_bad_input(client_for, world, people):
    c = client_for(world.users["community_a"])
    assert [i["name"] for i in c.get(f"{API}/residents", {"q": "lis"}).json()["items"]] == ["李四"]
    assert c.get(f"{API}/residents", {"tag": "bogus"}).status_code == 422  # an unknown filter value, not "nothing"
    assert c.get(f"{API}/residents", {"page": "x"}).status_code == 422
    assert c.get(f"{API}/residents/abc").status_code == 422


@pytest.mark.parametrize("n", [3, 30])
def test_api_residents_query_count_constant(client_for, world, django_assert_num_queries, n):
    for i in range(n):
        make_resident(world.hh_a1, f"人{i}", relation="child", id_number=make_id("19900101"))
    c = client_for(world.users["community_a"])
    with django_assert_num_queries(9):
        resp = c.get(f"{API}/residents")
    assert resp.json()["count"] == n


@pytest.mark.parametrize("n", [3, 30])
def test_api_households_query_count_constant(client_for, world, django_assert_num_queries, n):
    from gongzhi.territory.testing import make_household

    for i in range(n):
        hh = make_household(world.unit_a1_1, world.micro_a1_1, f"9{i:02d}")
        make_resident(hh, f"户主{i}").tags.create(tag="elderly")
    c = client_for(world.users["community_a"])
    with django_assert_num_queries(10):
        resp = c.get(f"{API}/households")
    assert resp.json()["count"] == n + 2


def test_api_resident_detail_full_for_staff_masked_for_grid_and_audited(client_for, world, people):
    r = people.a1_head
    full = client_for(world.users["community_a"]).get(f"{API}/residents/{r.pk}").json()
    assert full["id_number"] == r.id_number and full["full_id_number"] is True and full["phone"] == "13812345678"
    masked = client_for(world.users["grid_a1"]).get(f"{API}/residents/{r.pk}").json()
    assert masked["id_number"] == r.masked_id_number and masked["full_id_number"] is False
    logs = AuditLog.objects.filter(action="view", target_id=str(r.pk)).order_by("id")
    assert [(log.actor.username, log.detail["channel"]) for log in logs] == [("community_a", "api"), ("grid_a1", "api")]


@pytest.mark.parametrize("user,target", [("grid_a1", "a2_head"), ("community_b", "a1_head"), ("resident_a1", "b1_head")])
def test_api_resident_hidden_is_404(client_for, world, people, user, target):
    c = client_for(world.users[user])
    resp = c.get(f"{API}/residents/{getattr(people, target).pk}")
    assert resp.status_code == 404 and resp.json() == {"detail": "未找到"}
    assert c.get(f"{API}/residents/999999").status_code == 404
    assert not AuditLog.objects.filter(action="view").exists()


def test_api_households_with_residents(client_for, world, people):
    c = client_for(world.users["grid_a1"])
    items = c.get(f"{API}/households").json()["items"]
    assert [h["id"] for h in items] == [world.hh_a1.pk]
    hh = c.get(f"{API}/households/{world.hh_a1.pk}").json()
    assert hh["grid"] == "甲第一网格" and sorted(r["name"] for r in hh["residents"]) == ["张三", "张小明"]
    assert all("*" in r["id_number"] for r in hh["residents"])
    assert c.get(f"{API}/households/{world.hh_a2.pk}").status_code == 404
    assert client_for(world.users["community_b"]).get(f"{API}/households/{world.hh_a1.pk}").status_code == 404


def test_api_organisations(client_for, world, people):
    c = client_for(world.users["community_a"])
    assert [o["name"] for o in c.get(f"{API}/organisations").json()["items"]] == ["幸福物业"]
    assert c.get(f"{API}/organisations/{people.org_a.pk}").json()["kind_label"] == "物业企业"
    assert c.get(f"{API}/organisations/{people.org_b.pk}").status_code == 404
    payload = {"community_id": world.community_a.pk, "name": "区税务局", "kind": "co_building",
               "uscc": "91350100M000100Y44"}
    resp = c.post(f"{API}/organisations", payload, content_type="application/json")
    assert resp.status_code == 400 and "校验位" in resp.json()["errors"]["uscc"][0]
    payload["uscc"] = "91350100M000100Y43"
    resp = c.post(f"{API}/organisations", payload, content_type="application/json")
    assert resp.status_code == 201 and resp.json()["uscc"] == "91350100M000100Y43"
    # Community B staff: community A is hidden. A grid worker sees no node: hidden too.
    payload["name"] = "别的单位"
    payload["uscc"] = None
    assert client_for(world.users["community_b"]).post(f"{API}/organisations", payload,
                                                       content_type="application/json").status_code == 404
    assert client_for(world.users["grid_a1"]).post(f"{API}/organisations", payload,
                                                   content_type="application/json").status_code == 404
    c = client_for(world.users["community_a"])
    assert c.post(f"{API}/organisations", {"name": "x"}, content_type="application/json").status_code == 422
    assert Organisation.objects.filter(name="别的单位").count() == 0


def test_api_party_members(client_for, world, people):
    c = client_for(world.users["community_a"])
    items = c.get(f"{API}/party-members").json()["items"]
    assert [(m["name"], m["served_household_ids"]) for m in items] == [("张三", [world.hh_a2.pk])]
    assert c.get(f"{API}/party-members/{people.member_a1.pk}").json()["category"] == "in_service"
    assert c.get(f"{API}/party-members/{people.member_b1.pk}").status_code == 404
    assert client_for(world.users["grid_a2"]).get(f"{API}/party-members/{people.member_a1.pk}").status_code == 404


def test_api_dual_report_flow(client_for, world, people):
    c = client_for(world.users["community_a"])
    assert [r["name"] for r in c.get(f"{API}/dual-reports").json()["items"]] == ["张三"]
    url = f"{API}/dual-reports/{people.report_a1.pk}"
    resp = c.post(f"{url}/reject", {"reason": ""}, content_type="application/json")
    assert resp.status_code == 400 and "原因" in resp.json()["errors"]["reason"][0]
    assert client_for(world.users["grid_a1"]).post(f"{url}/confirm").status_code == 403
    assert client_for(world.users["community_b"]).post(f"{url}/confirm").status_code == 404
    c = client_for(world.users["community_a"])  # client_for logs the one test client in again
    resp = c.post(f"{url}/reject", {"reason": "请补交承诺书"}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["status"] == "rejected"
    assert c.post(f"{url}/confirm").status_code == 400
    assert DualReport.objects.get(pk=people.report_a1.pk).reason == "请补交承诺书"


def test_api_import(client_for, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for(world.users["community_a"])
    bad = SimpleUploadedFile("t.xlsx", ledger_bytes([row(身份证号="110101195003011234")]))
    resp = c.post(f"{API}/import", {"community_id": world.community_a.pk, "file": bad})
    assert resp.status_code == 400
    assert resp.json()["errors"] == [{"row": 2, "column": "身份证号", "message": "身份证号校验位不正确"}]
    data = ledger_bytes([row(身份证号=make_id())])
    resp = c.post(f"{API}/import", {"community_id": world.community_a.pk, "check_only": "true",
                                    "file": SimpleUploadedFile("t.xlsx", data)})
    assert resp.status_code == 200 and resp.json()["checked_only"] and resp.json()["created_residents"] == 1
    assert not Resident.objects.filter(name="王大明").exists()
    good = SimpleUploadedFile("t.xlsx", data)
    resp = c.post(f"{API}/import", {"community_id": world.community_a.pk, "file": good})
    assert resp.status_code == 200 and resp.json()["created_residents"] == 1 and not resp.json()["checked_only"]
    assert Resident.objects.filter(name="王大明").exists()
    f = SimpleUploadedFile("t.xlsx", ledger_bytes([row()]))
    assert client_for(world.users["community_b"]).post(
        f"{API}/import", {"community_id": world.community_a.pk, "file": f}).status_code == 404
    assert c.post(f"{API}/import", {"community_id": world.community_a.pk}).status_code == 422


@pytest.mark.django_db
def test_unknown_filter_values_are_refused_not_everything(client_for, world):
    c = client_for(world.users["community_a"])
    for url in ("residents?tag=nonsense", "organisations?kind=nonsense", "party-members?category=nonsense",
                "dual-reports?status=nonsense"):
        r = c.get(f"{API}/{url}")
        assert r.status_code == 422 and r.json()["detail"], url
    assert c.get(f"{API}/residents?tag=elderly").status_code == 200
