import datetime
from dataclasses import dataclass

import pytest

from gongzhi.people.models import Relation, Resident
from gongzhi.people.tests.factories import make_id, make_resident
from gongzhi.points import services
from gongzhi.points.models import Account, EarnKind
from gongzhi.territory.testing import make_household, make_user


@dataclass
class Pts:
    world: object
    alice: Resident  # has the resident_a1 user, household hh_a1 (community A)
    alice_child: Resident
    bob: Resident  # hh_a2 (community A), with a user
    carol: Resident  # community B
    staff: object  # community A staff
    version: object


def resident_with_user(household, name, username, relation=Relation.HEAD):
    user = make_user(username, name=name)
    return make_resident(household, name, relation=relation, id_number=make_id(), user=user)


def rules(world, staff, **kw):
    return services.rule_version_create(
        actor=staff, community=world.community_a, effective_from=kw.pop("effective_from", datetime.date(2020, 1, 1)),
        rules=kw.pop("rules", [services.RuleInput(EarnKind.VOLUNTEER_HOUR, 10, 200),
                               services.RuleInput(EarnKind.VOTE, 2, 6)]), **kw)


@pytest.fixture
def pts(world):
    alice = make_resident(world.hh_a1, "张三", id_number=make_id(), user=world.users["resident_a1"])
    child = make_resident(world.hh_a1, "张小明", relation=Relation.CHILD, id_number=make_id("20120101"))
    bob = resident_with_user(world.hh_a2, "李四", "bob")
    carol = resident_with_user(world.hh_b1, "王五", "carol")
    staff = world.users["community_a"]
    return Pts(world, alice, child, bob, carol, staff, rules(world, staff))


def fund(resident, amount, staff):
    """Give a resident points through the one manual path (a recorded award)."""
    import uuid

    return services.manual_award(actor=staff, resident=resident, amount=amount, reason="测试", client_key=uuid.uuid4().hex)


def many_residents(world, n, prefix="r"):
    out = []
    for i in range(n):
        hh = make_household(world.unit_a1_1, world.micro_a1_1, f"{prefix}{i}")
        out.append(resident_with_user(hh, f"居民{prefix}{i}", f"{prefix}user{i}"))
    return out


def balance(resident):
    return Account.objects.get(resident=resident).balance
