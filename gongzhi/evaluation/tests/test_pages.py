import datetime

import pytest
from django.urls import reverse

from gongzhi.evaluation import seed_rules, services
from gongzhi.evaluation.models import ItemKind, Period, ScoreSheet, SubjectResult


def close_month(hd, day=datetime.date(2024, 1, 1), veto_unit=3):
    p = hd.open(day)
    san = p.version.items.get(position=7)
    veto = p.version.items.filter(kind=ItemKind.VETO).first()
    for j in ("c1", "p1", "o1", "r1", "r2"):
        for i in range(4):
            values = {san.pk: 10 - i}
            notes = {}
            if veto and i == veto_unit and j == "c1":
                values[veto.pk] = 1
                notes[veto.pk] = "张三在楼道飞线充电"
            hd.score(j, p, i, values, notes=notes, note=f"{j}评委备注")
    p.refresh_from_db()
    assert p.status == Period.Status.CLOSED
    return p


@pytest.mark.django_db
def test_staff_pages_are_scoped_404_for_other_communities(hd, client_for):
    p = close_month(hd)
    other = client_for(hd.world.users["community_b"])
    for url in (reverse("evaluation:rule_set", args=[hd.rule_set.pk]), reverse("evaluation:version", args=[hd.v1.pk]),
                reverse("evaluation:period", args=[p.pk]),
                reverse("evaluation:subject", args=[p.pk, p.subjects.first().pk])):
        assert other.get(url).status_code == 404
    assert other.post(reverse("evaluation:period_action", args=[p.pk]), {"action": "reopen", "reason": "x"}).status_code == 404
    r = other.get(reverse("evaluation:index"))
    assert r.status_code == 200 and hd.rule_set.name not in r.content.decode()


@pytest.mark.django_db
def test_staff_pages_render_with_bounded_queries(hd, client_for, django_assert_max_num_queries):
    p = close_month(hd)
    c = client_for(hd.staff)
    with django_assert_max_num_queries(25):
        r = c.get(reverse("evaluation:period", args=[p.pk]))
    body = r.content.decode()
    assert r.status_code == 200 and "2栋1单元" in body and "一票否决" in body and "4/4" in body
    with django_assert_max_num_queries(30):
        r = c.get(reverse("evaluation:rule_set", args=[hd.rule_set.pk]))
    body = r.content.decode()
    assert "修订自：“本年度考取重点大学的学子所在单元予以加分”" in body and "第2版" in body
    r = c.get(reverse("evaluation:subject", args=[p.pk, p.subjects.get(node=hd.units[3]).pk]))
    body = r.content.decode()
    assert "张三在楼道飞线充电" in body and "评委c1" in body  # staff see who scored what
    assert c.get(reverse("evaluation:index")).status_code == 200
    assert c.get(reverse("evaluation:rule_set_new")).status_code == 200


@pytest.mark.django_db
def test_version_editor_refuses_overlap_with_message(hd, client_for):
    c = client_for(hd.staff)
    n = hd.rule_set.versions.count()
    r = c.post(reverse("evaluation:version_new", args=[hd.rule_set.pk]),
               {"effective_from": "2023-05-01", "effective_to": "2023-06-30", "adopted_by": "会议"}, follow=True)
    assert "重叠" in r.content.decode() and hd.rule_set.versions.count() == n
    r = c.post(reverse("evaluation:version_new", args=[hd.rule_set.pk]),
               {"effective_from": "2025-01-01", "adopted_by": "2024年12月居民议事会"})
    v3 = hd.rule_set.versions.get(number=3)
    assert r.status_code == 302 and r["Location"] == reverse("evaluation:version", args=[v3.pk])
    r = c.post(reverse("evaluation:version", args=[v3.pk]),
               {"kind": "deduction", "category": "sanitation", "description": "乱扔垃圾每次扣1分", "points": "1", "cap": "3"})
    assert r.status_code == 302 and v3.items.filter(description="乱扔垃圾每次扣1分").exists()
    r = c.post(reverse("evaluation:version", args=[v3.pk]),
               {"kind": "deduction", "category": "sanitation", "description": "x", "points": "", "cap": ""})
    assert r.status_code == 200 and "须填写大于0的分值" in r.content.decode()


@pytest.mark.django_db
def test_period_reopen_needs_reason_on_the_page(hd, client_for):
    p = close_month(hd)
    c = client_for(hd.staff)
    r = c.post(reverse("evaluation:period_action", args=[p.pk]), {"action": "reopen", "reason": ""}, follow=True)
    assert "请填写重新开启的原因" in r.content.decode()
    p.refresh_from_db()
    assert p.status == Period.Status.CLOSED
    c.post(reverse("evaluation:period_action", args=[p.pk]), {"action": "reopen", "reason": "更正录入错误"})
    p.refresh_from_db()
    assert p.status == Period.Status.OPEN


@pytest.mark.django_db
def test_juror_scores_one_subject_after_another_idempotently(hd, client_for):
    p = hd.open(datetime.date(2024, 1, 1))
    juror = hd.jurors["c1"]
    c = client_for(juror.user)
    r = c.get(reverse("evaluation:juror_period", args=[p.pk]))
    assert r.status_code == 200 and "1栋1单元" in r.content.decode()
    first, second = list(p.subjects.order_by("sort_key")[:2])
    url = reverse("evaluation:score_subject", args=[p.pk, first.pk])
    r = c.get(url)
    body = r.content.decode()
    assert r.status_code == 200 and "轮椅及婴儿车等居民生活必需品不作为楼道杂物扣分" in body
    assert "score-form.js" in body and "data-offline-key" in body
    san = p.version.items.get(position=7)
    data = {"client_key": "k" * 32, f"item_{san.pk}": "9", "note": "楼道干净"}
    r = c.post(url, data)
    assert r.status_code == 302 and r["Location"] == reverse("evaluation:score_subject", args=[p.pk, second.pk])
    r = c.post(url, data, HTTP_ACCEPT="application/json")  # the same submission again, after a network drop
    assert r.status_code == 200 and r.json()["ok"] and r.json()["created"] is False
    assert ScoreSheet.objects.filter(submitted_by=juror.user).count() == 1
    # Bad values: refused with the item's range, nothing written.
    r = c.post(url, {"client_key": "b" * 32, f"item_{san.pk}": "12"}, HTTP_ACCEPT="application/json")
    assert r.status_code == 400 and "应在0至10之间" in r.json()["errors"][f"item_{san.pk}"][0]
    r = c.post(url, {"client_key": "c" * 32, f"item_{san.pk}": "12"})
    assert r.status_code == 400 and "应在0至10之间" in r.content.decode()
    assert ScoreSheet.objects.filter(submitted_by=juror.user).count() == 1


@pytest.mark.django_db
def test_non_juror_and_closed_period_on_the_score_page(hd, client_for):
    p = hd.open(datetime.date(2024, 1, 1))
    subject = p.subjects.first()
    url = reverse("evaluation:score_subject", args=[p.pk, subject.pk])
    assert client_for(hd.staff).get(url).status_code == 404  # staff are not jurors
    c = client_for(hd.jurors["p1"].user)
    services.period_close(actor=hd.staff, period=p)
    san = p.version.items.get(position=7)
    r = c.post(url, {"client_key": "d" * 32, f"item_{san.pk}": "5"}, HTTP_ACCEPT="application/json")
    assert r.status_code == 400 and "评分已经结束，不能再评分" in r.json()["errors"]["__all__"][0]
    assert not ScoreSheet.objects.exists()


@pytest.mark.django_db
def test_public_board_needs_no_login_and_shows_no_personal_data(hd, client, django_assert_max_num_queries):
    close_month(hd, datetime.date(2023, 12, 1))
    close_month(hd, datetime.date(2024, 1, 1))
    services.awards_grant(actor=hd.staff, rule_set=hd.rule_set, year=2023)
    seed_rules.build_filial_families(actor=hd.staff, community=hd.world.compound_a.parent, year=2024)
    url = reverse("evaluation:board", args=[hd.world.compound_a.pk])
    with django_assert_max_num_queries(20):
        r = client.get(url)
    body = r.content.decode()
    assert r.status_code == 200
    assert "2024年1月" in body and "1栋1单元" in body and "流动红旗" in body
    assert "有飞线充电行为的单元实行一票否决" in body  # veto reason shown, and the rules in force
    assert "轮椅及婴儿车等居民生活必需品不作为楼道杂物扣分" in body
    for private in ("评委c1", "张三", "评委备注", "十佳慈孝家庭"):
        assert private not in body
    r = client.get(url + "?month=2023-12")
    assert "2023年12月" in r.content.decode()
    assert client.get(reverse("evaluation:board", args=[hd.world.building_a1.pk])).status_code == 404
    r = client.get(f"/api/evaluation/board/{hd.world.compound_a.pk}?month=2023-12")
    assert r.status_code == 200 and r.json()["boards"][0]["period"] == "2023年12月"
    assert "评委" not in r.content.decode()


@pytest.mark.django_db
def test_results_page_flags_top_three(hd, client_for):
    p = close_month(hd)
    flags = list(SubjectResult.objects.filter(period=p, honoured=True).order_by("rank").values_list("subject__label", flat=True))
    assert flags == ["1栋1单元", "1栋2单元", "2栋1单元"]  # 2栋2单元 is vetoed
