import pytest

from gongzhi.territory import selectors
from gongzhi.territory.scoping import scope_for


@pytest.mark.django_db
def test_grid_worker_sees_only_own_grid_households(world):
    qs = selectors.visible_households(world.users["grid_a1"])
    assert set(qs) == {world.hh_a1}


@pytest.mark.django_db
def test_community_staff_sees_own_community_only(world):
    assert set(selectors.visible_households(world.users["community_a"])) == {world.hh_a1, world.hh_a2}
    assert set(selectors.visible_households(world.users["community_b"])) == {world.hh_b1}


@pytest.mark.django_db
def test_street_staff_sees_whole_street(world):
    assert set(selectors.visible_households(world.users["street"])) == {world.hh_a1, world.hh_a2, world.hh_b1}


@pytest.mark.django_db
def test_resident_sees_only_own_household(world):
    assert set(selectors.visible_households(world.users["resident_a1"])) == {world.hh_a1}


@pytest.mark.django_db
def test_user_without_role_sees_nothing(world):
    assert not selectors.visible_households(world.users["nobody"]).exists()
    assert scope_for(world.users["nobody"]).is_empty


@pytest.mark.django_db
def test_answerable_for_household_lists_every_level_closest_first(world):
    roles = [ra.role for ra in selectors.answerable_for(world.hh_a1)]
    assert roles == ["unit_head", "micro_grid_head", "building_head", "grid_worker", "community_staff", "street_staff"]
    # The other grid's worker and the other community's staff are not answerable for it.
    users = {ra.user.username for ra in selectors.answerable_for(world.hh_a1)}
    assert "grid_a2" not in users and "community_b" not in users


@pytest.mark.django_db
def test_households_answered_by_person(world):
    assert set(selectors.households_answered_by(world.users["grid_a2"])) == {world.hh_a2}
    assert set(selectors.households_answered_by(world.users["building_a1"])) == {world.hh_a1, world.hh_a2}
    assert not selectors.households_answered_by(world.users["resident_a1"]).exists()
