import datetime

import pytest

from gongzhi.evaluation.models import RuleVersion, ScoreSheet, SubjectResult
from gongzhi.territory.models import Role
from gongzhi.territory.testing import assign, make_user

from .test_pages import close_month

API = "/api/evaluation"


@pytest.mark.django_db
def test_api_rule_set_version_item_flow(world, client_for):
    c = client_for(world.users["community_a"])
    r = c.post(f"{API}/rulesets", {"node_id": world.compound_a.pk, "name": "文明单元评比", "subject_type": "unit"},
               content_type="application/json")
    assert r.status_code == 201, r.content
    rs = r.json()["id"]
    r = c.post(f"{API}/rulesets/{rs}/versions", {"effective_from": "2024-01-01", "adopted_by": "居民议事会",
                                                   "base_points": "100"}, content_type="application/json")
    assert r.status_code == 201
    v = r.json()["id"]
    r = c.post(f"{API}/versions/{v}/items", {"kind": "deduction", "category": "sanitation",
                                             "description": "楼道堆放杂物，每处扣2分", "points": "2", "cap": "10"},
               content_type="application/json")
    assert r.status_code == 201 and r.json()["max_value"] == "10.00"
    r = c.post(f"{API}/rulesets/{rs}/versions", {"effective_from": "2023-06-01", "effective_to": "2024-03-01",
                                                   "adopted_by": "x"}, content_type="application/json")
    assert r.status_code == 400 and "重叠" in r.json()["errors"]["effective_from"][0]
    assert RuleVersion.objects.filter(rule_set_id=rs).count() == 1
    r = c.get(f"{API}/rulesets/{rs}")
    assert r.status_code == 200 and r.json()["versions"][0]["items"][0]["description"] == "楼道堆放杂物，每处扣2分"
    assert "楼道堆放杂物" in r.content.decode()  # Chinese is not escaped
    r = c.post(f"{API}/rulesets/{rs}/jurors", {"login": "grid_a1", "party": "community"}, content_type="application/json")
    assert r.status_code == 201 and r.json()["party_label"] == "社区"


@pytest.mark.django_db
def test_api_is_scoped_404_for_other_communities(hd, client_for):
    p = close_month(hd)
    other = client_for(hd.world.users["community_b"])
    for url in (f"{API}/rulesets/{hd.rule_set.pk}", f"{API}/periods/{p.pk}", f"{API}/periods/{p.pk}/results",
                f"{API}/versions/{hd.v1.pk}", f"{API}/rulesets/{hd.rule_set.pk}/periods"):
        assert other.get(url).status_code == 404, url
    assert other.post(f"{API}/periods/{p.pk}/reopen", {"reason": "x"}, content_type="application/json").status_code == 404
    assert other.get(f"{API}/rulesets").json()["count"] == 0
    # A grid worker of the same community sees nothing either (no node role).
    assert client_for(hd.world.users["grid_a1"]).get(f"{API}/periods/{p.pk}").status_code == 404


@pytest.mark.django_db
def test_api_juror_sheet_idempotent_and_refusals(hd, client_for):
    p = hd.open(datetime.date(2024, 1, 1))
    c = client_for(hd.jurors["o1"].user)
    r = c.get(f"{API}/my/periods")
    assert [x["id"] for x in r.json()["items"]] == [p.pk]
    detail = c.get(f"{API}/my/periods/{p.pk}").json()
    san = next(i for i in detail["items"] if i["position"] == 7)
    subject = detail["subjects"][0]["id"]
    body = {"subject_id": subject, "client_key": "api-key-000001", "values": {str(san["id"]): "8.5"}}
    r = c.post(f"{API}/my/periods/{p.pk}/sheets", body, content_type="application/json")
    assert r.status_code == 201 and r.json()["created"] is True
    r = c.post(f"{API}/my/periods/{p.pk}/sheets", body, content_type="application/json")
    assert r.status_code == 200 and r.json()["created"] is False and ScoreSheet.objects.count() == 1
    bad = {**body, "client_key": "api-key-000002", "values": {str(san["id"]): "10.5"}}
    r = c.post(f"{API}/my/periods/{p.pk}/sheets", bad, content_type="application/json")
    assert r.status_code == 400 and "应在0至10之间" in r.json()["errors"][f"item_{san['id']}"][0]
    assert ScoreSheet.objects.count() == 1
    outsider = client_for(hd.staff)
    r = outsider.post(f"{API}/my/periods/{p.pk}/sheets", {**body, "client_key": "api-key-000003"},
                      content_type="application/json")
    assert r.status_code == 404 and ScoreSheet.objects.count() == 1


@pytest.mark.django_db
def test_api_close_results_explanation_awards_subsidy(hd, client_for):
    p = hd.open(datetime.date(2023, 12, 1))
    c = client_for(hd.staff)
    r = c.get(f"{API}/periods/{p.pk}")
    assert r.status_code == 200 and {x["party"] for x in r.json()["progress"]} == {"community", "property", "owners", "residents"}
    r = c.post(f"{API}/periods/{p.pk}/close", {"reason": "月底结算"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    r = c.post(f"{API}/periods/{p.pk}/close", {}, content_type="application/json")
    assert r.status_code == 400 and "已经结束" in r.json()["errors"][0]
    r = c.post(f"{API}/periods/{p.pk}/reopen", {"reason": ""}, content_type="application/json")
    assert r.status_code == 400
    p2 = close_month(hd, datetime.date(2024, 1, 1))
    r = c.get(f"{API}/periods/{p2.pk}/results")
    rows = r.json()["items"]
    assert rows[0]["rank"] == 1 and rows[-1]["vetoed"] and rows[-1]["veto_reason"] == "有飞线充电行为的单元实行一票否决"
    subj = SubjectResult.objects.get(period=p2, rank=1).subject_id
    ex = c.get(f"{API}/periods/{p2.pk}/subjects/{subj}/explanation").json()
    assert ex["version"] == 2 and ex["total"] == "110.00"
    line = next(i for i in ex["items"] if i["position"] == 7)
    assert len(line["jurors"]) == 5 and line["mean"] == "10.00"
    head = assign(make_user("bh", name="楼栋长乙"), Role.BUILDING_HEAD, hd.world.building_a1)
    r = c.post(f"{API}/rulesets/{hd.rule_set.pk}/role-subsidies", {"year": 2024, "assignment_id": head.pk},
               content_type="application/json")
    assert r.status_code == 201 and r.json()["percent"] == "20.00" and r.json()["granted_by_id"] == hd.staff.pk
    r = c.post(f"{API}/rulesets/{hd.rule_set.pk}/awards", {"year": 2024}, content_type="application/json")
    assert r.status_code == 201 and [a["label"] for a in r.json()] == ["1栋1单元", "1栋2单元", "2栋1单元"]
