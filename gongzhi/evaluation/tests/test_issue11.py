"""Issue 11: totals exactly as the rules say, every juror heard, a jury per month, counts for per-occurrence
items, vetoed months in the year, subjects' identity across periods, 三长 subsidies read back; and issue 9's
out-of-range input (a 400 with a clear message, never a 500) on the evaluation pages and API."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from gongzhi.evaluation import aggregation, selectors, services, subjects
from gongzhi.evaluation.models import (
    Category,
    ItemKind,
    Party,
    Period,
    PeriodEvent,
    Score,
    ScoreSheet,
    SubjectResult,
    SubjectType,
)
from gongzhi.territory.models import Level, Role
from gongzhi.territory.testing import assign, make_node, make_user

from .conftest import key

API = "/api/evaluation"
OCT = datetime.date(2023, 10, 1)


# --- 1. exact arithmetic, one computation ------------------------------------------------------------------------

@pytest.fixture
def exact_setup(hd):
    """A rule set on 幸福小区 (base 0): S a score item (0–10), B a bonus of 0.25 per occurrence (cap 2), D a
    deduction of 0.25 per occurrence (cap 2). Jury: community ×2, property ×1, residents ×3."""
    staff, w = hd.staff, hd.world
    rs = services.rule_set_create(actor=staff, node=w.compound_a, name="精确计分", subject_type=SubjectType.UNIT)
    v = services.version_create(actor=staff, rule_set=rs, effective_from=datetime.date(2024, 1, 1), adopted_by="会议",
                                base_points=Decimal("0"), top_n=1)
    s = services.item_add(actor=staff, version=v, kind=ItemKind.SCORE, category=Category.OTHER, description="S",
                          points=10)
    b = services.item_add(actor=staff, version=v, kind=ItemKind.BONUS, category=Category.OTHER, description="B",
                          points="0.25", cap=2)
    d = services.item_add(actor=staff, version=v, kind=ItemKind.DEDUCTION, category=Category.OTHER, description="D",
                          points="0.25", cap=2)
    jurors = {}
    for name, party in [("c1", Party.COMMUNITY), ("c2", Party.COMMUNITY), ("p1", Party.PROPERTY),
                        ("r1", Party.RESIDENTS), ("r2", Party.RESIDENTS), ("r3", Party.RESIDENTS)]:
        jurors[name] = make_user(f"x_{name}", name=f"精确{name}")
        services.juror_add(actor=staff, rule_set=rs, user=jurors[name], party=party)
    p = services.period_open(actor=staff, rule_set=rs, day=datetime.date(2024, 3, 1))
    units = {n: p.subjects.get(node=u) for n, u in zip("DCBA", hd.units, strict=True)}  # D=1栋1单元 … A=2栋2单元

    def score(juror, unit, sv, bc=0, dc=0):
        services.sheet_submit(actor=jurors[juror], period=p, subject_id=units[unit].pk, client_key=key(),
                              values={s.pk: sv, b.pk: bc, d.pk: dc})

    return p, units, score


@pytest.mark.django_db
def test_totals_exact_and_rounded_once_against_a_hand_computed_table(exact_setup, hd):
    p, units, score = exact_setup
    # A: community only, two jurors: S (7.25 + 7.00)/2 = 7.125, B (4×0.25 + 3×0.25)/2 = 0.875 → exactly 8.
    #    Rounding the parts first gave 7.13 + 0.88 = 8.01.
    score("c1", "A", "7.25", bc=4)
    score("c2", "A", "7.00", bc=3)
    # B: property only: S 7.50, B 2×0.25 = 0.50 → exactly 8 (fewer bonus points than A).
    score("p1", "B", "7.50", bc=2)
    # C: residents only, three jurors: S (8 + 8 + 8.01)/3 = 8.00333… → above 8 although shown as 8.00.
    for j, v in (("r1", "8"), ("r2", "8"), ("r3", "8.01")):
        score(j, "C", v)
    # D: community and property: community S 8.50, D 2×0.25; property S 8.50, D 2×0.25 → 8.5 − 0.5 = exactly 8,
    #    with a deduction (ranks after A and B).
    score("c1", "D", "8.50", dc=2)
    score("p1", "D", "8.50", dc=2)
    services.period_close(actor=hd.staff, period=p)
    rows = {label: SubjectResult.objects.get(period=p, subject=units[label]) for label in "ABCD"}
    table = {label: (r.score_total, r.bonus, r.deduction, r.total, r.rank, r.exact_total) for label, r in rows.items()}
    assert table == {
        "C": (Decimal("8.00"), Decimal("0.00"), Decimal("0.00"), Decimal("8.00"), 1, "2401/300"),
        "A": (Decimal("7.13"), Decimal("0.88"), Decimal("0.00"), Decimal("8.00"), 2, "8"),
        "B": (Decimal("7.50"), Decimal("0.50"), Decimal("0.00"), Decimal("8.00"), 3, "8"),
        "D": (Decimal("8.50"), Decimal("0.00"), Decimal("0.50"), Decimal("8.00"), 4, "8"),
    }
    assert rows["C"].honoured and not rows["A"].honoured  # the flag goes to the exact best, not a rounding
    # The explanation is the same computation: the same figures and exact totals.
    for _label, r in rows.items():
        ex = aggregation.explain(r.subject)
        assert (ex.score_total, ex.bonus, ex.deduction, ex.total) == (r.score_total, r.bonus, r.deduction, r.total)
        assert ex.exact_total == Fraction(r.exact_total)
    ex = aggregation.explain(rows["C"].subject)
    s_line = next(ln for ln in ex.lines if ln.item.description == "S")
    assert s_line.party_means == {"residents": Decimal("8.00")} and s_line.mean == Decimal("8.00")


def test_figures_are_exact_fractions_without_a_database():
    sums = aggregation.SheetSums  # in hundredths
    f = aggregation.figures(Decimal("100"), [
        sums("community", 725, 100, 0, None),
        sums("community", 700, 75, 0, None),
        sums("residents", 800, 0, 50, None),
        sums("residents", 800, 0, 0, None),
        sums("residents", 801, 0, 0, None),
    ])
    # score: (7.125 + 8.00333…)/2; bonus: (0.875 + 0)/2; deduction: (0 + 1/6)/2
    assert f.score_total == (Fraction(57, 8) + Fraction(2401, 300)) / 2
    assert f.bonus == Fraction(7, 16) and f.deduction == Fraction(1, 12)
    assert f.total == 100 + f.score_total + f.bonus - f.deduction and f.parties == 2 and f.rankable
    assert aggregation.display(Fraction(1, 8)) == Decimal("0.13") and aggregation.display(Fraction(1, 3)) == Decimal("0.33")


# --- 2. the period closes when every juror of its jury has scored every subject ---------------------------------

@pytest.mark.django_db
def test_second_juror_of_a_party_is_heard_and_staff_close_lists_who_has_not_scored(hd, client_for):
    p = hd.open(OCT)
    san = p.version.items.get(position=7)
    for j in ("c1", "p1", "o1", "r1"):
        for i in range(4):
            hd.score(j, p, i, {san.pk: 8})
    p.refresh_from_db()
    assert p.is_open  # r2, the residents' second juror, has not scored
    hd.score("r2", p, 0, {san.pk: 6})  # not refused with 评分已经结束
    c = client_for(hd.staff)
    r = c.get(reverse("evaluation:period_close", args=[p.pk]))
    body = r.content.decode()
    assert r.status_code == 200 and "评委r2" in body and "1/4" in body and "评委c1" not in body
    jury = c.get(f"{API}/periods/{p.pk}").json()["jury"]
    assert {x["name"]: (x["subjects_scored"], x["done"]) for x in jury}["评委r2"] == (1, False)
    for i in range(1, 4):
        hd.score("r2", p, i, {san.pk: 6})
    p.refresh_from_db()
    assert not p.is_open and p.events.last().action == PeriodEvent.Action.AUTO_CLOSE
    r = SubjectResult.objects.get(period=p, subject__node=hd.units[0])
    assert r.score_total == Decimal("7.75")  # residents (8 + 6)/2 = 7 → (8 + 8 + 8 + 7)/4


@pytest.mark.django_db
def test_staff_close_by_confirmation_page(hd, client_for):
    p = hd.open(OCT)
    san = p.version.items.get(position=7)
    hd.score("c1", p, 0, {san.pk: 8})
    c = client_for(hd.staff)
    # The period page's button leads to the confirmation; the POST there closes.
    r = c.post(reverse("evaluation:period_action", args=[p.pk]), {"action": "close"})
    assert r.status_code == 302 and r["Location"] == reverse("evaluation:period_close", args=[p.pk])
    p.refresh_from_db()
    assert p.is_open
    r = c.post(reverse("evaluation:period_close", args=[p.pk]), {"reason": "月底"})
    assert r.status_code == 302
    p.refresh_from_db()
    assert not p.is_open and p.events.last().reason == "月底"
    other = client_for(hd.world.users["community_b"])
    assert other.get(reverse("evaluation:period_close", args=[p.pk])).status_code == 404


# --- 3. a jury per period -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_period_keeps_its_jury(hd, client_for):
    p = hd.open(OCT)
    san = p.version.items.get(position=7)
    r2 = hd.jurors["r2"]
    assert set(p.jury.values_list("user__username", flat=True)) == {
        "juror_c1", "juror_p1", "juror_o1", "juror_r1", "juror_r2"}
    # Removed from the rule set: still on October's jury and may score it; not on November's.
    services.juror_remove(actor=hd.staff, juror=r2)
    hd.score("r2", p, 0, {san.pk: 7})
    nov = hd.open(datetime.date(2023, 11, 1))
    assert not nov.jury.filter(user=r2.user).exists()
    with pytest.raises(PermissionDenied):
        hd.score("r2", nov, 0, {san.pk: 7})
    assert [x.pk for x in selectors.juror_periods(r2.user)] == [p.pk]
    # Adjustable while open: someone seated for October only.
    guest = make_user("guest_juror", name="特邀评委")
    c = client_for(hd.staff)
    r = c.post(f"{API}/periods/{nov.pk}/jurors", {"login": "guest_juror", "party": "residents"},
               content_type="application/json")
    assert r.status_code == 400  # not a person of the place
    assign(guest, Role.UNIT_HEAD, hd.units[0])
    r = c.post(f"{API}/periods/{nov.pk}/jurors", {"login": "guest_juror", "party": "residents"},
               content_type="application/json")
    assert r.status_code == 201 and r.json()["name"] == "特邀评委"
    assert not hd.rule_set.jurors.filter(user=guest).exists()
    services.period_close(actor=hd.staff, period=p)
    # Closed: the jury is fixed, and shown with the results and the explanation.
    seat = p.jury.get(user__username="juror_c1")
    with pytest.raises(ValidationError, match="评审团不能再调整"):
        services.period_juror_remove(actor=hd.staff, period=p, seat=seat)
    r = c.delete(f"{API}/periods/{p.pk}/jurors/{seat.pk}")
    assert r.status_code == 400
    ex = c.get(f"{API}/periods/{p.pk}/subjects/{p.subjects.get(node=hd.units[0]).pk}/explanation").json()
    assert {(x["name"], x["scored"]) for x in ex["jury"]} >= {("评委r2", True), ("评委c1", False)}
    page = c.get(reverse("evaluation:period", args=[p.pk])).content.decode()
    assert "本期评审团" in page and "评委r2" in page
    assert "评委r2" in c.get(reverse("evaluation:subject", args=[p.pk, p.subjects.first().pk])).content.decode()


@pytest.mark.django_db
def test_removed_period_juror_no_longer_counts_and_page_actions_are_scoped(hd, client_for):
    p = hd.open(OCT)
    san = p.version.items.get(position=7)
    hd.score("c1", p, 0, {san.pk: 10})
    hd.score("p1", p, 0, {san.pk: 2})
    seat = p.jury.get(user=hd.jurors["p1"].user)
    other = client_for(hd.world.users["community_b"])
    url = reverse("evaluation:period_juror_remove", args=[p.pk, seat.pk])
    assert other.post(url).status_code == 404
    assert client_for(hd.staff).post(url).status_code == 302
    assert p.events.filter(action=PeriodEvent.Action.JUROR_REMOVE).count() == 1
    services.period_close(actor=hd.staff, period=p)
    r = SubjectResult.objects.get(period=p, subject__node=hd.units[0])
    assert (r.score_total, r.parties) == (Decimal("10.00"), 1)
    assert ScoreSheet.objects.filter(juror=seat).count() == 1  # kept, not counted


# --- 4. per-occurrence items take counts --------------------------------------------------------------------

@pytest.mark.django_db
def test_per_occurrence_item_takes_a_count_and_applies_the_cap(hd, client_for):
    p = hd.open(OCT)
    san = p.version.items.get(position=7)
    clutter = p.version.items.get(position=8)  # 楼道堆放杂物，每处扣2分 (cap 10)
    res = hd.score("c1", p, 0, {san.pk: 9, clutter.pk: 6})
    score = Score.objects.get(sheet=res.sheet, item=clutter)
    assert (score.count, score.value, res.sheet.deduction_sum) == (6, Decimal("10.00"), Decimal("10.00"))
    res = hd.score("c1", p, 1, {san.pk: 9, clutter.pk: 2})
    assert Score.objects.get(sheet=res.sheet, item=clutter).value == Decimal("4.00")
    c = client_for(hd.staff)
    subject = p.subjects.get(node=hd.units[0])
    ex = c.get(f"{API}/periods/{p.pk}/subjects/{subject.pk}/explanation").json()
    line = next(i for i in ex["items"] if i["item_id"] == clutter.pk)
    assert (line["jurors"][0]["count"], line["jurors"][0]["value"]) == (6, "10.00")
    assert (line["points"], line["cap"]) == ("2.00", "10.00")
    page = c.get(reverse("evaluation:subject", args=[p.pk, subject.pk])).content.decode()
    assert "6次 = 10.00分" in page
    # The juror API says what to enter.
    detail = client_for(hd.jurors["c1"].user).get(f"{API}/my/periods/{p.pk}").json()
    entry = {i["id"]: (i["entry"], i["max_count"]) for i in detail["items"]}
    assert entry[clutter.pk] == ("count", 5) and entry[san.pk] == ("points", None)
    # The form asks for a count.
    form = client_for(hd.jurors["c1"].user).get(reverse("evaluation:score_subject", args=[p.pk, subject.pk]))
    assert f'name="item_{clutter.pk}" value="6"' in form.content.decode()


# --- 5. a vetoed month counts as zero in the year total --------------------------------------------------------

@pytest.mark.django_db
def test_vetoed_month_counts_zero_in_the_year_total(hd):
    veto = hd.v2.items.get(kind=ItemKind.VETO)
    for m, vetoed in ((1, True), (2, False)):
        p = hd.open(datetime.date(2024, m, 1))
        san = p.version.items.get(position=7)
        for j in hd.jurors:
            for i in range(4):
                values, notes = {san.pk: 10 - i}, {}
                if vetoed and i == 0 and j == "c1":
                    values[veto.pk], notes[veto.pk] = 1, "飞线充电"
                hd.score(j, p, i, values, notes=notes)
        p.refresh_from_db()
        assert not p.is_open
    standings = {s.label: s for s in selectors.year_standings(hd.rule_set, 2024)}
    u0 = standings["1栋1单元"]
    assert (u0.vetoed_months, u0.year_total) == (1, Decimal("110.00"))  # January (110, vetoed) counts 0
    assert standings["1栋2单元"].year_total == Decimal("218.00")


# --- 6. subjects' identity, default selection, natural order ------------------------------------------------------

@pytest.mark.django_db
def test_subjects_carry_their_place_and_sort_naturally(hd, client_for):
    w = hd.world
    compound = make_node(w.community_a, Level.COMPOUND, "自然小区")
    b10 = make_node(compound, Level.BUILDING, "10栋")  # created first
    b2 = make_node(compound, Level.BUILDING, "2栋")
    u = [make_node(b10, Level.UNIT, "1单元"), make_node(b2, Level.UNIT, "12单元"), make_node(b2, Level.UNIT, "2单元")]
    rs = services.rule_set_create(actor=hd.staff, node=compound, name="自然排序", subject_type=SubjectType.UNIT)
    assert [s.label for s in subjects.candidates(rs)] == ["2栋2单元", "2栋12单元", "10栋1单元"]
    v = services.version_create(actor=hd.staff, rule_set=rs, effective_from=datetime.date(2024, 1, 1), adopted_by="会")
    services.item_add(actor=hd.staff, version=v, kind=ItemKind.SCORE, category=Category.OTHER, description="S", points=10)
    services.juror_add(actor=hd.staff, rule_set=rs, user=hd.jurors["c1"].user, party=Party.COMMUNITY)
    jan = services.period_open(actor=hd.staff, rule_set=rs, day=datetime.date(2024, 1, 1),
                               subject_refs=[u[0].pk, u[1].pk])
    feb = services.period_open(actor=hd.staff, rule_set=rs, day=datetime.date(2024, 2, 1))
    # The previous selection is the default; same places, new subject rows.
    assert [s.node_id for s in feb.subjects.order_by("sort_key")] == [u[1].pk, u[0].pk]
    assert set(feb.subjects.values_list("pk", flat=True)).isdisjoint(jan.subjects.values_list("pk", flat=True))
    # The page's selection ticks the previous period's subjects.
    page = client_for(hd.staff).get(reverse("evaluation:period_new", args=[rs.pk])).content.decode()
    assert f'value="{u[0].pk}" checked' in page and f'value="{u[2].pk}" checked' not in page
    juror = client_for(hd.jurors["c1"].user)
    subs = juror.get(f"{API}/my/periods/{feb.pk}").json()["subjects"]
    assert [(s["label"], s["place_id"], s["key"]) for s in subs] == [
        ("2栋12单元", u[1].pk, f"n{u[1].pk}"), ("10栋1单元", u[0].pk, f"n{u[0].pk}")]
    item = feb.version.items.get()
    for s, val in zip(feb.subjects.order_by("sort_key"), (10, 9), strict=True):
        services.sheet_submit(actor=hd.jurors["c1"].user, period=feb, subject_id=s.pk, client_key=key(),
                              values={item.pk: val})
    c = client_for(hd.staff)
    rows = c.get(f"{API}/periods/{feb.pk}/results").json()["items"]
    assert [(r["place_id"], r["key"]) for r in rows] == [(u[1].pk, f"n{u[1].pk}"), (u[0].pk, f"n{u[0].pk}")]
    services.period_close(actor=hd.staff, period=jan)
    st = c.get(f"{API}/rulesets/{rs.pk}/standings?year=2024").json()["items"]
    assert {(s["label"], s["place_id"]) for s in st} == {("2栋12单元", u[1].pk), ("10栋1单元", u[0].pk)}
    ex = c.get(f"{API}/periods/{feb.pk}/subjects/{feb.subjects.first().pk}/explanation").json()
    assert ex["place_id"] == feb.subjects.first().node_id
    feb.refresh_from_db()
    assert not feb.is_open  # its one juror scored both subjects
    board = client_for(hd.world.users["resident_a1"]).get(f"{API}/board/{compound.pk}").json()["boards"][0]
    assert [(r["subject"], r["place_id"]) for r in board["ranking"]] == [("2栋12单元", u[1].pk), ("10栋1单元", u[0].pk)]


# --- 7. 三长 subsidies and awards read back -----------------------------------------------------------------------

@pytest.mark.django_db
def test_role_subsidies_and_holders_read_back_with_who_and_when(hd, client_for):
    head = assign(make_user("uh", name="单元长丙"), Role.UNIT_HEAD, hd.units[1])
    elsewhere = assign(make_user("uh_b", name="乙社区单元长"), Role.UNIT_HEAD, hd.world.unit_b1_1
                       if hasattr(hd.world, "unit_b1_1") else make_node(hd.world.community_b, Level.COMPOUND, "乙小区"))
    c = client_for(hd.staff)
    holders = c.get(f"{API}/rulesets/{hd.rule_set.pk}/role-holders").json()["items"]
    ids = {h["assignment_id"] for h in holders}
    assert head.pk in ids and elsewhere.pk not in ids
    h = next(x for x in holders if x["assignment_id"] == head.pk)
    assert (h["name"], h["role"], h["place_id"], h["place"]) == ("单元长丙", Role.UNIT_HEAD, hd.units[1].pk, "1栋2单元")
    r = c.post(f"{API}/rulesets/{hd.rule_set.pk}/role-subsidies", {"year": 2024, "assignment_id": elsewhere.pk},
               content_type="application/json")
    assert r.status_code == 400
    r = c.post(f"{API}/rulesets/{hd.rule_set.pk}/role-subsidies", {"year": 2024, "assignment_id": head.pk,
                                                                    "note": "按时清扫"}, content_type="application/json")
    assert r.status_code == 201
    r = c.get(f"{API}/rulesets/{hd.rule_set.pk}/role-subsidies")
    assert r.status_code == 200
    (row,) = r.json()["items"]
    assert (row["user_name"], row["percent"], row["granted_by_id"], row["granted_by_name"], row["place"]) == (
        "单元长丙", "20.00", hd.staff.pk, hd.staff.display_name, "1栋2单元")
    assert row["granted_at"].endswith("+08:00")
    assert c.get(f"{API}/rulesets/{hd.rule_set.pk}/role-subsidies?year=2023").json()["items"] == []
    other = client_for(hd.world.users["community_b"])
    assert other.get(f"{API}/rulesets/{hd.rule_set.pk}/role-subsidies").status_code == 404
    assert other.get(f"{API}/rulesets/{hd.rule_set.pk}/role-holders").status_code == 404


@pytest.mark.django_db
def test_awards_say_who_granted_them_and_when(hd, client_for):
    p = hd.open(datetime.date(2023, 5, 1))
    san = p.version.items.get(position=7)
    for j in hd.jurors:
        for i in range(4):
            hd.score(j, p, i, {san.pk: 10 - i})
    services.awards_grant(actor=hd.staff, rule_set=hd.rule_set, year=2023)
    c = client_for(hd.staff)
    rows = c.get(f"{API}/rulesets/{hd.rule_set.pk}/awards").json()["items"]
    assert rows[0]["granted_by_id"] == hd.staff.pk and rows[0]["granted_by_name"] == hd.staff.display_name
    assert rows[0]["granted_at"] and rows[0]["place_id"] == hd.units[0].pk and rows[0]["key"] == f"n{hd.units[0].pk}"
    page = c.get(reverse("evaluation:rule_set", args=[hd.rule_set.pk])).content.decode()
    assert "授予时间" in page


# --- issue 9, item 5: out-of-range input is a 400 with a clear message ------------------------------------------

HUGE = 38056997007889


@pytest.mark.django_db
def test_out_of_range_years_and_settings_are_400_not_500(hd, client_for):
    c = client_for(hd.staff)
    rs = hd.rule_set.pk
    for year in (0, -1, HUGE, 10**30):
        for method, url, body in (
            ("get", f"{API}/rulesets/{rs}/standings?year={year}", None),
            ("get", f"{API}/rulesets/{rs}/role-subsidies?year={year}", None),
            ("post", f"{API}/rulesets/{rs}/awards", {"year": year}),
            ("post", f"{API}/rulesets/{rs}/role-subsidies", {"year": year, "assignment_id": 1}),
        ):
            r = getattr(c, method)(url, body, content_type="application/json") if body else c.get(url)
            assert r.status_code in (400, 422), (url, year, r.status_code)
            assert r.json()["detail"]
    r = c.get(f"{API}/rulesets/{rs}/standings?year={HUGE}")
    assert r.status_code == 400 and "年度应在2000至2100之间" in str(r.json()["errors"])
    for day in ("0001-01-01", "9999-12-31"):
        r = c.post(f"{API}/rulesets/{rs}/periods", {"day": day}, content_type="application/json")
        assert r.status_code == 400 and "日期应在" in str(r.json()["errors"])
        r = c.post(f"{API}/rulesets/{rs}/versions", {"effective_from": day, "adopted_by": "会"},
                   content_type="application/json")
        assert r.status_code == 400
    for field, value in (("base_points", "-1"), ("base_points", "NaN"), ("base_points", "1e30"),
                         ("top_n", -1), ("top_n", HUGE), ("award_count", -5), ("award_subsidy_percent", "NaN"),
                         ("role_subsidy_percent", "-10"), ("role_subsidy_extra_percent", "Infinity"),
                         ("star_thresholds", "NaN,90"), ("star_thresholds", "-5")):
        r = c.post(f"{API}/rulesets/{rs}/versions", {"effective_from": "2026-01-01", "adopted_by": "会", field: value},
                   content_type="application/json")
        assert r.status_code in (400, 422), (field, value, r.status_code)
    assert hd.rule_set.versions.count() == 2  # nothing half-written
    draft = services.version_create(actor=hd.staff, rule_set=hd.rule_set, effective_from=datetime.date(2026, 1, 1),
                                    adopted_by="会")
    for points in ("NaN", "-1", "Infinity", "1e9"):
        r = c.post(f"{API}/versions/{draft.pk}/items", {"kind": "score", "category": "other", "description": "x",
                                                        "points": points}, content_type="application/json")
        assert r.status_code in (400, 422), (points, r.status_code)
    r = c.post(f"{API}/rulesets/{rs}/awards", {"year": 2023, "subsidy_percent": "NaN"}, content_type="application/json")
    assert r.status_code in (400, 422)
    for pk in (HUGE, 10**20):
        assert c.get(f"{API}/periods/{pk}").status_code in (404, 422)
        assert c.get(f"{API}/rulesets/{pk}").status_code in (404, 422)


@pytest.mark.django_db
def test_out_of_range_years_on_pages_are_400_not_500(hd, client_for):
    c = client_for(hd.staff)
    compound = hd.world.compound_a.pk
    for year in ("0", str(HUGE), "abc"):
        r = c.get(reverse("evaluation:ledger", args=[compound, hd.rule_set.pk]) + f"?year={year}")
        assert r.status_code == 400 and "年度应在" in r.content.decode()
    for year in (0, HUGE):
        r = c.get(f"/evaluation/rulesets/{hd.rule_set.pk}/awards/{year}/revoke/")
        assert r.status_code in (400, 404)
    for day in ("0001-01-01", "9999-12-31"):
        r = c.post(reverse("evaluation:period_new", args=[hd.rule_set.pk]), {"day": day}, follow=True)
        assert r.status_code == 200 and "日期应在" in r.content.decode()
    r = c.get(reverse("evaluation:board", args=[compound]) + f"?month={HUGE}")
    assert r.status_code == 200
    assert Period.objects.count() == 0
