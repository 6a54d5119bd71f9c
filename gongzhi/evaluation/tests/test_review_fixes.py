"""Regressions from the review of the evaluation app (repros in the reviewer's notes):
exact totals on SQLite, a re-added juror counted twice, the jury form as an account oracle, juror photos
under /media/, and server-local dates."""

import datetime
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.testing import tiny_image
from gongzhi.evaluation import aggregation, services
from gongzhi.evaluation.models import (
    Category,
    ItemKind,
    Party,
    PeriodKind,
    ScoreSheet,
    SetKind,
    SubjectResult,
    SubjectType,
)
from gongzhi.people.models import Organisation, OrganisationMember, Resident
from gongzhi.territory.models import Level, Role
from gongzhi.territory.testing import assign, make_household, make_node, make_user

from .conftest import key

API = "/api/evaluation"
PNG = tiny_image("PNG")
JPEG = tiny_image("JPEG")


def _sc(hd, juror_key, period, unit_index, **kw):
    """A sheet with the one required score item (sanitation, position 7) filled in."""
    san = period.version.items.get(position=7)
    return hd.score(juror_key, period, unit_index, {san.pk: "8"}, **kw)


# --- 1. totals are exact on both backends ---------------------------------------------------------------------

@pytest.mark.django_db
def test_totals_are_exact_so_ties_and_star_thresholds_hold(world):
    """86.38 + 0.07 − 0.45 is 85.99999999999999 as a SQLite REAL: A lost the tie it wins on bonus and missed
    its star. Both totals are 86.00; equal deductions; more bonus first → A ranks 1; both reach 86 → one star."""
    staff = world.users["community_a"]
    u2 = make_node(world.building_a1, Level.UNIT, "2单元")
    rs = services.rule_set_create(actor=staff, node=world.compound_a, name="星级测试", kind=SetKind.STAR,
                                  subject_type=SubjectType.UNIT, period_kind=PeriodKind.MONTH)
    v = services.version_create(actor=staff, rule_set=rs, effective_from=datetime.date(2024, 1, 1), adopted_by="会议",
                                base_points=Decimal("0"), star_thresholds="86", top_n=1)
    s = services.item_add(actor=staff, version=v, kind=ItemKind.SCORE, category=Category.OTHER, description="评分",
                          points=100)
    b = services.item_add(actor=staff, version=v, kind=ItemKind.BONUS, category=Category.OTHER, description="加分",
                          points="0.07", cap=10)
    d = services.item_add(actor=staff, version=v, kind=ItemKind.DEDUCTION, category=Category.OTHER,
                          description="扣分", points="0.45", cap=10)
    juror = make_user("star_juror")
    services.juror_add(actor=staff, rule_set=rs, user=juror, party=Party.COMMUNITY)
    p = services.period_open(actor=staff, rule_set=rs, day=datetime.date(2024, 3, 5))
    a = p.subjects.get(node=world.unit_a1_1)
    bb = p.subjects.get(node=u2)
    services.sheet_submit(actor=juror, period=p, subject_id=a.pk, client_key=key(),
                          values={s.pk: "86.38", b.pk: 1, d.pk: 1})
    services.sheet_submit(actor=juror, period=p, subject_id=bb.pk, client_key=key(),
                          values={s.pk: "86.45", b.pk: 0, d.pk: 1})
    p.refresh_from_db()
    assert p.round == 1  # auto-closed: the only party scored every subject
    rows = {r.subject_id: r for r in SubjectResult.objects.filter(period=p)}
    assert rows[a.pk].total == rows[bb.pk].total == Decimal("86.00")
    assert (rows[a.pk].rank, rows[bb.pk].rank) == (1, 2)
    assert (rows[a.pk].stars, rows[bb.pk].stars) == (1, 1)
    assert rows[a.pk].honoured and not rows[bb.pk].honoured
    assert aggregation.explain(a).total == aggregation.explain(bb).total == Decimal("86.00")


# --- 2. one current sheet per person --------------------------------------------------------------------------

@pytest.mark.django_db
def test_readded_juror_counts_once(hd):
    p = hd.open()
    j = hd.jurors["r1"]
    first_score = hd.items(p.version, ItemKind.SCORE)[0]
    hd.score("r1", p, 0, {first_score.pk: "2"})
    seat = p.jury.get(user=j.user)
    services.period_juror_remove(actor=hd.staff, period=p, seat=seat)
    again = services.period_juror_add(actor=hd.staff, period=p, user=j.user, party=Party.RESIDENTS)
    assert again.pk == seat.pk  # the same seat, back on the jury
    hd.score("r1", p, 0, {first_score.pk: "10"})
    subject = p.subjects.get(node=hd.units[0])
    current = ScoreSheet.objects.filter(subject=subject, submitted_by=j.user, is_current=True)
    assert current.count() == 1 and current.get().juror == seat
    ex = aggregation.explain(subject)
    line = next(ln for ln in ex.lines if ln.item.pk == first_score.pk)
    assert [e.value for e in line.entries] == [Decimal("10")]
    assert line.party_means == {Party.RESIDENTS: Decimal("10.00")}


@pytest.mark.django_db
def test_juror_pages_see_the_sheet_of_an_earlier_seat(hd, client_for):
    p = hd.open()
    j = hd.jurors["o1"]
    _sc(hd, "o1", p, 0)
    services.juror_remove(actor=hd.staff, juror=j)
    services.juror_add(actor=hd.staff, rule_set=hd.rule_set, user=j.user, party=Party.OWNERS)
    r = client_for(j.user).get(reverse("evaluation:juror_period", args=[p.pk]))
    assert r.status_code == 200 and r.context["done"] == 1


@pytest.mark.django_db
def test_database_refuses_two_current_sheets_of_one_person(hd):
    p = hd.open()
    res = _sc(hd, "c1", p, 0)
    sheet = res.sheet
    other_seat = services.period_juror_add(actor=hd.staff, period=p, user=make_user("second_seat_owner"),
                                           party=Party.COMMUNITY)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoreSheet.objects.create(period=p, subject=sheet.subject, juror=other_seat, party=sheet.party,
                                  client_key=key(), submitted_by=sheet.submitted_by)


# --- 3. adding a juror reveals nothing about accounts outside the place ----------------------------------------

def _add_juror_page(client, rs, login):
    r = client.post(reverse("evaluation:juror_new", args=[rs.pk]), {"login": login, "party": Party.RESIDENTS},
                    follow=True)
    assert r.status_code == 200
    return [str(m) for m in r.context["messages"]]


@pytest.mark.django_db
def test_juror_form_accepts_only_people_of_the_place(hd, client_for):
    w = hd.world
    rs = hd.rule_set  # on 幸福小区, community A
    c = client_for(hd.staff)
    # Outside the place: no role, another community's staff, a resident of community B, a moved-out
    # resident of the compound, a member of an organisation of community B, an account that does not exist.
    make_user("outsider", name="路人甲")
    r_b = make_user("resident_b", name="乙社区居民")
    Resident.objects.create(household=w.hh_b1, name="乙社区居民", user=r_b)
    gone = make_user("gone", name="已迁出")
    Resident.objects.create(household=w.hh_a2, name="已迁出", user=gone, relation="spouse",
                            moved_out_on=datetime.date(2024, 1, 1))
    org_b = Organisation.objects.create(community=w.community_b, name="乙物业", kind="social")
    member_b = make_user("member_b", name="乙物业员工")
    OrganisationMember.objects.create(organisation=org_b, user=member_b)
    phone_user = make_user("phone_user", name="有手机的人", phone="13900001111")
    for login in ("outsider", "community_b", "resident_b", "gone", "member_b", "13900001111", "no_such_login"):
        msgs = _add_juror_page(c, rs, login)
        assert msgs == ["没有找到这个账号"], (login, msgs)
    assert not rs.jurors.filter(user__username__in=["outsider", "community_b", "resident_b", "gone", "member_b",
                                                    phone_user.username]).exists()
    # The place: a current resident of the compound, a member of an organisation of community A, a grid
    # worker of community A, the compound head, the community's own staff.
    here = make_user("resident_here", name="本小区居民", phone="13900002222")
    Resident.objects.create(household=make_household(w.unit_a1_1, w.micro_a1_1, "103"), name="本小区居民", user=here)
    org_a = Organisation.objects.create(community=w.community_a, name="甲物业", kind="social")
    member_a = make_user("member_a", name="甲物业员工")
    OrganisationMember.objects.create(organisation=org_a, user=member_a)
    head = make_user("compound_head", name="小区长")
    assign(head, Role.COMPOUND_HEAD, w.compound_a)
    for login in ("13900002222", "member_a", "grid_a1", "compound_head", "community_a"):
        assert _add_juror_page(c, rs, login) == ["已加入评审团"], login
    assert rs.jurors.filter(active=True, user__in=[here, member_a, head, w.users["grid_a1"],
                                                   w.users["community_a"]]).count() == 5


@pytest.mark.django_db
def test_juror_api_gives_the_same_answer_for_outsiders_and_unknown_logins(hd, client_for):
    c = client_for(hd.staff)
    make_user("outsider2", name="路人乙")
    answers = []
    for login in ("outsider2", "community_b", "no_such_login"):
        r = c.post(f"{API}/rulesets/{hd.rule_set.pk}/jurors", {"login": login, "party": "residents"},
                   content_type="application/json")
        assert r.status_code == 400
        answers.append(r.json())
    assert answers[0] == answers[1] == answers[2]
    assert "路人乙" not in str(answers) and "community_b人员" not in str(answers)
    r = c.post(f"{API}/rulesets/{hd.rule_set.pk}/jurors", {"login": "building_a1", "party": "building_heads"},
               content_type="application/json")
    assert r.status_code == 201


@pytest.mark.django_db
def test_juror_api_refuses_a_reader_before_looking_the_login_up(hd, client_for):
    # The street's staff may manage; a compound head on a role below only reads: refused without a look-up.
    reader = make_user("reader_head")
    assign(reader, Role.COMPOUND_HEAD, hd.world.compound_a)
    c = client_for(reader)
    for login in ("community_a", "no_such_login"):
        r = c.post(f"{API}/rulesets/{hd.rule_set.pk}/jurors", {"login": login, "party": "residents"},
                   content_type="application/json")
        assert r.status_code == 403, (login, r.content)


# --- 4. juror photos through a permission-checked view ---------------------------------------------------------

@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _photo(name, data, ctype="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=ctype)


@pytest.mark.django_db
def test_sheet_photo_served_only_to_who_may_read_the_explanation(hd, client_for, client, media):
    p = hd.open()
    res = _sc(hd, "c1", p, 0, photo=_photo("IMG_0001.HEIC", PNG))
    sheet = res.sheet
    assert sheet.photo.name.endswith(".png")  # named by content, not by the phone
    subject = sheet.subject
    url = reverse("evaluation:sheet_photo", args=[p.pk, subject.pk, sheet.pk])
    page = client_for(hd.staff).get(reverse("evaluation:subject", args=[p.pk, subject.pk])).content.decode()
    assert url in page and "/media/" not in page
    r = client_for(hd.staff).get(url)
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert b"".join(r.streaming_content).startswith(b"\x89PNG\r\n\x1a\n")  # stored re-encoded, without metadata
    assert client_for(hd.world.users["community_b"]).get(url).status_code == 404
    # The same sheet under another subject of the period is not found either.
    other = p.subjects.exclude(pk=subject.pk).first()
    assert client_for(hd.staff).get(reverse("evaluation:sheet_photo", args=[p.pk, other.pk, sheet.pk])).status_code == 404
    r = client.get(url)
    assert r.status_code == 302 and "login" in r["Location"]
    # The public board never links a photo.
    board = client.get(reverse("evaluation:board", args=[hd.world.compound_a.pk])).content.decode()
    assert "photos/" not in board and "/media/" not in board


@pytest.mark.django_db
def test_non_image_photo_refused(hd, client_for, media):
    p = hd.open()
    with pytest.raises(ValidationError) as e:
        _sc(hd, "c1", p, 0, photo=_photo("photo.jpg", b"<html><script>alert(1)</script></html>"))
    assert "photo" in e.value.message_dict
    assert not ScoreSheet.objects.filter(period=p).exists()
    # The page answers 400 with the message and writes nothing.
    subject = p.subjects.get(node=hd.units[0])
    san = p.version.items.get(position=7)
    c = client_for(hd.jurors["c1"].user)
    r = c.post(reverse("evaluation:score_subject", args=[p.pk, subject.pk]),
               {"client_key": key(), f"item_{san.pk}": "8",
                "photo": _photo("x.png", b"%PDF-1.7 not an image", "image/png")},
               HTTP_ACCEPT="application/json")
    assert r.status_code == 400 and "photo" in r.json()["errors"]
    assert not ScoreSheet.objects.filter(period=p).exists()
    # A JPEG goes through.
    assert _sc(hd, "c1", p, 0, photo=_photo("p.jpg", JPEG)).sheet.photo.name.endswith(".jpg")


@pytest.mark.django_db
def test_stored_file_that_is_not_an_image_is_not_served(hd, client_for, media):
    p = hd.open()
    sheet = _sc(hd, "c1", p, 0, photo=_photo("p.jpg", JPEG)).sheet
    with sheet.photo.open("wb") as f:  # e.g. a file stored before uploads were checked
        f.write(b"<svg onload=alert(1)>")
    url = reverse("evaluation:sheet_photo", args=[p.pk, sheet.subject_id, sheet.pk])
    assert client_for(hd.staff).get(url).status_code == 404


# --- 5. dates are the server's local date, not the process's ---------------------------------------------------

@pytest.mark.django_db
def test_board_ledger_year_is_the_local_date(hd, client, monkeypatch):
    # 2024-12-31 17:00 UTC is already 2025-01-01 in Asia/Shanghai.
    fixed = datetime.datetime(2024, 12, 31, 17, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: fixed)
    r = client.get(reverse("evaluation:ledger", args=[hd.world.compound_a.pk, hd.rule_set.pk]))
    assert r.status_code == 200
    assert unquote(r["Content-Disposition"]).endswith("-2025年台账.xlsx")
