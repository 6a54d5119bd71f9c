"""The set-up pages: each write through its service with an audit row, scoped (another area = 404),
hostile input refused with a Chinese message and nothing half-written."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from gongzhi.accounts.models import AuditLog, User
from gongzhi.territory.models import FunctionTag, Grid, Household, Level, Node
from gongzhi.territory.services_setup import BuildPlan, households_group, node_move, place_build
from gongzhi.territory.testing import make_household, make_node

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"territory:{name}", args=args)


# --- scoping --------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["community_b", "grid_a1", "resident_a1", "nobody"])
def test_other_areas_and_non_staff_get_404(world, client_for, who):
    c = client_for(world.users[who])
    for u in (url("setup_community", world.community_a.pk), url("setup_build", world.community_a.pk),
              url("setup_grid_new", world.community_a.pk), url("setup_place", world.building_a1.pk),
              url("setup_place_retire", world.building_a1.pk), url("setup_grid", world.grid_a1.pk),
              url("setup_place_add", world.community_a.pk)):
        assert c.get(u).status_code == 404, u
        assert c.post(u, {"name": "x", "action": "rename"}).status_code == 404, u
    assert Node.objects.get(pk=world.building_a1.pk).name == "1栋"


def test_setup_index_lists_only_own_communities(world, client_for):
    body = client_for(world.users["community_a"]).get(url("setup")).content.decode()
    assert "甲社区" in body and "乙社区" not in body
    body = client_for(world.users["street"]).get(url("setup")).content.decode()
    assert "甲社区" in body and "乙社区" in body


def test_community_page_queries_do_not_grow_with_places(world, client_for, django_assert_max_num_queries):
    c = client_for(world.users["community_a"])
    c.get(url("setup_community", world.community_a.pk))
    place_build(actor=world.users["community_a"], community=world.community_a, micro_grid=world.micro_a1_1,
                plan=BuildPlan(compound="新区", buildings=10, units=2, floors=3, flats=2))
    with django_assert_max_num_queries(14):
        r = c.get(url("setup_community", world.community_a.pk))
    assert r.status_code == 200 and "10栋" in r.content.decode()


# --- bulk builder ----------------------------------------------------------------------------------

def test_builder_preview_then_confirm(world, client_for):
    c = client_for(world.users["community_a"])
    data = {"compound": "阳光小区", "first_building": 1, "buildings": 3, "units": 2, "floors": 6, "flats": 2,
            "micro_grid": str(world.micro_a1_1.pk)}
    body = c.post(url("setup_build", world.community_a.pk), data).content.decode()
    assert "72" in body and not Node.objects.filter(name="阳光小区").exists()
    assert c.post(url("setup_build", world.community_a.pk), {**data, "confirm": "1"}).status_code == 302
    compound = Node.objects.get(name="阳光小区")
    hh = Household.objects.filter(node_path__startswith=compound.path)
    assert hh.count() == 72 and set(hh.values_list("micro_grid", flat=True)) == {world.micro_a1_1.pk}
    assert hh.filter(address="甲社区阳光小区3栋2单元602").exists()
    assert AuditLog.objects.filter(target_type="territory.node", target_id=str(compound.pk),
                                   detail__build__households=72).exists()


@pytest.mark.parametrize("bad", [{"buildings": 0}, {"buildings": 100000}, {"floors": -1}, {"flats": "x"},
                                 {"units": 99}, {"micro_grid": "999999"}, {"buildings": 300, "floors": 60}])
def test_builder_refuses_bad_numbers_and_writes_nothing(world, client_for, bad):
    c = client_for(world.users["community_a"])
    data = {"compound": "阳光小区", "first_building": 1, "buildings": 3, "units": 2, "floors": 6, "flats": 2,
            "micro_grid": str(world.micro_a1_1.pk), "confirm": "1", **bad}
    r = c.post(url("setup_build", world.community_a.pk), data)
    assert r.status_code == 400
    assert not Node.objects.filter(name="阳光小区").exists()


def test_builder_refuses_another_communitys_micro_grid(world, client_for):
    c = client_for(world.users["community_a"])
    data = {"compound": "阳光小区", "first_building": 1, "buildings": 1, "units": 1, "floors": 1, "flats": 1,
            "micro_grid": str(world.micro_b1_1.pk), "confirm": "1"}
    assert c.post(url("setup_build", world.community_a.pk), data).status_code == 400
    assert not Node.objects.filter(name="阳光小区").exists()


def test_builder_refuses_building_names_already_taken(world):
    with pytest.raises(ValidationError, match="同名楼栋"):
        place_build(actor=world.users["community_a"], community=world.community_a, micro_grid=world.micro_a1_1,
                    plan=BuildPlan(compound="幸福小区", buildings=2, units=1, floors=1, flats=1))
    assert not Node.objects.filter(parent=world.compound_a, name="2栋").exists()


# --- rename, move, retire --------------------------------------------------------------------------

def test_rename_and_move_within_the_community(world, client_for):
    c = client_for(world.users["community_a"])
    assert c.post(url("setup_place", world.building_a1.pk), {"action": "rename", "name": "一号楼"}).status_code == 302
    other = make_node(world.community_a, Level.COMPOUND, "和平小区")
    r = c.post(url("setup_place", world.building_a1.pk), {"action": "move", "parent": str(other.pk)})
    assert r.status_code == 302
    b = Node.objects.get(pk=world.building_a1.pk)
    assert b.parent_id == other.pk and b.path.startswith(other.path)
    hh = Household.objects.get(pk=world.hh_a1.pk)
    assert hh.node_path.startswith(b.path) and hh.address == "甲社区和平小区一号楼1单元101"
    assert Node.objects.get(pk=world.unit_a1_1.pk).path.startswith(b.path)


def test_move_refuses_another_community_and_own_subtree(world, client_for):
    actor = world.users["street"]
    with pytest.raises(ValidationError, match="本社区"):
        node_move(actor=actor, node=world.building_a1, new_parent=world.community_b)
    with pytest.raises(ValidationError, match="下级"):
        node_move(actor=actor, node=world.compound_a, new_parent=world.building_a1)
    c = client_for(world.users["community_a"])
    r = c.post(url("setup_place", world.building_a1.pk), {"action": "move", "parent": str(world.community_b.pk)})
    assert r.status_code == 400
    assert Node.objects.get(pk=world.building_a1.pk).parent_id == world.compound_a.pk


def test_retire_only_without_households(world, client_for):
    c = client_for(world.users["community_a"])
    r = c.post(url("setup_place_retire", world.building_a1.pk))
    assert r.status_code == 400 and "住户" in r.content.decode()
    empty = make_node(world.compound_a, Level.BUILDING, "9栋")
    make_node(empty, Level.UNIT, "1单元")
    assert c.get(url("setup_place_retire", empty.pk)).status_code == 200
    assert c.post(url("setup_place_retire", empty.pk)).status_code == 302
    assert not Node.objects.filter(name="9栋").exists()
    assert AuditLog.objects.filter(action="delete", target_id=str(empty.pk)).exists()


def test_admin_levels_cannot_be_moved_or_retired(world, client_for):
    c = client_for(world.users["street"])
    assert c.get(url("setup_place", world.community_a.pk)).status_code == 404
    assert c.post(url("setup_place_retire", world.community_a.pk)).status_code == 404


# --- grids ----------------------------------------------------------------------------------------

def test_grid_create_rename_and_tag(world, client_for):
    c = client_for(world.users["community_a"])
    tag = FunctionTag.objects.create(name="平安建设")
    assert c.post(url("setup_grid_new", world.community_a.pk),
                  {"code": "03", "name": "第三网格", "parent": "", "tags": [tag.pk]}).status_code == 302
    g = Grid.objects.get(community=world.community_a, code="03")
    assert list(g.tags.all()) == [tag] and g.kind == "grid"
    r = c.post(url("setup_grid", g.pk), {"action": "edit", "name": "三网格", "note": "", "tags": []})
    assert r.status_code == 302
    g.refresh_from_db()
    assert g.name == "三网格" and not g.tags.exists()
    # a duplicate code is refused in Chinese
    r = c.post(url("setup_grid_new", world.community_a.pk), {"code": "03", "name": "重复", "parent": ""})
    assert r.status_code == 400 and "已有编号" in r.content.decode()


def test_assign_a_unit_to_a_micro_grid(world, client_for):
    c = client_for(world.users["community_a"])
    r = c.post(url("setup_grid", world.micro_a2_1.pk), {"action": "assign", "place": str(world.unit_a1_1.pk)})
    assert r.status_code == 302
    assert set(Household.objects.filter(node=world.unit_a1_1).values_list("micro_grid", flat=True)) == {
        world.micro_a2_1.pk}
    # a place of another community is not offered
    r = c.post(url("setup_grid", world.micro_a2_1.pk), {"action": "assign", "place": str(world.building_b1.pk)})
    assert r.status_code == 400
    assert Household.objects.get(pk=world.hh_b1.pk).micro_grid_id == world.micro_b1_1.pk


def test_ten_households_per_group_and_every_household_in_one_micro_grid(world):
    actor = world.users["community_a"]
    for i in range(23):
        make_household(world.unit_a1_1, world.micro_a1_1, f"{i + 201}")
    made = households_group(actor=actor, grid=world.grid_a1, place=world.compound_a, size=10)
    assert [m.code for m in made] == ["01-02", "01-03", "01-04"]  # 01-01 already taken
    counts = [m.households.count() for m in made]
    assert counts == [10, 10, 5]
    assert not Household.objects.filter(micro_grid__kind="grid").exists()
    assert Household.objects.filter(node_path__startswith=world.compound_a.path).count() == 25


@pytest.mark.parametrize("size", [0, 1, 51, "x"])
def test_group_size_out_of_range(world, client_for, size):
    c = client_for(world.users["community_a"])
    r = c.post(url("setup_grid", world.grid_a1.pk), {"action": "group", "place": str(world.compound_a.pk),
                                                       "size": size})
    assert r.status_code == 400
    assert Grid.objects.filter(parent=world.grid_a1).count() == 1


# --- accounts ---------------------------------------------------------------------------------------

def test_account_open_then_appoint(world, client_for):
    c = client_for(world.users["community_a"])
    r = c.post(url("setup_account"), {"username": "wg_new", "name": "新网格员", "phone": "13900001111",
                                      "password": "Gongzhi-2026"})
    assert r.status_code == 302 and "person=wg_new" in r["Location"]
    assert User.objects.get(username="wg_new").check_password("Gongzhi-2026")
    assert AuditLog.objects.filter(target_type="accounts.user", action="create").exists()


@pytest.mark.parametrize("bad", [{"password": "123"}, {"username": "community_b"}, {"phone": "123"},
                                 {"name": ""}, {"phone": "=1+1"}])
def test_account_bad_input(world, client_for, bad):
    c = client_for(world.users["community_a"])
    data = {"username": "wg_new", "name": "新网格员", "phone": "", "password": "Gongzhi-2026", **bad}
    r = c.post(url("setup_account"), data)
    assert r.status_code == 400
    assert not User.objects.filter(username="wg_new").exists()


def test_non_staff_cannot_open_accounts(world, client_for):
    r = client_for(world.users["grid_a1"]).post(url("setup_account"), {
        "username": "x1", "name": "x", "password": "Gongzhi-2026"})
    assert r.status_code == 404 and not User.objects.filter(username="x1").exists()


def test_double_submit_of_the_account_form(world, client_for):
    c = client_for(world.users["community_a"])
    data = {"username": "wg_twice", "name": "两次", "phone": "", "password": "Gongzhi-2026"}
    assert c.post(url("setup_account"), data).status_code == 302
    r = c.post(url("setup_account"), data)
    assert r.status_code == 400 and "已被使用" in r.content.decode()
    assert User.objects.filter(username="wg_twice").count() == 1


def test_admin_finds_a_street_to_add_a_community(world, client_for):
    body = client_for(world.users["admin"]).get(url("setup") + "?q=测试").content.decode()
    assert f'data-testid="add-under-{world.street.pk}"' in body
    body = client_for(world.users["community_a"]).get(url("setup")).content.decode()
    assert "add-under-" not in body  # a community's staff hold no street


def test_function_tags_offered_and_made_on_the_page(world, client_for):
    c = client_for(world.users["community_a"])
    assert "民情走访" in c.get(url("setup_grid_new", world.community_a.pk)).content.decode()  # fresh install
    r = c.post(url("setup_grid_new", world.community_a.pk),
               {"code": "05", "name": "第五网格", "parent": "", "new_tags": "党建、平安建设，党建"})
    assert r.status_code == 302
    g = Grid.objects.get(community=world.community_a, code="05")
    assert sorted(g.tags.values_list("name", flat=True)) == ["党建", "平安建设"]
    assert FunctionTag.objects.count() == 2
    r = c.post(url("setup_grid_new", world.community_a.pk),
               {"code": "06", "name": "第六网格", "parent": "", "new_tags": "长" * 31})
    assert r.status_code == 400 and not Grid.objects.filter(code="06").exists()
    assert FunctionTag.objects.count() == 2
