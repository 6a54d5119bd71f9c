"""Party organisation tree, organisation edit, 党员联系户, 四单 offerings and API tokens pages."""

import pytest
from django.urls import reverse

from gongzhi.accounts.models import ApiToken, AuditLog
from gongzhi.accounts.services import token_create
from gongzhi.people.models import MemberHousehold, Organisation
from gongzhi.people.services import organisation_create, party_member_register, resident_create
from gongzhi.territory.models import PartyOrg
from gongzhi.tickets.models import ServiceOffering

pytestmark = pytest.mark.django_db


def test_party_tree_committee_branch_group_central(world, client_for):
    c = client_for(world.users["community_a"])
    url = reverse("territory:setup_party", args=[world.community_a.pk])
    assert c.post(url, {"kind": "committee", "name": "甲社区党委", "place": world.community_a.pk}).status_code == 302
    committee = PartyOrg.objects.get(name="甲社区党委")
    assert c.post(url, {"kind": "branch", "name": "第一网格党支部", "parent": committee.pk,
                        "place": world.community_a.pk, "grid": world.grid_a1.pk}).status_code == 302
    branch = PartyOrg.objects.get(name="第一网格党支部")
    assert branch.grid_id == world.grid_a1.pk
    assert c.post(url, {"kind": "group", "name": "1栋党小组", "parent": branch.pk,
                        "place": world.building_a1.pk}).status_code == 302
    group = PartyOrg.objects.get(name="1栋党小组")
    r = c.post(url, {"kind": "central", "name": "101中心户", "parent": group.pk, "place": world.unit_a1_1.pk,
                     "number": "999"})
    assert r.status_code == 400 and "999" in r.content.decode()
    assert c.post(url, {"kind": "central", "name": "101中心户", "parent": group.pk, "place": world.unit_a1_1.pk,
                        "number": "101"}).status_code == 302
    assert PartyOrg.objects.get(name="101中心户").household_id == world.hh_a1.pk
    # a group directly under the committee is refused
    r = c.post(url, {"kind": "group", "name": "错位", "parent": committee.pk, "place": world.building_a1.pk})
    assert r.status_code == 400 and not PartyOrg.objects.filter(name="错位").exists()
    body = c.get(url).content.decode()
    assert body.index("甲社区党委") < body.index("第一网格党支部") < body.index("1栋党小组")
    assert client_for(world.users["community_b"]).get(url).status_code == 404


def test_organisation_edit(world, client_for):
    org = organisation_create(actor=world.users["community_a"], community=world.community_a, name="幸福物业",
                              kind=Organisation.Kind.PROPERTY)
    url = reverse("people:organisation_edit", args=[org.pk])
    assert client_for(world.users["community_b"]).get(url).status_code == 404
    c = client_for(world.users["community_a"])
    data = {"name": "幸福物业公司", "kind": "property", "uscc": "", "contact_name": "周经理",
            "phone": "13900002222", "note": ""}
    assert c.post(url, data).status_code == 302
    org.refresh_from_db()
    assert (org.name, org.contact_name) == ("幸福物业公司", "周经理")
    assert c.post(url, {**data, "phone": "12"}).status_code == 400
    assert AuditLog.objects.filter(target_type="people.organisation", action="update").exists()


def test_member_household_links(world, client_for):
    actor = world.users["community_a"]
    res = resident_create(actor=actor, household=world.hh_a1, name="党员甲")
    member = party_member_register(actor=actor, resident=res, category="resident")
    c = client_for(actor)
    url = reverse("people:member_households", args=[member.pk])
    assert c.post(url, {"action": "link", "household": world.hh_a2.pk}).status_code == 302
    assert MemberHousehold.objects.filter(member=member, household=world.hh_a2).exists()
    # another community's household is not offered
    assert c.post(url, {"action": "link", "household": world.hh_b1.pk}).status_code == 400
    assert c.post(url, {"action": "unlink", "household": world.hh_a2.pk}).status_code == 302
    assert not MemberHousehold.objects.filter(member=member).exists()
    assert client_for(world.users["community_b"]).get(url).status_code == 404


def test_offerings_publish_and_withdraw(world, client_for):
    org = organisation_create(actor=world.users["community_a"], community=world.community_a, name="理发志愿队",
                              kind=Organisation.Kind.VOLUNTEER_TEAM)
    c = client_for(world.users["community_a"])
    url = reverse("tickets:offerings", args=[org.pk])
    assert c.post(url, {"title": "上门理发", "description": "每月一次", "community": world.community_a.pk}).status_code == 302
    off = ServiceOffering.objects.get(title="上门理发")
    assert AuditLog.objects.filter(target_type="tickets.serviceoffering", action="create").exists()
    assert c.post(url, {"title": "", "community": world.community_a.pk}).status_code == 400
    assert c.post(url, {"title": "越界", "community": world.community_b.pk}).status_code == 400
    assert c.post(reverse("tickets:offering_toggle", args=[off.pk])).status_code == 302
    off.refresh_from_db()
    assert not off.active
    other = client_for(world.users["community_b"])
    assert other.get(url).status_code == 404
    assert other.post(reverse("tickets:offering_toggle", args=[off.pk])).status_code == 404


def test_tokens_own_and_area(world, client_for):
    worker = world.users["grid_a1"]
    token, _key = token_create(actor=worker, name="手机")
    body = client_for(worker).get(reverse("accounts:tokens")).content.decode()
    assert "手机" in body and token.prefix in body
    # another community's staff cannot see or revoke it; this community's staff can
    other = client_for(world.users["community_b"])
    assert token.prefix not in other.get(reverse("territory:area_tokens")).content.decode()
    assert other.post(reverse("territory:token_revoke", args=[token.pk])).status_code == 404
    assert client_for(world.users["grid_a2"]).post(reverse("territory:token_revoke", args=[token.pk])).status_code == 404
    staff = client_for(world.users["community_a"])
    assert token.prefix in staff.get(reverse("territory:area_tokens")).content.decode()
    assert staff.post(reverse("territory:token_revoke", args=[token.pk])).status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert client_for(world.users["nobody"]).get(reverse("territory:area_tokens")).status_code == 404


def test_own_token_revoke(world, client_for):
    token, _key = token_create(actor=world.users["resident_a1"], name="平板")
    c = client_for(world.users["resident_a1"])
    assert client_for(world.users["grid_a1"]).post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    assert c.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert c.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404  # twice


def test_organisation_members_on_the_edit_page(world, client_for):
    from gongzhi.people.models import OrganisationMember

    org = organisation_create(actor=world.users["community_a"], community=world.community_a, name="维修服务队",
                              kind=Organisation.Kind.SERVICE_TEAM)
    c = client_for(world.users["community_a"])
    url = reverse("people:organisation_edit", args=[org.pk])
    assert c.post(url, {"action": "member_add", "person": "nobody", "is_admin": "on"}).status_code == 302
    m = OrganisationMember.objects.get(organisation=org)
    assert m.user == world.users["nobody"] and m.is_admin
    r = c.post(url, {"action": "member_add", "person": "nobody"})
    assert r.status_code == 400 and OrganisationMember.objects.count() == 1
    assert c.post(url, {"action": "member_add", "person": "no-such-user"}).status_code == 400
    assert client_for(world.users["community_b"]).post(url, {"action": "member_remove", "member": m.pk}).status_code == 404
    assert c.post(url, {"action": "member_remove", "member": m.pk}).status_code == 302
    assert not OrganisationMember.objects.exists()
    assert AuditLog.objects.filter(target_type="people.organisationmember", action="delete").exists()
