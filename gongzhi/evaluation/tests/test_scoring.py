import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.evaluation import aggregation, selectors, services
from gongzhi.evaluation.models import ItemKind, Period, PeriodEvent, Score, ScoreSheet, SubjectResult

from .conftest import key

OCT = datetime.date(2023, 10, 1)


def ids(hd, version):
    """Item ids by position: {1: id, 2: id …}."""
    return {i.position: i.pk for i in hd.items(version)}


def full_round(hd, period, scores: dict[int, int], bonus: dict[int, int] | None = None, skip=()):
    """Every juror gives unit i the sanitation score scores[i] (+ volunteering bonus)."""
    it = ids(hd, period.version)
    for j in hd.jurors:
        if j in skip:
            continue
        for i, s in scores.items():
            hd.score(j, period, i, {it[7]: s, it[9]: (bonus or {}).get(i, 0)})


@pytest.mark.django_db
def test_period_uses_version_in_force_and_snapshots_subjects(hd):
    oct_ = hd.open(OCT)
    feb = hd.open(datetime.date(2024, 2, 15))
    assert oct_.version == hd.v1 and feb.version == hd.v2
    assert (oct_.start, oct_.end, oct_.label) == (OCT, datetime.date(2023, 10, 31), "2023年10月")
    assert [s.label for s in oct_.subjects.all()] == ["1栋1单元", "1栋2单元", "2栋1单元", "2栋2单元"]
    with pytest.raises(ValidationError, match="已经开启过"):
        hd.open(datetime.date(2023, 10, 20))
    with pytest.raises(ValidationError, match="没有生效的评分细则版本"):
        hd.open(datetime.date(2023, 1, 1))


@pytest.mark.django_db
def test_party_mean_then_mean_across_parties(hd):
    p = hd.open(OCT)
    it = ids(hd, hd.v1)
    hd.score("c1", p, 0, {it[7]: 10})
    hd.score("p1", p, 0, {it[7]: 8})
    hd.score("o1", p, 0, {it[7]: 6})
    hd.score("r1", p, 0, {it[7]: 10, it[9]: 4})
    hd.score("r2", p, 0, {it[7]: 10, it[8]: 1})  # one occurrence of 楼道堆放杂物: 2 points
    p = services.period_close(actor=hd.staff, period=p)
    r = SubjectResult.objects.get(subject__node=hd.units[0], round=1)
    # residents: (10+10)/2 = 10; across parties (10+8+6+10)/4 = 8.5 (not the jurors' mean 8.8)
    assert r.score_total == Decimal("8.50")
    assert r.bonus == Decimal("0.50")      # residents' mean 2, other parties 0 → 2/4
    assert r.deduction == Decimal("0.25")  # residents' mean 1 → 1/4
    assert r.total == Decimal("108.75") and r.parties == 4 and r.rank == 1 and r.honoured
    # Units nobody scored are not ranked.
    assert SubjectResult.objects.filter(period=p, round=1, rank__isnull=True, parties=0).count() == 3
    ex = aggregation.explain(r.subject)
    assert (ex.score_total, ex.bonus, ex.deduction, ex.total) == (r.score_total, r.bonus, r.deduction, r.total)
    line = next(ln for ln in ex.lines if ln.item.position == 7)
    assert line.party_means == {"community": Decimal("10.00"), "property": Decimal("8.00"),
                                "owners": Decimal("6.00"), "residents": Decimal("10.00")}
    assert len(line.entries) == 5 and ex.version_number == 1


@pytest.mark.django_db
def test_close_query_count_does_not_depend_on_scores(hd, django_assert_max_num_queries):
    p = hd.open(OCT)
    full_round(hd, p, {0: 9, 1: 8, 2: 7, 3: 6}, skip={"p1", "o1"})
    with django_assert_max_num_queries(12):
        services.period_close(actor=hd.staff, period=p, reason="物业、业委会本月未到场")
    assert p.events.last().reason == "物业、业委会本月未到场"
    assert SubjectResult.objects.filter(period=p, parties=2).count() == 4


@pytest.mark.django_db
def test_auto_close_when_every_juror_scored_every_subject(hd):
    p = hd.open(OCT)
    full_round(hd, p, {0: 9, 1: 8, 2: 7, 3: 6}, skip={"r2"})
    p.refresh_from_db()
    # Every party has scored, but r2 (the residents' second juror) has not: the period stays open for them.
    assert p.status == Period.Status.OPEN
    full_round(hd, p, {0: 9, 1: 8, 2: 7, 3: 6}, skip={"c1", "p1", "o1", "r1"})
    p.refresh_from_db()
    assert p.status == Period.Status.CLOSED and p.round == 1
    ev = p.events.last()
    assert ev.action == PeriodEvent.Action.AUTO_CLOSE
    ranks = list(selectors.current_results(p).values_list("subject__label", "rank", "honoured"))
    assert ranks == [("1栋1单元", 1, True), ("1栋2单元", 2, True), ("2栋1单元", 3, True), ("2栋2单元", 4, False)]


@pytest.mark.django_db
def test_tie_break_is_documented_keys_not_database_order(hd):
    p = hd.open(OCT)
    it = ids(hd, hd.v1)
    # Units 0 and 1 both total 105: unit 1 has no deduction and wins; units 2 and 3 are equal in every key
    # and fall back to their place in the tree.
    for j in ("c1", "p1", "o1", "r1", "r2"):
        hd.score(j, p, 0, {it[7]: 7, it[8]: 1})  # 100 + 7 - 2 = 105 (one occurrence, 2 points)
        hd.score(j, p, 1, {it[7]: 5})            # 100 + 5     = 105
        hd.score(j, p, 3, {it[7]: 5})
        hd.score(j, p, 2, {it[7]: 5})
    p.refresh_from_db()
    assert p.status == Period.Status.CLOSED
    ranks = list(selectors.current_results(p).values_list("subject__label", "rank"))
    assert ranks == [("1栋2单元", 1), ("2栋1单元", 2), ("2栋2单元", 3), ("1栋1单元", 4)]


@pytest.mark.django_db
def test_veto_takes_subject_out_of_ranking_with_reason(hd):
    p = hd.open(datetime.date(2024, 1, 1))
    it = ids(hd, hd.v2)
    veto = hd.v2.items.get(kind=ItemKind.VETO)
    with pytest.raises(ValidationError, match="请写明情况"):
        hd.score("c1", p, 0, {it[7]: 10, veto.pk: 1})
    assert not ScoreSheet.objects.exists()
    hd.score("c1", p, 0, {it[7]: 10, veto.pk: 1}, notes={veto.pk: "3楼楼道飞线给电动车充电"})
    for j in ("p1", "o1", "r1"):
        hd.score(j, p, 0, {it[7]: 10})
    for j in ("c1", "p1", "o1", "r1"):
        hd.score(j, p, 1, {it[7]: 2})
    services.period_close(actor=hd.staff, period=p)
    r0 = SubjectResult.objects.get(subject__node=hd.units[0])
    r1 = SubjectResult.objects.get(subject__node=hd.units[1])
    assert r0.vetoed and r0.rank is None and not r0.honoured and r0.veto_item == veto
    assert r0.total == Decimal("110.00")  # the total is still shown; the veto is applied last
    assert r1.rank == 1 and r1.honoured
    ex = aggregation.explain(r0.subject)
    assert [ln.item.description for ln in ex.veto_lines] == ["有飞线充电行为的单元实行一票否决"]


@pytest.mark.django_db
def test_score_outside_item_range_refused_nothing_written(hd):
    p = hd.open(OCT)
    it = ids(hd, hd.v1)
    for bad, msg in [({it[7]: 11}, "应在0至10之间"), ({it[7]: -1}, "应在0至10之间"), ({it[7]: "abc"}, "不是数字"),
                     ({it[7]: 5, it[1]: 1000}, "0至999的整数"), ({it[7]: 5, it[1]: "1.5"}, "请填写发生的次数"),
                     ({it[7]: 5, it[1]: -1}, "请填写发生的次数"), ({it[7]: "NaN"}, "不是数字"),
                     ({it[7]: "Infinity"}, "不是数字"), ({it[7]: "5.555"}, "最多两位小数"), ({}, "请为")]:
        with pytest.raises(ValidationError) as e:
            hd.score("c1", p, 0, bad)
        assert msg in str(e.value)
    assert ScoreSheet.objects.count() == 0 and Score.objects.count() == 0


@pytest.mark.django_db
def test_non_juror_refused(hd, world):
    p = hd.open(OCT)
    subject = p.subjects.first()
    it = ids(hd, hd.v1)
    for user in (world.users["community_a"], world.users["resident_a1"]):
        with pytest.raises(PermissionDenied, match="评审团的评委"):
            services.sheet_submit(actor=user, period=p, subject_id=subject.pk, client_key=key(), values={it[7]: 5})
    # Removed from this period's jury: refused here.
    seat = p.jury.get(user=hd.jurors["r2"].user)
    services.period_juror_remove(actor=hd.staff, period=p, seat=seat)
    with pytest.raises(PermissionDenied):
        hd.score("r2", p, 0, {it[7]: 5})
    assert ScoreSheet.objects.count() == 0


@pytest.mark.django_db
def test_scoring_a_closed_period_refused(hd):
    p = hd.open(OCT)
    it = ids(hd, hd.v1)
    services.period_close(actor=hd.staff, period=p)
    with pytest.raises(ValidationError, match="评分已经结束，不能再评分"):
        hd.score("c1", p, 0, {it[7]: 5})
    assert ScoreSheet.objects.count() == 0
    with pytest.raises(ValidationError, match="已经结束"):
        services.period_close(actor=hd.staff, period=p)


@pytest.mark.django_db
def test_same_client_key_is_idempotent_even_after_the_period_closed(hd):
    p = hd.open(OCT)
    it = ids(hd, hd.v1)
    first = hd.score("c1", p, 0, {it[7]: 5}, client_key="abcdef-123456")
    again = hd.score("c1", p, 0, {it[7]: 5}, client_key="abcdef-123456")
    assert first.created and not again.created and first.sheet.pk == again.sheet.pk
    assert ScoreSheet.objects.count() == 1 and Score.objects.count() == 9
    services.period_close(actor=hd.staff, period=p)
    late = hd.score("c1", p, 0, {it[7]: 5}, client_key="abcdef-123456")
    assert late.sheet.pk == first.sheet.pk
    with pytest.raises(ValidationError, match="提交编号已被使用"):
        hd.score("p1", p, 0, {it[7]: 5}, client_key="abcdef-123456")


@pytest.mark.django_db
def test_rescoring_appends_a_sheet_and_only_the_latest_counts(hd):
    p = hd.open(OCT)
    it = ids(hd, hd.v1)
    hd.score("c1", p, 0, {it[7]: 2})
    hd.score("c1", p, 0, {it[7]: 9})
    assert ScoreSheet.objects.count() == 2
    assert ScoreSheet.objects.filter(is_current=True).count() == 1
    services.period_close(actor=hd.staff, period=p)
    assert SubjectResult.objects.get(subject__node=hd.units[0]).score_total == Decimal("9.00")


@pytest.mark.django_db
def test_reopen_needs_reason_and_keeps_old_results(hd):
    p = hd.open(OCT)
    it = ids(hd, hd.v1)
    hd.score("c1", p, 0, {it[7]: 4})
    services.period_close(actor=hd.staff, period=p)
    with pytest.raises(ValidationError, match="请填写重新开启的原因"):
        services.period_reopen(actor=hd.staff, period=p, reason=" ")
    with pytest.raises(PermissionDenied):
        services.period_reopen(actor=hd.world.users["community_b"], period=p, reason="x")
    services.period_reopen(actor=hd.staff, period=p, reason="社区评委录错分数")
    hd.score("c1", p, 0, {it[7]: 8})
    services.period_close(actor=hd.staff, period=p)
    p.refresh_from_db()
    assert p.round == 2
    assert list(SubjectResult.objects.filter(subject__node=hd.units[0]).order_by("round")
                .values_list("round", "score_total")) == [(1, Decimal("4.00")), (2, Decimal("8.00"))]
    assert [e.action for e in p.events.all()] == ["open", "close", "reopen", "close"]
    assert p.events.get(action="reopen").reason == "社区评委录错分数"


@pytest.mark.django_db
def test_old_periods_keep_their_results_when_rules_change(hd):
    p = hd.open(OCT)
    it = ids(hd, hd.v1)
    hd.score("c1", p, 0, {it[7]: 4, it[5]: 1})  # one student admitted: 5 points
    services.period_close(actor=hd.staff, period=p)
    v3 = services.version_create(actor=hd.staff, rule_set=hd.rule_set, effective_from=datetime.date(2025, 1, 1),
                                 adopted_by="议事会", base_points=Decimal("50"))
    services.item_remove(actor=hd.staff, item=v3.items.get(position=5))
    r = SubjectResult.objects.get(subject__node=hd.units[0])
    assert (r.total, r.bonus) == (Decimal("109.00"), Decimal("5.00"))
    assert aggregation.explain(r.subject).version_number == 1


@pytest.mark.django_db
def test_sheet_sums_match_its_item_scores(hd):
    p = hd.open(datetime.date(2024, 1, 1))
    it = ids(hd, hd.v2)
    veto = hd.v2.items.get(kind=ItemKind.VETO)
    # Counts: item 1 (−5 each, cap 10) once, item 2 (+2 each, cap 4) three times (capped at 4), item 3 (−3
    # each) once, item 9 (+1 each) twice.
    res = hd.score("c1", p, 0, {it[7]: "7.5", it[1]: 1, it[2]: 3, it[3]: 1, it[9]: 2, veto.pk: 1},
                   notes={veto.pk: "飞线"})
    sheet = res.sheet
    by_kind = {}
    for s in sheet.scores.select_related("item"):
        by_kind[s.item.kind] = by_kind.get(s.item.kind, 0) + s.value
    assert (sheet.score_sum, sheet.bonus_sum, sheet.deduction_sum) == (
        by_kind["score"], by_kind["bonus"], by_kind["deduction"]) == (Decimal("7.5"), Decimal("6"), Decimal("8"))
    assert sheet.veto_item == veto
