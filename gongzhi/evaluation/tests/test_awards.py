import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gongzhi.evaluation import seed_rules, selectors, services
from gongzhi.evaluation.models import CompoundType, Juror, Party, RoleSubsidy, YearAward
from gongzhi.people.models import Organisation
from gongzhi.territory.models import Level, Role
from gongzhi.territory.testing import assign, make_household, make_node, make_user

from .conftest import key


def month(hd, m: int, sanitation: list[int], year: int = 2023):
    """A closed month in which every party gives unit i the sanitation score sanitation[i]."""
    p = hd.open(datetime.date(year, m, 1))
    item = p.version.items.get(position=7)
    for j in ("c1", "p1", "o1", "r1", "r2"):
        for i, s in enumerate(sanitation):
            hd.score(j, p, i, {item.pk: s})
    p.refresh_from_db()
    assert p.status == "closed"
    return p


@pytest.mark.django_db
def test_year_award_by_red_flag_months_with_total_as_tie_break(hd):
    month(hd, 4, [10, 9, 8, 1])   # flags: u0 u1 u2
    month(hd, 5, [1, 9, 8, 10])   # flags: u3 u1 u2
    month(hd, 6, [10, 2, 8, 9])   # flags: u0 u3 u2
    # flag months: u0 2, u1 2, u2 3, u3 2 → u2 first; u0 (29), u3 (20), u1 (20) by total, u3 before u1 by
    # fewer vetoes (equal) then tree order … u1 sits before u3 in the tree.
    standings = selectors.year_standings(hd.rule_set, 2023)
    assert [(s.label, s.flag_months, s.year_total) for s in standings] == [
        ("2栋1单元", 3, Decimal("324.00")), ("1栋1单元", 2, Decimal("321.00")),
        ("1栋2单元", 2, Decimal("320.00")), ("2栋2单元", 2, Decimal("320.00"))]
    awards = services.awards_grant(actor=hd.staff, rule_set=hd.rule_set, year=2023)
    assert [(a.rank, a.label, a.subsidy_percent) for a in awards] == [
        (1, "2栋1单元", Decimal("10.00")), (2, "1栋1单元", Decimal("10.00")), (3, "1栋2单元", Decimal("10.00"))]
    assert all(a.granted_by == hd.staff for a in awards)
    with pytest.raises(ValidationError, match="已经授予"):
        services.awards_grant(actor=hd.staff, rule_set=hd.rule_set, year=2023)
    assert YearAward.objects.count() == 3


@pytest.mark.django_db
def test_awards_refused_while_a_period_is_open(hd):
    month(hd, 4, [10, 9, 8, 1])
    hd.open(datetime.date(2023, 5, 1))
    with pytest.raises(ValidationError, match="还有考评期在评分中"):
        services.awards_grant(actor=hd.staff, rule_set=hd.rule_set, year=2023)


@pytest.mark.django_db
def test_role_holder_subsidy_10_then_raised_by_10(hd, world):
    unit_head = assign(make_user("unit_head_x", name="单元长甲"), Role.UNIT_HEAD, hd.units[1])
    g23 = services.role_subsidy_grant(actor=hd.staff, rule_set=hd.rule_set, year=2023, assignment=unit_head,
                                      note="按月组织楼道清扫")
    g24 = services.role_subsidy_grant(actor=hd.staff, rule_set=hd.rule_set, year=2024, assignment=unit_head)
    assert (g23.base_percent, g23.extra_percent, g23.percent, g23.version.number) == (
        Decimal("10"), Decimal("0"), Decimal("10"), 1)
    assert (g24.base_percent, g24.extra_percent, g24.percent, g24.version.number) == (
        Decimal("10"), Decimal("10"), Decimal("20"), 2)
    assert g24.granted_by == hd.staff and g24.user.name == "单元长甲"
    with pytest.raises(ValidationError, match="已经授予"):
        services.role_subsidy_grant(actor=hd.staff, rule_set=hd.rule_set, year=2024, assignment=unit_head)
    grid_worker = world.users["grid_a1"].role_assignments.get()
    with pytest.raises(ValidationError, match="小区长、楼栋长、单元长"):
        services.role_subsidy_grant(actor=hd.staff, rule_set=hd.rule_set, year=2024, assignment=grid_worker)
    assert RoleSubsidy.objects.count() == 2


def _jury(staff, rs, parties):
    return [services.juror_add(actor=staff, rule_set=rs, user=make_user(name=f"评委{i}"), party=p)
            for i, p in enumerate(parties)]


@pytest.mark.django_db
def test_micro_contest_awards_most_beautiful_compound(world):
    staff = world.users["community_a"]
    second = make_node(world.community_a, Level.COMPOUND, "云中仙居小区")
    rs = seed_rules.build_micro_contest(actor=staff, community=world.community_a, year=2024)
    jurors = _jury(staff, rs, [Party.BUILDING_HEADS, Party.PARTY_MEMBERS, Party.RESIDENTS])
    p = services.period_open(actor=staff, rule_set=rs, day=datetime.date(2024, 11, 1))
    assert p.label == "2024年度" and p.subjects.count() == 2
    items = list(p.version.items.all())
    assert [i.get_category_display() for i in items] == ["楼道卫生", "公共环境", "绿化管理", "规范停车", "居民行为规范"]
    for j in jurors:
        for s in p.subjects.all():
            best = s.node == second
            services.sheet_submit(actor=j.user, period=p, subject_id=s.pk, client_key=key(),
                                  values={i.pk: 19 if best else 15 for i in items})
    p.refresh_from_db()
    winner = selectors.current_results(p).get(honoured=True)
    assert winner.subject.label == "云中仙居小区" and p.version.top_title == "最美小区"


@pytest.mark.django_db
def test_filial_families_rank_households(world):
    staff = world.users["community_a"]
    rs = seed_rules.build_filial_families(actor=staff, community=world.community_a, year=2024)
    assert not rs.is_public  # households never go on the public board
    for n in range(12):
        make_household(world.unit_a1_1, world.micro_a1_1, f"3{n:02d}")
    (j,) = _jury(staff, rs, [Party.RESIDENTS])  # before the period opens: it copies the jury
    p = services.period_open(actor=staff, rule_set=rs, day=datetime.date(2024, 12, 1))
    items = list(p.version.items.all())
    for n, s in enumerate(p.subjects.order_by("sort_key")):
        services.sheet_submit(actor=j.user, period=p, subject_id=s.pk, client_key=key(),
                              values={i.pk: min(int(i.points), 20 + n) for i in items})
    p.refresh_from_db()
    assert p.status == "closed"
    assert selectors.current_results(p).filter(honoured=True).count() == 10


@pytest.mark.django_db
def test_star_rating_of_property_companies_per_compound_type(world):
    staff = world.users["community_a"]
    orgs = [Organisation.objects.create(name=n, kind=Organisation.Kind.PROPERTY, community=world.community_a)
            for n in ("安居物业", "乐业物业", "和美物业")]
    rs = seed_rules.build_star_rating(actor=staff, node=world.community_a, compound_type=CompoundType.OLD, year=2024)
    assert rs.get_compound_type_display() == "老旧小区"
    (j,) = _jury(staff, rs, [Party.RESIDENTS])
    assert Juror.objects.filter(rule_set=rs).count() == 1
    p = services.period_open(actor=staff, rule_set=rs, day=datetime.date(2024, 6, 1))
    items = list(p.version.items.all())
    fractions = {"安居物业": Decimal("0.96"), "乐业物业": Decimal("0.72"), "和美物业": Decimal("0.5")}
    for s in p.subjects.all():
        services.sheet_submit(actor=j.user, period=p, subject_id=s.pk, client_key=key(),
                              values={i.pk: (i.points * fractions[s.label]).quantize(Decimal("0.01")) for i in items})
    p.refresh_from_db()
    stars = {r.subject.label: r.stars for r in selectors.current_results(p)}
    assert stars == {"安居物业": 5, "乐业物业": 2, "和美物业": 0}
    assert {s.organisation for s in p.subjects.all()} == set(orgs)
