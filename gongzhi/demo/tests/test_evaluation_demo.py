import datetime

import pytest

from gongzhi.demo import evaluation as demo
from gongzhi.evaluation.models import Period, RuleSet, YearAward
from gongzhi.territory.models import Level, Role
from gongzhi.territory.testing import assign, make_node, make_user


@pytest.mark.django_db
def test_demo_returns_nothing_without_the_seed_compound(world):
    assert demo.load(None) == []


@pytest.mark.django_db
def test_demo_builds_hongdongli_and_is_idempotent(world):
    litang = make_node(world.street, Level.COMMUNITY, "栗塘社区居委会", demo.LITANG)
    compound = make_node(litang, Level.COMPOUND, "南国新家园小区")
    for b in range(2):
        building = make_node(compound, Level.BUILDING, f"{b + 1}栋")
        for u in range(3):
            unit = make_node(building, Level.UNIT, f"{u + 1}单元")
    assign(make_user("demo_litang", name="栗塘社区干事"), Role.COMMUNITY_STAFF, litang)
    assign(make_user("uh"), Role.UNIT_HEAD, unit)
    today = datetime.date(2025, 3, 15)
    lines = demo.load(None, today=today)
    assert lines and "红棟力" in lines[0]
    rs = RuleSet.objects.get(node=compound)
    assert rs.versions.count() == 2 and rs.jurors.filter(active=True).count() == 4
    periods = rs.periods.order_by("start")
    assert periods.filter(status=Period.Status.CLOSED).count() == 14 and periods.last().is_open
    assert YearAward.objects.filter(rule_set=rs, year=2024).count() == 3
    assert rs.role_subsidies.filter(year=2024).get().percent == 20
    assert demo.load(None, today=today)[0].startswith("红棟力评比：已存在")
    assert RuleSet.objects.count() == 1
