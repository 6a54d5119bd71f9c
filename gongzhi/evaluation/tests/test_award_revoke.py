"""撤销年度奖励: revoking a year's awards keeps the rows, hides them from every public reader, and lets the year
be granted again."""

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from gongzhi.accounts.models import AuditLog
from gongzhi.core.testing import race
from gongzhi.evaluation import selectors, services
from gongzhi.evaluation.models import YearAward

from .test_pages import close_month

REASON = "十二月考评期重新开启后排名有变，原奖励作废"


@pytest.fixture
def granted(hd):
    close_month(hd, datetime.date(2023, 11, 1))
    close_month(hd, datetime.date(2023, 12, 1))
    awards = services.awards_grant(actor=hd.staff, rule_set=hd.rule_set, year=2023)
    assert [a.label for a in awards] == ["1栋1单元", "1栋2单元", "2栋1单元"]
    return hd


def revoke_url(hd, year=2023):
    return reverse("evaluation:awards_revoke", args=[hd.rule_set.pk, year])


def board_body(client, hd) -> str:
    r = client.get(reverse("evaluation:board", args=[hd.world.compound_a.pk]))
    assert r.status_code == 200
    return r.content.decode()


def ledger_year_rows(client, hd) -> list[list]:
    r = client.get(reverse("evaluation:ledger", args=[hd.world.compound_a.pk, hd.rule_set.pk]) + "?year=2023")
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.content))["2023年度"]
    return [[c.value for c in row] for row in ws.iter_rows(min_row=3)]


def revoke_audits():
    return AuditLog.objects.filter(detail__has_key="awards_revoked")


@pytest.mark.django_db
def test_reason_required_and_nothing_changes_without_one(granted, client_for):
    hd = granted
    for reason in ("", "   ", "作废了"):
        with pytest.raises(ValidationError, match="撤销原因"):
            services.awards_revoke(actor=hd.staff, rule_set=hd.rule_set, year=2023, reason=reason)
    c = client_for(hd.staff)
    r = c.post(revoke_url(hd), {"reason": "错"})
    assert r.status_code == 200 and "请填写撤销原因（至少4个字）" in r.content.decode()
    assert YearAward.objects.current().count() == 3 and not YearAward.objects.revoked().exists()
    assert not revoke_audits().exists()


@pytest.mark.django_db
def test_staff_of_another_community_cannot_revoke(granted, client, client_for):
    hd = granted
    outsider = hd.world.users["community_b"]
    with pytest.raises(PermissionDenied):
        services.awards_revoke(actor=outsider, rule_set=hd.rule_set, year=2023, reason=REASON)
    c = client_for(outsider)
    assert c.get(revoke_url(hd)).status_code == 404  # hidden and missing look the same, like the other pages
    assert c.post(revoke_url(hd), {"reason": REASON}).status_code == 404
    for user in (hd.jurors["c1"].user, hd.world.users["grid_a1"], hd.world.users["auditor"]):
        assert client_for(user).post(revoke_url(hd), {"reason": REASON}).status_code == 404
    r = client.post(revoke_url(hd), {"reason": REASON})
    assert r.status_code == 302 and "/login" in r["Location"]
    assert YearAward.objects.current().count() == 3
    assert not revoke_audits().exists()


@pytest.mark.django_db
def test_revocation_hides_the_awards_from_board_ledger_and_api_and_marks_them_on_the_staff_page(
        granted, client, client_for):
    hd = granted
    staff = client_for(hd.staff)
    rule_set_url = reverse("evaluation:rule_set", args=[hd.rule_set.pk])
    assert revoke_url(hd) in staff.get(rule_set_url).content.decode()
    assert "2023年度奖励" in board_body(client, hd)
    assert ledger_year_rows(client, hd)[0][5] == "第1名"

    r = staff.get(revoke_url(hd))
    body = r.content.decode()
    assert r.status_code == 200 and "1栋1单元" in body and "2栋1单元" in body and "撤销原因" in body
    r = staff.post(revoke_url(hd), {"reason": REASON}, follow=True)
    assert r.redirect_chain == [(rule_set_url, 302)]
    body = r.content.decode()
    assert "已撤销2023年度的3项奖励" in body
    assert body.count("已撤销</span>") == 3 and REASON in body and hd.staff.display_name in body
    assert revoke_url(hd) not in body  # nothing current left to revoke

    assert all(a.revoked_by == hd.staff and a.revoke_reason == REASON and a.revoked_at
               for a in YearAward.objects.all())
    board = board_body(client, hd)
    assert "2023年度奖励" not in board and "物业费补贴" not in board
    assert all(row[5] in ("", None) and row[6] is None for row in ledger_year_rows(client, hd))
    assert not selectors.rule_set_awards(hd.rule_set).exists()
    r = staff.get(f"/api/evaluation/rulesets/{hd.rule_set.pk}/awards")
    assert r.status_code == 200 and r.json() == {"items": [], "count": 0}
    assert staff.get(revoke_url(hd)).status_code == 404
    with pytest.raises(ValidationError, match="没有可撤销的奖励"):
        services.awards_revoke(actor=hd.staff, rule_set=hd.rule_set, year=2023, reason=REASON)

    (audit,) = revoke_audits()
    assert audit.actor == hd.staff and audit.target_id == str(hd.rule_set.pk)
    assert audit.detail == {"awards_revoked": 2023, "subjects": ["1栋1单元", "1栋2单元", "2栋1单元"],
                            "reason": REASON}


@pytest.mark.django_db
def test_the_year_can_be_granted_again_after_revocation(granted, client, client_for):
    hd = granted
    with pytest.raises(ValidationError, match="已经授予"):
        services.awards_grant(actor=hd.staff, rule_set=hd.rule_set, year=2023)
    assert services.awards_revoke(actor=hd.staff, rule_set=hd.rule_set, year=2023, reason=REASON) == 3
    again = services.awards_grant(actor=hd.staff, rule_set=hd.rule_set, year=2023, subsidy_percent=15)
    assert [(a.rank, a.label, a.revoked_at) for a in again] == [
        (1, "1栋1单元", None), (2, "1栋2单元", None), (3, "2栋1单元", None)]
    assert YearAward.objects.count() == 6 and YearAward.objects.revoked().count() == 3  # history kept
    assert [a.pk for a in selectors.rule_set_awards(hd.rule_set)] == [a.pk for a in again]

    board = board_body(client, hd)
    assert "2023年度奖励" in board and "物业费补贴15.00%" in board and "物业费补贴10.00%" not in board
    assert ledger_year_rows(client, hd)[0][5:7] == ["第1名", 15.0]
    body = client_for(hd.staff).get(reverse("evaluation:rule_set", args=[hd.rule_set.pk])).content.decode()
    assert body.count("已撤销</span>") == 3 and body.count("15.00%") == 3 and body.count("10.00%") >= 3
    assert revoke_url(hd) in body  # the new awards can be revoked in turn


@pytest.mark.django_db(transaction=True)
def test_two_revocations_at_once_revoke_once(hd):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are tested on PostgreSQL")
    close_month(hd, datetime.date(2023, 12, 1))
    services.awards_grant(actor=hd.staff, rule_set=hd.rule_set, year=2023)

    def send(i):
        return services.awards_revoke(actor=hd.staff, rule_set=hd.rule_set, year=2023, reason=f"{REASON}{i}")

    outcomes = race(3, send)
    assert sorted(o if isinstance(o, int) else -1 for o in outcomes) == [-1, -1, 3], outcomes
    assert all(isinstance(o, (int, ValidationError)) for o in outcomes), outcomes
    assert len({a.revoke_reason for a in YearAward.objects.all()}) == 1  # one revocation wrote every row
    assert revoke_audits().count() == 1
