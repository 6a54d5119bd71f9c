"""微积分: closing a monthly 红棟力 ranking grants each current resident of every unit awarded the red flag
(流动红旗) the red-flag points, once per award and resident, with a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.evaluation import services
from gongzhi.evaluation.models import SetKind
from gongzhi.people.models import Relation
from gongzhi.people.tests.factories import make_id, make_resident
from gongzhi.points import services as points
from gongzhi.points.models import Account, EarnKind, Entry
from gongzhi.territory.testing import make_household

from .test_awards import month

pytestmark = pytest.mark.django_db


def rules(hd, *rs):
    return points.rule_version_create(actor=hd.staff, community=hd.world.community_a,
                                      effective_from=datetime.date(2020, 1, 1), rules=[points.RuleInput(*r) for r in rs])


def people(hd, unit_index: int, n: int, prefix: str):
    out = []
    for i in range(n):
        hh = make_household(hd.units[unit_index], hd.world.micro_a1_1, f"{prefix}{i}")
        out.append(make_resident(hh, f"居民{prefix}{i}", id_number=make_id()))
    return out


def flagged():
    return sorted(Entry.objects.filter(rule=EarnKind.RED_FLAG).values_list("account__resident__name", "amount"))


def test_closing_the_month_grants_the_flagged_units_residents_once(hd):
    rules(hd, (EarnKind.RED_FLAG, 10, None))
    a = make_resident(hd.world.hh_a1, "张三", id_number=make_id())
    a_child = make_resident(hd.world.hh_a1, "张小三", relation=Relation.CHILD, id_number=make_id("20120101"))
    gone = make_resident(hd.world.hh_a2, "已迁出", id_number=make_id(), moved_out_on=datetime.date(2022, 1, 1))
    [u1] = people(hd, 1, 1, "u1-")
    [u3] = people(hd, 3, 1, "u3-")
    p = month(hd, 4, [10, 9, 8, 1])  # flags: units 0, 1, 2 (unit 3 last)
    assert flagged() == sorted([(a.name, 10), (a_child.name, 10), (u1.name, 10)])
    e = Entry.objects.get(account__resident=a)
    assert e.source_key == f"red-flag:p{p.pk}:n{hd.units[0].pk}:r{a.pk}"
    assert not Account.objects.filter(resident__in=[gone, u3]).exists()
    # reopened and closed again with the same flags: nothing more
    services.period_reopen(actor=hd.staff, period=p, reason="更正")
    services.period_close(actor=hd.staff, period=p)
    assert len(flagged()) == 3
    assert Account.objects.get(resident=a).balance == 10


def test_no_red_flag_rule_no_points(hd):
    rules(hd, (EarnKind.VOLUNTEER_HOUR, 10, None))
    make_resident(hd.world.hh_a1, "张三", id_number=make_id())
    month(hd, 4, [10, 9, 8, 1])
    assert not Entry.objects.exists()


def test_only_ranking_rule_sets_grant(hd):
    rules(hd, (EarnKind.RED_FLAG, 10, None))
    make_resident(hd.world.hh_a1, "张三", id_number=make_id())
    type(hd.rule_set).objects.filter(pk=hd.rule_set.pk).update(kind=SetKind.CONTEST)
    hd.rule_set.refresh_from_db()
    month(hd, 4, [10, 9, 8, 1])
    assert not Entry.objects.exists()


def test_red_flag_monthly_cap_trims(hd):
    rules(hd, (EarnKind.RED_FLAG, 10, 15))
    make_resident(hd.world.hh_a1, "张三", id_number=make_id())
    month(hd, 4, [10, 9, 8, 1])
    month(hd, 5, [10, 9, 8, 1])  # closed in the same calendar month: trimmed to the cap
    month(hd, 6, [10, 9, 8, 1])
    assert list(Entry.objects.order_by("id").values_list("amount", flat=True)) == [10, 5]


def test_the_grant_takes_the_same_queries_for_many_residents(hd):
    rules(hd, (EarnKind.RED_FLAG, 10, None))
    p = month(hd, 4, [10, 9, 8, 1])

    def close_with(n, prefix):
        people(hd, 0, n, prefix)
        people(hd, 2, n, prefix + "b")
        services.period_reopen(actor=hd.staff, period=p, reason="补录")
        with CaptureQueriesContext(connection) as ctx:
            services.period_close(actor=hd.staff, period=p)
        return len(ctx.captured_queries)

    few, many = close_with(2, "x"), close_with(25, "y")
    assert few == many
    assert Entry.objects.filter(rule=EarnKind.RED_FLAG).count() == 2 * 2 + 2 * 25
