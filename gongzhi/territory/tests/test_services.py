import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.core.paths import ancestors_of, step, step_number
from gongzhi.territory import services
from gongzhi.territory.models import Grid, Household, Level, Node, Role


def test_path_steps_round_trip():
    assert step(1) == "0001" and step(36) == "0010"
    assert all(step_number(step(n)) == n for n in (1, 35, 36, 1295, 1296, 36**4 - 1))
    assert ancestors_of("00010002") == ["0001", "00010002"]


@pytest.mark.django_db
def test_node_add_appends_next_step_and_subtree_query(world):
    staff = world.users["community_a"]
    b2 = services.node_add(actor=staff, parent=world.compound_a, level=Level.BUILDING, name="2栋")
    assert b2.path == world.compound_a.path + step(2)
    u = services.node_add(actor=staff, parent=b2, level=Level.UNIT, name="1单元")
    under = set(Node.objects.filter(path__under=world.compound_a.path))
    assert {world.compound_a, world.building_a1, world.unit_a1_1, b2, u} == under
    # The other community's building is not "under" community A.
    assert world.building_b1 not in set(Node.objects.filter(path__under=world.community_a.path))


@pytest.mark.django_db
def test_node_add_refuses_wrong_level_duplicate_name_and_outsiders(world):
    staff = world.users["community_a"]
    with pytest.raises(ValidationError) as e:
        services.node_add(actor=staff, parent=world.unit_a1_1, level=Level.BUILDING, name="X")
    assert "不能添加" in str(e.value)
    with pytest.raises(ValidationError):
        services.node_add(actor=staff, parent=world.compound_a, level=Level.BUILDING, name="1栋")
    with pytest.raises(PermissionDenied):
        services.node_add(actor=world.users["community_b"], parent=world.compound_a, level=Level.BUILDING, name="9栋")
    with pytest.raises(PermissionDenied):
        services.node_add(actor=world.users["grid_a1"], parent=world.compound_a, level=Level.BUILDING, name="9栋")


@pytest.mark.django_db
def test_household_must_be_in_a_micro_grid_of_its_own_community(world):
    staff = world.users["community_a"]
    with pytest.raises(ValidationError) as e:
        services.household_create(actor=staff, node=world.unit_a1_1, micro_grid=world.grid_a1, number="103")
    assert "微网格" in str(e.value)
    with pytest.raises(ValidationError):
        services.household_create(actor=staff, node=world.unit_a1_1, micro_grid=world.micro_b1_1, number="103")
    hh = services.household_create(actor=staff, node=world.unit_a1_1, micro_grid=world.micro_a1_1, number="103")
    assert hh.node_path == world.unit_a1_1.path and hh.address.endswith("103")
    with pytest.raises(ValidationError):
        services.household_create(actor=staff, node=world.unit_a1_1, micro_grid=world.micro_a1_1, number="103")
    assert Household.objects.filter(number="103").count() == 1


@pytest.mark.django_db
def test_household_move_updates_path_and_scope(world):
    staff = world.users["community_a"]
    services.household_move(actor=staff, household=world.hh_a1, micro_grid=world.micro_a2_1)
    world.hh_a1.refresh_from_db()
    from gongzhi.territory.selectors import visible_households

    assert world.hh_a1 in set(visible_households(world.users["grid_a2"]))
    assert world.hh_a1 not in set(visible_households(world.users["grid_a1"]))


@pytest.mark.django_db
def test_grid_create_rules(world):
    staff = world.users["community_a"]
    g = services.grid_create(actor=staff, community=world.community_a, code="03", name="第三网格")
    m = services.grid_create(actor=staff, community=world.community_a, code="03-01", name="3-1", parent=g)
    assert g.kind == "grid" and m.kind == "micro"
    with pytest.raises(ValidationError):
        services.grid_create(actor=staff, community=world.community_a, code="03", name="重复")
    with pytest.raises(ValidationError):
        services.grid_create(actor=staff, community=world.community_a, code="04-01", name="x", parent=m)
    with pytest.raises(ValidationError):
        services.grid_create(actor=staff, community=world.compound_a, code="05", name="x")
    with pytest.raises(PermissionDenied):
        services.grid_create(actor=world.users["community_b"], community=world.community_a, code="06", name="x")


@pytest.mark.django_db
def test_role_assign_checks_target_and_term(world):
    staff = world.users["community_a"]
    person = world.users["nobody"]
    with pytest.raises(ValidationError):
        services.role_assign(actor=staff, user=person, role=Role.BUILDING_HEAD, target=world.unit_a1_1)
    with pytest.raises(ValidationError):
        services.role_assign(actor=staff, user=person, role=Role.MICRO_GRID_HEAD, target=world.grid_a1)
    with pytest.raises(ValidationError):
        services.role_assign(actor=staff, user=person, role=Role.UNIT_HEAD, target=world.unit_a1_1,
                             start_date=datetime.date(2026, 5, 1), end_date=datetime.date(2026, 4, 1))
    ra = services.role_assign(actor=staff, user=person, role=Role.UNIT_HEAD, target=world.unit_a1_1)
    from gongzhi.territory.selectors import households_answered_by

    assert set(households_answered_by(person)) == {world.hh_a1, world.hh_a2}
    with pytest.raises(PermissionDenied):
        services.role_end(actor=world.users["community_b"], assignment=ra)


@pytest.mark.django_db
def test_expired_role_gives_no_access(world):
    from gongzhi.territory.models import RoleAssignment
    from gongzhi.territory.selectors import visible_households

    u = world.users["grid_a1"]
    RoleAssignment.objects.filter(user=u).update(start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2021, 1, 1))
    fresh = type(u).objects.get(pk=u.pk)
    assert not visible_households(fresh).exists()


@pytest.mark.django_db
def test_micro_grid_kind_constraint_in_database(world):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Grid.objects.create(community=world.community_a, code="98", name="坏", kind="micro", parent=None)


@pytest.mark.django_db
def test_node_add_checks_statistical_codes(world):
    admin = world.users["admin"]
    with pytest.raises(ValidationError):
        services.node_add(actor=admin, parent=world.street, level=Level.COMMUNITY, name="丙社区", code="12345")
    with pytest.raises(ValidationError):  # not under the street's 990101001
        services.node_add(actor=admin, parent=world.street, level=Level.COMMUNITY, name="丙社区", code="990101002003")
    with pytest.raises(ValidationError):  # already used by 甲社区
        services.node_add(actor=admin, parent=world.street, level=Level.COMMUNITY, name="丙社区", code="990101001001")
    with pytest.raises(ValidationError):  # compounds carry no statistical code
        services.node_add(actor=admin, parent=world.community_a, level=Level.COMPOUND, name="新小区", code="990101001009")
    node = services.node_add(actor=admin, parent=world.street, level=Level.COMMUNITY, name="丙社区", code="990101001003")
    assert node.code == "990101001003"


@pytest.mark.django_db
def test_a_staff_post_is_given_and_ended_from_above_only(world):
    from gongzhi.territory.testing import make_user

    newcomer = make_user("new_staff")
    with pytest.raises(PermissionDenied):  # a community cannot staff itself
        services.role_assign(actor=world.users["community_a"], user=newcomer, role=Role.COMMUNITY_STAFF,
                    target=world.community_a)
    ra = services.role_assign(actor=world.users["street"], user=newcomer, role=Role.COMMUNITY_STAFF, target=world.community_a)
    with pytest.raises(PermissionDenied):
        services.role_end(actor=world.users["community_a"], assignment=ra)
    services.role_end(actor=world.users["street"], assignment=ra, end_date=ra.start_date + datetime.timedelta(days=1))
    # Posts below the community are the community's to give.
    services.role_assign(actor=world.users["community_a"], user=newcomer, role=Role.BUILDING_HEAD, target=world.building_a1)


@pytest.mark.django_db
def test_the_same_role_on_the_same_place_twice_at_once_is_refused(world):
    from gongzhi.territory.models import RoleAssignment
    from gongzhi.territory.testing import make_user

    today = datetime.date(2026, 3, 1)
    u, boss = make_user("twice"), world.users["community_a"]
    services.role_assign(actor=boss, user=u, role=Role.UNIT_HEAD, target=world.unit_a1_1, start_date=today,
                end_date=today + datetime.timedelta(days=30))
    with pytest.raises(ValidationError, match="任期重叠"):
        services.role_assign(actor=boss, user=u, role=Role.UNIT_HEAD, target=world.unit_a1_1,
                    start_date=today + datetime.timedelta(days=10))
    # A later term, after the first has ended, is a new appointment.
    services.role_assign(actor=boss, user=u, role=Role.UNIT_HEAD, target=world.unit_a1_1, start_date=today + datetime.timedelta(days=31))
    assert RoleAssignment.objects.filter(user=u, role=Role.UNIT_HEAD).count() == 2
