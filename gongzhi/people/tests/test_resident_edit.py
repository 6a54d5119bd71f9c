"""The resident edit page and the party-member registration page (党员登记)."""

import pytest
from django.urls import reverse

from gongzhi.accounts.models import AuditLog
from gongzhi.core.validators import birth_date_from_id, gender_from_id
from gongzhi.people.models import PartyMember, Resident
from gongzhi.territory.models import PartyOrg

from .factories import make_id

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _complete_records(people):
    """As resident_create would store them: gender and birth date taken from the ID number."""
    for r in Resident.objects.exclude(id_number=None):
        Resident.objects.filter(pk=r.pk).update(gender=gender_from_id(r.id_number),
                                                birth_date=birth_date_from_id(r.id_number))
    for name in ("a1_head", "a1_child", "a2_head", "b1_head"):
        getattr(people, name).refresh_from_db()


def _edit_url(r: Resident) -> str:
    return reverse("people:resident_edit", args=[r.pk])


def _member_url(r: Resident) -> str:
    return reverse("people:party_member_new", args=[r.pk])


def _form_data(r: Resident, **changes) -> dict:
    """What the prefilled edit form posts back, with some fields changed."""
    data = {
        "name": r.name, "relation": r.relation, "gender": r.gender, "id_number": r.id_number or "",
        "birth_date": r.birth_date.isoformat() if r.birth_date else "", "phone": r.phone,
        "moved_in_on": r.moved_in_on.isoformat() if r.moved_in_on else "", "note": r.note,
    }
    data.update(changes)
    return data


def _snapshot(r: Resident) -> dict:
    r = Resident.objects.get(pk=r.pk)
    return {f: getattr(r, f) for f in ("name", "relation", "gender", "id_number", "birth_date", "phone", "note",
                                       "moved_in_on", "updated_at")}


# --- who may use the pages ----------------------------------------------------------------------------

@pytest.mark.parametrize("user,target", [
    ("grid_a2", "a1_head"),       # a grid worker of another grid in the same community
    ("community_b", "a1_head"),   # staff of another community
    ("unit_a1", "a1_head"),       # sees the resident but does not keep residents' data
    ("resident_a1", "a1_head"),   # the resident themself: not through this page
    ("nobody", "a1_head"),
])
def test_edit_page_hidden_or_forbidden_is_404_and_changes_nothing(client_for, world, people, user, target):
    r = getattr(people, target)
    before = _snapshot(r)
    c = client_for(world.users[user])
    assert c.get(_edit_url(r)).status_code == 404
    assert c.post(_edit_url(r), _form_data(r, name="改名")).status_code == 404
    assert c.get(reverse("people:resident_edit", args=[999999])).status_code == 404
    assert _snapshot(r) == before
    assert not AuditLog.objects.filter(target_type="people.resident").exists()


@pytest.mark.parametrize("user,target", [
    ("grid_a2", "a2_head"),       # even the resident's own grid worker: party membership is staff's
    ("grid_a1", "a1_child"),
    ("community_b", "a2_head"),   # staff of another community
    ("community_a", "b1_head"),
    ("nobody", "a2_head"),
])
def test_party_member_page_hidden_or_forbidden_is_404(client_for, world, people, user, target):
    r = getattr(people, target)
    before = PartyMember.objects.count()
    c = client_for(world.users[user])
    assert c.get(_member_url(r)).status_code == 404
    assert c.post(_member_url(r), {"category": "retired", "shows_identity": "on"}).status_code == 404
    assert c.get(reverse("people:party_member_new", args=[999999])).status_code == 404
    assert PartyMember.objects.count() == before
    assert not AuditLog.objects.filter(target_type="people.partymember").exists()


def test_links_on_resident_page_only_for_who_may_use_them(client_for, world, people):
    body = client_for(world.users["community_a"]).get(reverse("people:resident", args=[people.a2_head.pk])) \
        .content.decode()
    assert _edit_url(people.a2_head) in body and _member_url(people.a2_head) in body
    # Already a party member: no registration link.
    body = client_for(world.users["community_a"]).get(reverse("people:resident", args=[people.a1_head.pk])) \
        .content.decode()
    assert _edit_url(people.a1_head) in body and _member_url(people.a1_head) not in body
    # The grid worker keeps the resident's data but does not register party members.
    body = client_for(world.users["grid_a1"]).get(reverse("people:resident", args=[people.a1_child.pk])) \
        .content.decode()
    assert _edit_url(people.a1_child) in body and _member_url(people.a1_child) not in body
    # The unit head sees the resident but may do neither.
    body = client_for(world.users["unit_a1"]).get(reverse("people:resident", args=[people.a1_child.pk])) \
        .content.decode()
    assert _edit_url(people.a1_child) not in body and _member_url(people.a1_child) not in body


# --- editing ------------------------------------------------------------------------------------------

def test_edit_page_prefilled_and_success_changes_row_and_audits(client_for, world, people):
    r = people.a1_child
    c = client_for(world.users["grid_a1"])
    resp = c.get(_edit_url(r))
    assert resp.status_code == 200
    assert resp.context["form"]["name"].value() == "张小明"
    assert "tags" not in resp.context["form"].fields
    resp = c.post(_edit_url(r), _form_data(r, name="张晓明", phone="13900001111", note="在外读书"))
    assert resp.status_code == 302 and resp["Location"] == reverse("people:resident", args=[r.pk])
    r.refresh_from_db()
    assert (r.name, r.phone, r.note) == ("张晓明", "13900001111", "在外读书")
    assert r.name_pinyin.startswith("zhangxiaoming")
    log = AuditLog.objects.get(action="update", target_type="people.resident", target_id=str(r.pk))
    assert log.actor == world.users["grid_a1"]
    assert set(log.detail["fields"]) == {"name", "phone", "note"}
    assert "13900001111" not in str(log.detail)  # the audit names the fields, not the values


@pytest.mark.parametrize("changes,message", [
    ({"name": ""}, "这个字段是必填项"),
    ({"id_number": "110101200001011230"}, "身份证号校验位不正确"),
    ({"phone": "12345"}, "联系电话格式不正确"),
    ({"relation": "head"}, "该户已有户主"),
    ({"gender": "F"}, "性别与身份证号不一致"),
    ({"birth_date": "2099-01-01"}, "出生日期与身份证号不一致"),
    ({"id_number": "110101********1234"}, "身份证号不能含“*”"),
])
def test_edit_bad_input_gets_chinese_message_and_changes_nothing(client_for, world, people, changes, message):
    r = people.a1_child
    before = _snapshot(r)
    resp = client_for(world.users["community_a"]).post(_edit_url(r), _form_data(r, **changes))
    assert resp.status_code == 400
    assert message in resp.content.decode()
    assert _snapshot(r) == before
    assert not AuditLog.objects.filter(action="update").exists()


def test_edit_duplicate_id_number_refused(client_for, world, people):
    r = people.a1_child
    before = _snapshot(r)
    resp = client_for(world.users["community_a"]).post(_edit_url(r), _form_data(r, id_number=people.a2_head.id_number,
                                                                                 gender="F", birth_date=""))
    assert resp.status_code == 400 and "已登记为现居住人员" in resp.content.decode()
    assert _snapshot(r) == before


# --- identity numbers (PIPL) --------------------------------------------------------------------------

def test_staff_see_full_id_on_edit_page_and_view_is_audited(client_for, world, people):
    r = people.a1_head
    resp = client_for(world.users["community_a"]).get(_edit_url(r))
    assert resp.status_code == 200 and r.id_number in resp.content.decode()
    log = AuditLog.objects.get(action="view", target_type="people.resident", target_id=str(r.pk))
    assert log.detail == {"channel": "edit_page", "full_id": True}


def test_grid_worker_never_receives_full_id_and_untouched_mask_keeps_number(client_for, world, people):
    r = people.a1_head
    full, masked = r.id_number, r.masked_id_number
    c = client_for(world.users["grid_a1"])
    resp = c.get(_edit_url(r))
    body = resp.content.decode()
    assert resp.status_code == 200 and full not in body and masked in body
    assert full[6:14] not in body  # the hidden birth-date digits do not leak elsewhere either
    # A failed submission re-renders the page: still no full number.
    resp = c.post(_edit_url(r), _form_data(r, id_number=masked, phone="123"))
    assert resp.status_code == 400 and full not in resp.content.decode()
    # Untouched mask + another change: saved, the stored number stays as it was.
    resp = c.post(_edit_url(r), _form_data(r, id_number=masked, phone="13911112222"))
    assert resp.status_code == 302
    r.refresh_from_db()
    assert r.id_number == full and r.phone == "13911112222"
    log = AuditLog.objects.get(action="update", target_id=str(r.pk))
    assert log.detail["fields"] == ["phone"]
    # The detail page it redirects to shows no full number to this user either.
    assert full not in c.get(resp["Location"]).content.decode()


def test_grid_worker_may_replace_the_number_with_a_new_full_one(client_for, world, people):
    r = people.a1_head
    new = make_id("19500301")
    resp = client_for(world.users["grid_a1"]).post(_edit_url(r), _form_data(r, id_number=new))
    assert resp.status_code == 302
    r.refresh_from_db()
    assert r.id_number == new


# --- party member registration ------------------------------------------------------------------------

def test_register_party_member_bad_input_then_success_appears_in_members(client_for, world, people):
    r = people.a2_head  # born 1970-05-05
    org_a = PartyOrg.objects.create(kind=PartyOrg.Kind.BRANCH, name="甲社区第二网格党支部", grid=world.grid_a2)
    org_b = PartyOrg.objects.create(kind=PartyOrg.Kind.COMMITTEE, name="乙社区党委", node=world.community_b)
    c = client_for(world.users["community_a"])
    resp = c.get(_member_url(r))
    assert resp.status_code == 200
    assert list(resp.context["form"].fields["party_org"].queryset) == [org_a]
    bad = [
        ({"category": ""}, "请选择党员类别"),
        ({"category": "in_service"}, "在职党员请填写工作单位"),
        ({"category": "retired", "party_org": org_b.pk}, "请选择本社区的党组织"),
        ({"category": "retired", "joined_on": "2099-01-01"}, "入党日期不能晚于今天"),
        ({"category": "retired", "joined_on": "1975-01-01"}, "入党时应年满十八岁"),
    ]
    for data, message in bad:
        resp = c.post(_member_url(r), data)
        assert resp.status_code == 400 and message in resp.content.decode(), data
    assert not PartyMember.objects.filter(resident=r).exists()
    assert not AuditLog.objects.filter(target_type="people.partymember").exists()

    resp = c.post(_member_url(r), {"category": "in_service", "party_org": org_a.pk, "work_unit": "区卫健委",
                                   "joined_on": "1995-07-01", "post": "service", "shows_identity": "on"})
    assert resp.status_code == 302
    m = PartyMember.objects.get(resident=r)
    assert (m.category, m.party_org, m.work_unit, m.post, m.shows_identity) == (
        "in_service", org_a, "区卫健委", "service", True)
    assert AuditLog.objects.filter(action="create", target_type="people.partymember", target_id=str(m.pk)).exists()
    page = c.get(reverse("people:members")).context["page"]
    assert r.name in [pm.resident.name for pm in page]
    # Registered once: the page now sends back to the resident, and a second POST creates nothing.
    assert c.get(_member_url(r)).status_code == 302
    assert c.post(_member_url(r), {"category": "retired"}).status_code == 302
    assert PartyMember.objects.filter(resident=r).count() == 1
