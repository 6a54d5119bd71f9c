from dataclasses import dataclass

import pytest

from gongzhi.people.models import DualReport, MemberHousehold, Organisation, PartyMember, Relation, Resident

from .factories import make_id, make_resident


@dataclass
class People:
    a1_head: Resident  # hh_a1, grid A1
    a1_child: Resident
    a2_head: Resident  # hh_a2, grid A2
    b1_head: Resident  # hh_b1, community B
    member_a1: PartyMember
    member_b1: PartyMember
    report_a1: DualReport
    report_b1: DualReport
    org_a: Organisation
    org_b: Organisation


@pytest.fixture
def people(world):
    a1 = make_resident(world.hh_a1, "张三", id_number=make_id("19500301"), phone="13812345678", user=world.users["resident_a1"])
    a1c = make_resident(world.hh_a1, "张小明", relation=Relation.CHILD, id_number=make_id("20120101"))
    a2 = make_resident(world.hh_a2, "李四", id_number=make_id("19700505", male=False))
    b1 = make_resident(world.hh_b1, "王五", id_number=make_id("19600101"))
    a1.tags.create(tag="elderly")
    m_a1 = PartyMember.objects.create(resident=a1, category=PartyMember.Category.IN_SERVICE, work_unit="区教育局")
    m_b1 = PartyMember.objects.create(resident=b1, category=PartyMember.Category.RETIRED)
    MemberHousehold.objects.create(member=m_a1, household=world.hh_a2)
    rep_a1 = DualReport.objects.create(member=m_a1, community=world.community_a, commitment="每月参加一次志愿服务")
    rep_b1 = DualReport.objects.create(member=m_b1, community=world.community_b)
    org_a = Organisation.objects.create(name="幸福物业", kind="property", community=world.community_a)
    org_b = Organisation.objects.create(name="乙社区志愿队", kind="volunteer", community=world.community_b)
    return People(a1, a1c, a2, b1, m_a1, m_b1, rep_a1, rep_b1, org_a, org_b)
