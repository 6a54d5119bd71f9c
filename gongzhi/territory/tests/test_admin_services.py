"""The Django admin goes through the services: same validation, same audit rows, and it cannot
change what the services guard (a node's parent and level, a term's holder and place)."""

import pytest
from django.urls import reverse

from gongzhi.accounts.models import AuditLog
from gongzhi.people.models import Resident
from gongzhi.people.services import resident_create
from gongzhi.territory.models import Grid, Household, Node, RoleAssignment
from gongzhi.tickets.models import Category, Open311Key, hash_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(world, client_for):
    return client_for(world.users["admin"])


def _change(model, pk):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])


def _add(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def test_node_rename_audited_parent_and_level_not_editable(world, admin_client):
    b = world.building_a1
    r = admin_client.post(_change(Node, b.pk), {"name": "一号楼", "parent": world.community_b.pk, "level": "unit"})
    assert r.status_code == 302
    b.refresh_from_db()
    assert (b.name, b.parent_id, b.level) == ("一号楼", world.compound_a.pk, "building")
    assert AuditLog.objects.filter(target_type="territory.node", target_id=str(b.pk), action="update").exists()
    assert admin_client.get(_add(Node)).status_code == 403


def test_role_grant_in_admin_is_validated_and_audited(world, admin_client):
    u = world.users["nobody"]
    bad = {"user": u.pk, "role": "grid_worker", "node": world.building_a1.pk, "start_date": "2026-01-01"}
    r = admin_client.post(_add(RoleAssignment), bad)
    assert r.status_code == 200 and "不能任在这里" in r.content.decode()
    assert not RoleAssignment.objects.filter(user=u).exists()
    good = {"user": u.pk, "role": "grid_worker", "grid": world.grid_a1.pk, "start_date": "2026-01-01"}
    assert admin_client.post(_add(RoleAssignment), good).status_code == 302
    ra = RoleAssignment.objects.get(user=u)
    assert AuditLog.objects.filter(target_type="territory.roleassignment", target_id=str(ra.pk), action="create").exists()
    # overlapping term refused like on the page
    r = admin_client.post(_add(RoleAssignment), good)
    assert r.status_code == 200 and RoleAssignment.objects.filter(user=u).count() == 1
    # ending it goes through role_end; the holder and place cannot be changed
    r = admin_client.post(_change(RoleAssignment, ra.pk), {"end_date": "2026-06-30", "user": world.users["admin"].pk,
                                                           "grid": world.grid_b1.pk})
    assert r.status_code == 302
    ra.refresh_from_db()
    assert str(ra.end_date) == "2026-06-30" and ra.user_id == u.pk and ra.grid_id == world.grid_a1.pk
    assert AuditLog.objects.filter(target_type="territory.roleassignment", target_id=str(ra.pk), action="update").exists()


def test_resident_edit_in_admin_is_validated_and_audited(world, admin_client):
    res = resident_create(actor=world.users["admin"], household=world.hh_a1, name="赵六")
    data = {"name": "赵六", "gender": "", "birth_date": "", "id_number": "110101199003070000", "phone": "",
            "relation": "head", "moved_in_on": "", "note": "",
            "tags-TOTAL_FORMS": "0", "tags-INITIAL_FORMS": "0", "tags-MIN_NUM_FORMS": "0", "tags-MAX_NUM_FORMS": "1000"}
    r = admin_client.post(_change(Resident, res.pk), data)
    assert r.status_code == 200  # a bad ID number is refused with the service's message
    res.refresh_from_db()
    assert res.id_number is None
    r = admin_client.post(_change(Resident, res.pk), {**data, "id_number": "", "phone": "13900003333"})
    assert r.status_code == 302, r.content.decode()[:2000]
    res.refresh_from_db()
    assert res.phone == "13900003333"
    assert AuditLog.objects.filter(target_type="people.resident", target_id=str(res.pk), action="update").exists()


def test_household_move_in_admin_keeps_it_in_a_micro_grid(world, admin_client):
    hh = world.hh_a1
    data = {"node": hh.node_id, "micro_grid": world.grid_a1.pk, "number": hh.number, "address": hh.address, "note": ""}
    r = admin_client.post(_change(Household, hh.pk), data)
    assert r.status_code == 200  # a grid is not a micro-grid
    assert Household.objects.get(pk=hh.pk).micro_grid_id == world.micro_a1_1.pk
    r = admin_client.post(_change(Household, hh.pk), {**data, "micro_grid": world.micro_a2_1.pk})
    assert r.status_code == 302
    assert Household.objects.get(pk=hh.pk).micro_grid_id == world.micro_a2_1.pk


def test_grid_add_in_admin_goes_through_grid_create(world, admin_client):
    r = admin_client.post(_add(Grid), {"community": world.community_a.pk, "code": "01", "name": "重复"})
    assert r.status_code == 200 and "已有编号" in r.content.decode()
    r = admin_client.post(_add(Grid), {"community": world.community_a.pk, "code": "09", "name": "第九网格"})
    assert r.status_code == 302
    g = Grid.objects.get(community=world.community_a, code="09")
    assert g.kind == "grid" and AuditLog.objects.filter(target_type="territory.grid", target_id=str(g.pk)).exists()


def test_category_and_key_admin(world, admin_client):
    data = {"code": "noise", "name": "噪音", "group": "", "description": "", "keywords": "", "response_hours": 24,
            "resolve_hours": 12, "default_level": "grid", "active": "on", "sort": 0, "attributes": "[]"}
    r = admin_client.post(_add(Category), data)
    assert r.status_code == 200 and not Category.objects.filter(code="noise").exists()
    assert admin_client.post(_add(Category), {**data, "resolve_hours": 48}).status_code == 302
    assert AuditLog.objects.filter(target_type="tickets.category", action="create").exists()
    key = Open311Key.objects.create(name="k", key_hash=hash_key("x"), prefix="x", user=world.users["admin"],
                                    community=world.community_a)
    url = reverse("admin:tickets_open311key_changelist")
    r = admin_client.post(url, {"action": "revoke", "_selected_action": [key.pk]})
    assert r.status_code == 302
    key.refresh_from_db()
    assert not key.active
    assert admin_client.get(reverse("admin:tickets_open311key_add")).status_code == 403


def test_every_admin_page_renders(world, admin_client):
    from django.contrib import admin

    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        r = admin_client.get(reverse(f"admin:{info[0]}_{info[1]}_changelist"))
        assert r.status_code in (200, 403), info
        r = admin_client.get(reverse(f"admin:{info[0]}_{info[1]}_add"))
        assert r.status_code in (200, 403), info
    assert admin_client.get(_change(Node, world.building_a1.pk)).status_code == 200
    assert admin_client.get(_change(RoleAssignment, RoleAssignment.objects.first().pk)).status_code == 200
