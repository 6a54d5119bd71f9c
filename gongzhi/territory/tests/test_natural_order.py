"""Places come in natural order: 2栋 before 10栋, room 201 before 1201."""

import pytest

from gongzhi.territory import selectors
from gongzhi.territory.models import Household, Level
from gongzhi.territory.testing import make_node

pytestmark = pytest.mark.django_db


def test_children_and_households_in_natural_order(world):
    admin = world.users["admin"]
    compound = world.compound_a
    for name in ("10栋", "2栋", "1栋"):
        make_node(compound, Level.BUILDING, name)
    names = [n.name for n in selectors.node_children(admin, compound) if n.name.endswith("栋") and len(n.name) <= 3]
    assert names[-3:] == ["1栋", "2栋", "10栋"]
    hh = world.hh_a1
    for number in ("1201", "201"):
        Household.objects.create(node=hh.node, node_path=hh.node_path, micro_grid=hh.micro_grid, number=number)
    got = [h.number for h in selectors.households_under(admin, hh.node).order_by(*selectors.HOUSEHOLD_ORDER)
           if h.number in ("1201", "201")]
    assert got == ["201", "1201"]
