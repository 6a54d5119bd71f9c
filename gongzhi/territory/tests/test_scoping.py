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


@pytest.mark.django_db
def test_scope_reads_every_kind_of_active_assignment(world):
    """Every kind of target (node, grid, micro-grid, party organisation on a node or a grid,
    household) and only the active terms make the scope."""
    import datetime

    from django.utils import timezone

    from gongzhi.territory.models import PartyOrg, Role, RoleAssignment
    from gongzhi.territory.scoping import _assignment_rows
    from gongzhi.territory.testing import make_user

    today = timezone.localdate()
    u = make_user("scope_mix")
    node_branch = PartyOrg.objects.create(kind=PartyOrg.Kind.BRANCH, name="甲社区党委", node=world.community_a)
    grid_branch = PartyOrg.objects.create(kind=PartyOrg.Kind.BRANCH, name="网格支部", grid=world.grid_b1)
    micro_branch = PartyOrg.objects.create(kind=PartyOrg.Kind.BRANCH, name="微网格支部", grid=world.micro_a2_1)
    for target, role in ((node_branch, Role.BRANCH_SECRETARY), (grid_branch, Role.BRANCH_SECRETARY),
                         (micro_branch, Role.BRANCH_SECRETARY), (world.micro_a1_1, Role.MICRO_GRID_HEAD),
                         (world.hh_b1, Role.RESIDENT), (world.building_a1, Role.BUILDING_HEAD)):
        RoleAssignment.objects.create(user=u, role=role, **{
            {"PartyOrg": "party_org", "Grid": "grid", "Household": "household", "Node": "node"}[type(target).__name__]: target})
    RoleAssignment.objects.create(user=u, role=Role.GRID_WORKER, grid=world.grid_a2,
                                  start_date=today - datetime.timedelta(days=30), end_date=today - datetime.timedelta(days=1))
    RoleAssignment.objects.create(user=u, role=Role.GRID_WORKER, grid=world.grid_b1,
                                  start_date=today + datetime.timedelta(days=1))
    assert len(_assignment_rows(u.pk, today)) == 6  # the ended and the future terms are left out
    scope = scope_for(u, responsibility_only=True)
    assert world.micro_a2_1.pk in scope.micro_grid_ids and world.grid_b1.pk in scope.grid_ids
    assert world.community_a.path in scope.node_paths and world.hh_b1.pk not in scope.household_ids


@pytest.mark.django_db
def test_covers_household_agrees_with_households_q(world):
    from gongzhi.territory.models import Household

    households = list(Household.objects.select_related("micro_grid"))
    for user in world.users.values():
        for resp in (False, True):
            user.__dict__.pop("_gz_scope", None), user.__dict__.pop("_gz_scope_resp", None)
            scope = scope_for(user, responsibility_only=resp)
            in_q = set(Household.objects.filter(scope.households_q()).values_list("pk", flat=True))
            assert {h.pk for h in households if scope.covers_household(h)} == in_q, (user.username, resp)


@pytest.mark.django_db
def test_answerable_for_is_three_keyed_look_ups(world, django_assert_num_queries):
    """The node ids of the path, the party organisations on them or the grids, then the holders by
    key: three statements whatever the size of the city, none joining the node or grid tables."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    hh = world.hh_a1
    _ = hh.micro_grid  # loaded with the household by its callers
    with CaptureQueriesContext(connection) as ctx:
        users = {ra.user.username for ra in selectors.answerable_for(hh)}
    assert len(ctx.captured_queries) == 3
    holders = ctx.captured_queries[-1]["sql"]
    assert "OR" in holders and 'INNER JOIN "territory_node" ON ("territory_roleassignment"."node_id"' not in holders.split("WHERE")[1]
    assert "grid_a1" in users and "community_a" in users
