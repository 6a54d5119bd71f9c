"""三长 duty points (the periodic job's `points_duty` stage) and `earn_many`, the batch grant it and the red
flags use."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.people.tests.factories import make_id, make_resident
from gongzhi.points import services
from gongzhi.points.duty import duty_due, grant_month
from gongzhi.points.models import DutyRun, EarnKind, Entry
from gongzhi.territory.models import Role, RoleAssignment
from gongzhi.territory.testing import assign, make_household, make_user

from .conftest import balance, many_residents, rules

pytestmark = pytest.mark.django_db


def _at(y, m, d, h=12):
    return timezone.make_aware(datetime.datetime(y, m, d, h))


@pytest.fixture
def heads(pts):
    """The world's building head and unit head (assigned today), given resident records."""
    w = pts.world
    b = make_resident(make_household(w.unit_a1_1, w.micro_a1_1, "501"), "楼栋长", id_number=make_id(),
                      user=w.users["building_a1"])
    # the unit head lives in community B (a post in A, an account in B)
    u = make_resident(make_household(w.building_b1, w.micro_b1_1, "601"), "单元长", id_number=make_id(),
                      user=w.users["unit_a1"])
    RoleAssignment.objects.filter(user__in=[b.user, u.user]).update(start_date=datetime.date(2024, 1, 1))
    return b, u


def held_since(assignment, day):
    RoleAssignment.objects.filter(pk=assignment.pk).update(start_date=day)


def duty_rules(pts, points=20, cap=None):
    return rules(pts.world, pts.staff, effective_from=datetime.date(2021, 1, 1),
                 rules=[services.RuleInput(EarnKind.DUTY, points, cap)])


def test_each_month_held_earns_once_per_holder(pts, heads):
    duty_rules(pts)
    building_head, unit_head = heads
    assert grant_month(datetime.date(2024, 3, 1)) == 1  # the unit head lives in community B: no rules there
    [e] = Entry.objects.all()
    assert (e.amount, e.rule, e.account.resident) == (20, EarnKind.DUTY, building_head)
    assert e.source_key == f"duty:u{building_head.user_id}:2024-03"
    assert timezone.localtime(e.created_at).date() == datetime.date(2024, 3, 31)  # dated in the month of duty
    assert grant_month(datetime.date(2024, 3, 1)) == 0  # again: nothing
    # two posts in the same month are one month of duty
    held_since(assign(building_head.user, Role.UNIT_HEAD, pts.world.unit_a1_1), datetime.date(2024, 1, 1))
    assert grant_month(datetime.date(2024, 4, 1)) == 1
    assert balance(building_head) == 40


def test_months_outside_the_term_and_unlinked_holders_earn_nothing(pts, heads):
    duty_rules(pts)
    building_head, _u = heads
    RoleAssignment.objects.filter(user=building_head.user).update(end_date=datetime.date(2024, 5, 10))
    assert grant_month(datetime.date(2023, 12, 1)) == 0  # before the term
    assert grant_month(datetime.date(2024, 5, 1)) == 1  # part of May
    assert grant_month(datetime.date(2024, 6, 1)) == 0  # after it
    # a holder with a login but no resident record has no account
    held_since(assign(make_user("lonely_head"), Role.BUILDING_HEAD, pts.world.building_a1), datetime.date(2024, 1, 1))
    # a resident record that moved out no longer earns
    type(building_head).objects.filter(pk=building_head.pk).update(moved_out_on=datetime.date(2024, 6, 1))
    RoleAssignment.objects.filter(user=building_head.user).update(end_date=None)
    assert grant_month(datetime.date(2024, 7, 1)) == 0


def test_no_duty_rule_no_points(pts, heads):
    assert grant_month(datetime.date(2024, 3, 1)) == 0  # pts' rules pay hours and votes only
    assert not Entry.objects.exists()


def test_monthly_cap_trims_duty(pts, heads):
    duty_rules(pts, points=20, cap=25)
    building_head, _u = heads
    services.earn(resident=building_head, kind=EarnKind.DUTY, source_key="duty:earlier", at=_at(2024, 3, 2))
    assert grant_month(datetime.date(2024, 3, 1)) == 1
    assert sorted(Entry.objects.values_list("amount", flat=True)) == [5, 20]


def test_the_periodic_stage_runs_the_month_just_ended_once(pts, heads, capsys):
    duty_rules(pts)
    building_head, _u = heads
    assert duty_due(now=_at(2024, 4, 3)) == 1
    assert DutyRun.objects.get().month == datetime.date(2024, 3, 1)
    assert duty_due(now=_at(2024, 4, 20)) == 0
    call_command("run_sla")  # today's previous month, through the periodic job
    assert "duty points 1" in capsys.readouterr().out
    assert DutyRun.objects.count() == 2


def test_earn_many_is_idempotent_and_bounded(pts):
    residents = many_residents(pts.world, 30)
    rules(pts.world, pts.staff, effective_from=datetime.date(2021, 1, 1),
          rules=[services.RuleInput(EarnKind.RED_FLAG, 7, 10)])
    at = _at(2024, 3, 5)

    def run(rs, tag):
        with CaptureQueriesContext(connection) as ctx:
            got = services.earn_many(grants=[(r, f"t:{tag}:{r.pk}") for r in rs], kind=EarnKind.RED_FLAG, at=at)
        return got, len(ctx.captured_queries)

    few, q_few = run(residents[:3], "a")
    many, q_many = run(residents[3:], "a")
    assert (len(few), len(many), q_few) == (3, 27, q_many)
    again, _q = run(residents, "a")
    assert again == [] and Entry.objects.count() == 30
    trimmed, _q = run(residents, "b")  # the cap (10) leaves 3 of the next 7
    assert {e.amount for e in trimmed} == {3}
    assert all(balance(r) == 10 for r in residents)
    assert not services.earn_many(grants=[(pts.carol, "t:c")], kind=EarnKind.RED_FLAG, at=at)  # no rules in B
    from gongzhi.points.selectors import balance_differences
    assert not list(balance_differences())
