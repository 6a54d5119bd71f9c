import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from gongzhi.accounts.models import AuditLog
from gongzhi.people import selectors, services
from gongzhi.people.models import DualReport, MemberHousehold, Resident
from gongzhi.people.pinyin import name_pinyin

from .factories import make_id

pytestmark = pytest.mark.django_db


def test_resident_create_derives_birth_and_gender_and_audits(world):
    idn = make_id("19450815", male=False)
    r = services.resident_create(actor=world.users["grid_a1"], household=world.hh_a1, name=" 曾小红 ",
                                 id_number=idn.lower(), phone="138 0013 8000", tags=["elderly", "elderly"])
    assert (r.name, r.name_pinyin, r.gender, r.birth_date) == ("曾小红", "zengxiaohong zxh", "F", datetime.date(1945, 8, 15))
    assert r.phone == "13800138000" and list(r.tags.values_list("tag", flat=True)) == ["elderly"]
    log = AuditLog.objects.get(action="create", target_type="people.resident")
    assert log.actor == world.users["grid_a1"] and idn not in str(log.detail)


def test_resident_create_validation_messages(world):
    actor = world.users["community_a"]
    good = make_id("19800101")
    services.resident_create(actor=actor, household=world.hh_a1, name="甲", id_number=good)
    cases = [
        ({"name": ""}, "name", "请填写姓名"),
        ({"id_number": "11010119800101123"}, "id_number", "18位"),
        ({"id_number": good}, "id_number", "已登记"),
        ({"id_number": make_id("19800101")[:17] + "Y"}, "id_number", "18位"),
        ({"id_number": make_id("19800101", male=True), "gender": "F"}, "gender", "不一致"),
        ({"birth_date": datetime.date(2999, 1, 1)}, "birth_date", "晚于今天"),
        ({"phone": "12345"}, "phone", "格式不正确"),
        ({"relation": "head"}, "relation", "已有户主"),
        ({"relation": "cousin"}, "relation", "无效"),
        ({"tags": ["alien"]}, "tags", "无效的重点人群"),
    ]
    for kwargs, field, text in cases:
        params = {"name": "乙", "relation": "child"} | kwargs
        with pytest.raises(ValidationError) as exc:
            services.resident_create(actor=actor, household=world.hh_a1, **params)
        assert text in " ".join(exc.value.message_dict[field]), (kwargs, exc.value.message_dict)
    assert Resident.objects.count() == 1


def test_resident_create_permissions(world):
    for user in ("grid_a2", "community_b", "unit_a1", "resident_a1", "nobody"):
        with pytest.raises(PermissionDenied):
            services.resident_create(actor=world.users[user], household=world.hh_a1, name="甲")
    for user in ("grid_a1", "community_a", "street", "admin"):
        services.resident_create(actor=world.users[user], household=world.hh_a1, name=f"{user}", relation="child")


def test_resident_update_and_move_out(world, people):
    actor = world.users["community_a"]
    r = services.resident_update(actor=actor, resident=people.a1_child, name="单小明", phone="13911112222")
    assert r.name_pinyin == "shanxiaoming sxm"
    assert AuditLog.objects.get(action="update").detail == {"fields": ["name", "phone"]}
    with pytest.raises(ValidationError):
        services.resident_update(actor=actor, resident=people.a1_child, relation="head")
    with pytest.raises(ValidationError):
        services.resident_update(actor=actor, resident=people.a1_child, gender="F")  # against the ID number
    with pytest.raises(PermissionDenied):
        services.resident_update(actor=world.users["grid_a2"], resident=people.a1_child, note="x")
    services.resident_move_out(actor=actor, resident=people.a1_head, on=datetime.date(2025, 1, 1))
    with pytest.raises(ValidationError):
        services.resident_move_out(actor=actor, resident=people.a1_head)
    # With the old head moved out, another resident may become head.
    services.resident_update(actor=actor, resident=people.a1_child, relation="head")
    assert [r.name for r in selectors.household_residents(world.hh_a1)] == ["单小明"]


def test_resident_tags_set(world, people):
    tags = services.resident_tags_set(actor=world.users["grid_a1"], resident=people.a1_head, tags=["veteran", "elderly"])
    assert tags == ["elderly", "veteran"]
    assert set(people.a1_head.tags.values_list("tag", flat=True)) == {"elderly", "veteran"}
    with pytest.raises(ValidationError):
        services.resident_tags_set(actor=world.users["grid_a1"], resident=people.a1_head, tags=["x"])
    with pytest.raises(PermissionDenied):
        services.resident_tags_set(actor=world.users["building_a1"], resident=people.a1_head, tags=[])


def test_resident_view_full_writes_who_whom_when(world, people):
    log = services.resident_view_full(actor=world.users["grid_a1"], resident=people.a1_head)
    assert (log.action, log.actor, log.target_type, log.target_id, log.target_label) == (
        "view", world.users["grid_a1"], "people.resident", str(people.a1_head.pk), "张三")
    assert log.at is not None and log.detail["full_id"] is False


def test_selectors_hidden_and_missing_both_404(world, people):
    with pytest.raises(Http404):
        selectors.get_resident(world.users["grid_a1"], people.a2_head.pk)
    with pytest.raises(Http404):
        selectors.get_resident(world.users["grid_a1"], 987654)
    assert selectors.get_resident(world.users["grid_a1"], people.a1_head.pk) == people.a1_head
    with pytest.raises(Http404):
        selectors.get_organisation(world.users["community_b"], people.org_a.pk)
    with pytest.raises(Http404):
        selectors.get_dual_report(world.users["grid_a2"], people.report_a1.pk)


def test_pinyin_overrides():
    assert name_pinyin("长沟新村") == "changgouxincun cgxc"
    assert name_pinyin("曾国藩") == "zengguofan zgf"
    assert name_pinyin("") == ""


def test_party_member_register(world, people):
    actor = world.users["community_a"]
    with pytest.raises(ValidationError) as exc:
        services.party_member_register(actor=actor, resident=people.a2_head, category="in_service")
    assert "工作单位" in exc.value.message_dict["work_unit"][0]
    with pytest.raises(ValidationError):
        services.party_member_register(actor=actor, resident=people.a1_head, category="resident")  # already one
    with pytest.raises(PermissionDenied):
        services.party_member_register(actor=world.users["grid_a2"], resident=people.a2_head, category="resident")
    from gongzhi.territory.models import PartyOrg

    # The fixture stores only the ID number (born 1970-05-05): joining at 16 is refused all the same.
    assert people.a2_head.birth_date is None
    with pytest.raises(ValidationError) as exc:
        services.party_member_register(actor=actor, resident=people.a2_head, category="retired",
                                       joined_on=datetime.date(1986, 5, 5))
    assert "十八岁" in exc.value.message_dict["joined_on"][0]
    elsewhere = PartyOrg.objects.create(kind=PartyOrg.Kind.BRANCH, name="乙社区支部", node=world.community_b)
    with pytest.raises(ValidationError) as exc:  # an organisation of another community, from any caller
        services.party_member_register(actor=actor, resident=people.a2_head, category="retired", party_org=elsewhere)
    assert "所在社区" in exc.value.message_dict["party_org"][0]
    own = PartyOrg.objects.create(kind=PartyOrg.Kind.BRANCH, name="甲社区支部", node=world.community_a)
    m = services.party_member_register(actor=actor, resident=people.a2_head, category="retired", post="policy",
                                       party_org=own)
    assert m.get_category_display() == "离退休党员" and m.party_org == own


def test_dual_report_flow(world, people):
    # Reject needs a reason; only the community where the member reports may decide.
    with pytest.raises(ValidationError):
        services.dual_report_reject(actor=world.users["community_a"], report=people.report_a1, reason="  ")
    with pytest.raises(PermissionDenied):
        services.dual_report_confirm(actor=world.users["community_b"], report=people.report_a1)
    with pytest.raises(PermissionDenied):
        services.dual_report_confirm(actor=world.users["grid_a1"], report=people.report_a1)
    rep = services.dual_report_reject(actor=world.users["community_a"], report=people.report_a1, reason="材料不全")
    assert rep.status == DualReport.Status.REJECTED and rep.reason == "材料不全"
    with pytest.raises(ValidationError):
        services.dual_report_confirm(actor=world.users["community_a"], report=rep)
    # The member reports again (as themselves); the street confirms.
    me = world.users["resident_a1"]
    with pytest.raises(ValidationError):
        services.dual_report_submit(actor=me, member=people.member_a1, community=world.community_b)
    new = services.dual_report_submit(actor=me, member=people.member_a1, commitment="认领环境治理岗")
    assert new.community == world.community_a and new.status == "submitted"
    with pytest.raises(ValidationError):
        services.dual_report_submit(actor=me, member=people.member_a1)
    with pytest.raises(PermissionDenied):
        services.dual_report_submit(actor=world.users["grid_a2"], member=people.member_a1)
    done = services.dual_report_confirm(actor=world.users["street"], report=new)
    assert done.status == "confirmed" and done.decided_by == world.users["street"] and done.decided_at
    statuses = [log.detail.get("status") for log in AuditLog.objects.filter(target_type="people.dualreport",
                                                                            action="update").order_by("id")]
    assert statuses == [["submitted", "rejected"], ["submitted", "confirmed"]]


def test_member_household_link_unlink(world, people):
    actor = world.users["community_a"]
    link = services.member_household_link(actor=actor, member=people.member_a1, household=world.hh_a1)
    assert MemberHousehold.objects.filter(pk=link.pk).exists()
    with pytest.raises(ValidationError):
        services.member_household_link(actor=actor, member=people.member_a1, household=world.hh_a1)
    with pytest.raises(ValidationError):  # a member serves households of their own community
        services.member_household_link(actor=world.users["street"], member=people.member_a1, household=world.hh_b1)
    with pytest.raises(PermissionDenied):
        services.member_household_link(actor=world.users["community_b"], member=people.member_a1,
                                       household=world.hh_a1)
    services.member_household_unlink(actor=actor, member=people.member_a1, household=world.hh_a1)
    with pytest.raises(ValidationError):
        services.member_household_unlink(actor=actor, member=people.member_a1, household=world.hh_a1)
    assert AuditLog.objects.filter(target_type="people.memberhousehold").count() == 2


def test_organisation_uscc_checked(world, people):
    actor = world.users["community_a"]
    for bad, text in (("91350100M000100Y44", "校验位"), ("91350100M000100", "18位"), ("91350100M0001O0Y43", "18位")):
        with pytest.raises(ValidationError) as exc:
            services.organisation_create(actor=actor, community=world.community_a, name="某公司", kind="co_building",
                                         uscc=bad)
        assert text in exc.value.message_dict["uscc"][0]
    org = services.organisation_create(actor=actor, community=world.community_a, name="某公司", kind="co_building",
                                       uscc="91350100m000100y43")
    assert org.uscc == "91350100M000100Y43"
    with pytest.raises(ValidationError) as exc:  # unique code, unique name per kind and community
        services.organisation_create(actor=actor, community=world.community_a, name="某公司", kind="co_building",
                                     uscc="91350100M000100Y43")
    assert set(exc.value.message_dict) == {"uscc", "name"}
    with pytest.raises(PermissionDenied):
        services.organisation_create(actor=world.users["community_b"], community=world.community_a, name="x",
                                     kind="social")
    with pytest.raises(ValidationError):
        services.organisation_create(actor=actor, community=world.unit_a1_1, name="x", kind="social")
    org = services.organisation_update(actor=actor, organisation=org, contact_name="刘经理", has_party_org=True)
    assert org.has_party_org and AuditLog.objects.filter(action="update", target_type="people.organisation").exists()
    with pytest.raises(ValidationError):
        services.organisation_update(actor=actor, organisation=org, uscc="123")
    with pytest.raises(PermissionDenied):
        services.organisation_update(actor=world.users["grid_a1"], organisation=org, note="x")
    street_org = services.organisation_create(actor=world.users["street"], community=world.street, name="街道办",
                                              kind="department")
    # A street-level organisation is visible to the communities below it.
    assert street_org in selectors.organisation_list(world.users["grid_a1"])
