"""微积分: a micro-wish whose fulfilment is confirmed earns its claimer the wish points (when the claimer
is a resident), once."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from gongzhi.people.models import PartyMember
from gongzhi.people.tests.factories import make_id, make_resident
from gongzhi.points import services as points
from gongzhi.points.models import Account, EarnKind, Entry
from gongzhi.territory.testing import make_user
from gongzhi.tickets import services

pytestmark = pytest.mark.django_db


def rules(world, *rs):
    return points.rule_version_create(actor=world.users["community_a"], community=world.community_a,
                                      effective_from=datetime.date(2020, 1, 1),
                                      rules=[points.RuleInput(*r) for r in rs])


@pytest.fixture
def member(world):
    """A party member living in 甲社区 (hh_a2), with a login: may claim wishes."""
    user = make_user("dangyuan", name="党员李")
    resident = make_resident(world.hh_a2, "党员李", id_number=make_id(), user=user)
    PartyMember.objects.create(resident=resident, category=PartyMember.Category.RESIDENT)
    return resident


def fulfilled_wish(world, claimer, title="想要一副老花镜"):
    w = services.wish_create(actor=world.users["resident_a1"], title=title)
    services.wish_claim(actor=claimer, wish=w)
    return services.wish_fulfil(actor=claimer, wish=w, note="已送上门")


def test_confirmed_wish_grants_the_claimer_once(world, member):
    rules(world, (EarnKind.WISH, 8, None))
    w = fulfilled_wish(world, member.user)
    assert not Entry.objects.exists()  # the claimer's own "fulfilled" earns nothing yet
    services.wish_confirm(actor=world.users["resident_a1"], wish=w)
    [e] = Entry.objects.all()
    assert (e.amount, e.rule, e.account.resident, e.source_key) == (8, EarnKind.WISH, member, f"wish:{w.pk}")
    with pytest.raises(ValidationError):  # confirming again: refused, still one entry
        services.wish_confirm(actor=world.users["community_a"], wish=w)
    assert Entry.objects.count() == 1
    assert Account.objects.get(resident=member).balance == 8


def test_claimer_without_a_resident_record_gets_nothing(world):
    rules(world, (EarnKind.WISH, 8, None))
    w = fulfilled_wish(world, world.users["grid_a1"])  # a grid worker, no resident record
    services.wish_confirm(actor=world.users["resident_a1"], wish=w)
    assert not Entry.objects.exists()


def test_no_wish_rule_no_points(world, member):
    rules(world, (EarnKind.VOLUNTEER_HOUR, 10, None))
    services.wish_confirm(actor=world.users["resident_a1"], wish=fulfilled_wish(world, member.user))
    assert not Entry.objects.exists()


def test_wish_monthly_cap_trims(world, member):
    rules(world, (EarnKind.WISH, 8, 20))
    for i in range(4):
        services.wish_confirm(actor=world.users["resident_a1"], wish=fulfilled_wish(world, member.user, f"心愿{i}"))
    assert list(Entry.objects.order_by("id").values_list("amount", flat=True)) == [8, 8, 4]
