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
def test_hand_written_assignment_query_matches_the_orm_rule(world):
    """scoping._assignment_rows is SQL written by hand for speed: it must return what the ORM's
    `active()` assignments with their related paths would, for every kind of target and term."""
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
    fields = ("role", "node__path", "grid_id", "grid__parent_id", "party_org_id", "party_org__node__path",
              "party_org__grid_id", "party_org__grid__parent_id", "household_id")
    for user in [u, *world.users.values()]:
        orm = sorted(RoleAssignment.objects.active().filter(user=user).values_list(*fields), key=repr)
        assert sorted(_assignment_rows(user.pk, today), key=repr) == orm
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
def test_the_sql_form_of_covers_household_agrees(world):
    """covers_household_sql (used inside intake's one statement on PostgreSQL) must cover exactly
    the households covers_household does, for every kind of assignment."""
    from django.db import connection
    from django.utils import timezone

    from gongzhi.territory.models import Grid, Household, PartyOrg, Role, RoleAssignment
    from gongzhi.territory.scoping import covers_household_sql
    from gongzhi.territory.testing import make_user

    u = make_user("sql_mix")
    grid_branch = PartyOrg.objects.create(kind=PartyOrg.Kind.BRANCH, name="网格支部", grid=world.grid_b1)
    micro_branch = PartyOrg.objects.create(kind=PartyOrg.Kind.BRANCH, name="微网格支部", grid=world.micro_a2_1)
    node_branch = PartyOrg.objects.create(kind=PartyOrg.Kind.BRANCH, name="楼栋支部", node=world.building_b1)
    for org in (grid_branch, micro_branch, node_branch):
        RoleAssignment.objects.create(user=u, role=Role.BRANCH_SECRETARY, party_org=org)
    RoleAssignment.objects.create(user=u, role=Role.RESIDENT, household=world.hh_a2)  # a home, not a responsibility
    v = make_user("sql_unit_head")
    RoleAssignment.objects.create(user=v, role=Role.UNIT_HEAD, node=world.unit_a1_1)
    q = connection.ops.quote_name
    sql = (f"SELECT h.id FROM {q(Household._meta.db_table)} h JOIN {q(Grid._meta.db_table)} g "
           f"ON g.id = h.micro_grid_id WHERE {covers_household_sql()}")
    day = connection.ops.adapt_datefield_value(timezone.localdate())
    households = list(Household.objects.select_related("micro_grid"))
    for user in [u, v, *world.users.values()]:
        with connection.cursor() as cur:
            cur.execute(sql, [user.pk, day, day])
            in_sql = {row[0] for row in cur.fetchall()}
        scope = scope_for(user, responsibility_only=True)
        if scope.everything:
            continue  # a superuser is not asked (intake skips the test for them)
        assert in_sql == {h.pk for h in households if scope.covers_household(h)}, user.username
    assert world.hh_b1.pk in {h.pk for h in households if scope_for(u, responsibility_only=True).covers_household(h)}
