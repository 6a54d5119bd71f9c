"""An organisation's head (负责人) publishes activities through the page: the organiser fixed to their
organisation(s), the place limited to where it is based or serves."""

import datetime
import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gongzhi.activities import services
from gongzhi.activities.models import Activity
from gongzhi.people.models import Organisation, OrganisationMember
from gongzhi.territory.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(world):
    """栗·邻帮 (based in 甲社区, serving 幸福小区) with its head, and 乙社区's team with its own head."""
    t = Organisation.objects.create(name="栗·邻帮", kind=Organisation.Kind.VOLUNTEER_TEAM, community=world.community_a)
    t.serves.add(world.compound_a)
    head = make_user("lilinbang", name="邻帮队长")
    OrganisationMember.objects.create(organisation=t, user=head, is_admin=True)
    other = Organisation.objects.create(name="乙社区服务队", kind=Organisation.Kind.SERVICE_TEAM,
                                        community=world.community_b)
    other_head = make_user("yiduizhang", name="乙队长")
    OrganisationMember.objects.create(organisation=other, user=other_head, is_admin=True)
    member = make_user("duiyuan", name="普通队员")
    OrganisationMember.objects.create(organisation=t, user=member)
    return t, head, other, other_head, member


def form_data(page: str, **kw) -> dict:
    key = re.search(r'name="client_key" value="([^"]+)"', page).group(1)
    return {"client_key": key, "title": "楼道清洁日", "kind": "volunteer", "start_at": "2030-03-05T09:00",
            "end_at": "2030-03-05T11:00", "address": "幸福小区1栋", "audience": "public", "shifts": "清扫 6",
            "cancel_cutoff_hours": 2, **kw}


def test_head_publishes_for_the_organisation_once(world, team, client_for):
    t, head, *_rest = team
    c = client_for(head)
    assert "/activities/new/" in c.get("/").content.decode()  # from the home page
    assert "/activities/new/" in c.get("/activities/").content.decode()
    page = c.get("/activities/new/").content.decode()
    assert "栗·邻帮" in page and "乙社区服务队" not in page
    assert f'value="{world.compound_a.pk}"' in page and f'value="{world.community_b.pk}"' not in page
    data = form_data(page, organiser=t.pk, place=world.compound_a.pk)
    r = c.post("/activities/new/", data)
    assert r.status_code == 302
    c.post("/activities/new/", data)  # the same form again: one activity
    a = Activity.objects.get(title="楼道清洁日")
    assert (a.organiser, a.community, a.place, a.created_by) == (t, world.community_a, world.compound_a, head)
    assert c.get(f"/activities/{a.pk}/manage/").status_code == 200


def test_bad_input_answers_in_chinese_and_writes_nothing(world, team, client_for):
    t, head, *_rest = team
    c = client_for(head)
    page = c.get("/activities/new/").content.decode()
    r = c.post("/activities/new/", form_data(page, organiser=t.pk, place=world.compound_a.pk, end_at="2030-03-05T08:00"))
    assert r.status_code == 200 and "结束时间须晚于开始时间" in r.content.decode()
    r = c.post("/activities/new/", form_data(page, organiser=t.pk, place=world.community_b.pk))
    assert r.status_code == 200 and "选择一个有效的选项" in r.content.decode()
    r = c.post("/activities/new/", form_data(page, organiser=t.pk, place=world.compound_a.pk, title=""))
    assert "这个字段是必填项" in r.content.decode()
    assert not Activity.objects.exists()


def test_other_heads_members_and_residents_cannot(world, team, client_for):
    t, head, other, other_head, member = team
    page = client_for(head).get("/activities/new/").content.decode()
    c = client_for(other_head)
    assert c.post("/activities/new/", form_data(page, organiser=t.pk, place=world.compound_a.pk)).status_code == 404
    assert client_for(member).get("/activities/new/").status_code == 403
    assert client_for(world.users["resident_a1"]).get("/activities/new/").status_code == 403
    assert client_for(member).post("/activities/new/", form_data(page, organiser=t.pk,
                                                                 place=world.compound_a.pk)).status_code == 403
    assert not Activity.objects.exists()
    # the other head's own page offers only their organisation and 乙社区
    own = c.get("/activities/new/").content.decode()
    assert "乙社区服务队" in own and "栗·邻帮" not in own and f'value="{world.compound_a.pk}"' not in own


def test_the_service_keeps_a_head_to_the_organisations_area(world, team):
    t, head, *_rest = team
    start = timezone.now() + datetime.timedelta(days=3)
    kw = {"actor": head, "title": "义诊", "kind": "service", "start_at": start, "end_at": start + datetime.timedelta(hours=2),
          "shifts": [services.ShiftInput("测血压", 5)], "organiser": t}

    def create(**more):
        return services.activity_create(client_key=uuid.uuid4().hex, **{**kw, **more})

    with pytest.raises(ValidationError) as e:  # 乙社区: the same street, but 栗·邻帮 neither is based nor serves there
        create(community=world.community_b)
    assert "组织单位不在本社区或所在街道" in str(e.value)
    assert create(community=world.community_a, place=world.unit_a1_1).place == world.unit_a1_1
    # a team based in 乙社区 that serves 幸福小区's 1栋: its head may hold activities there, nowhere else in 甲社区
    t.serves.clear()
    Organisation.objects.filter(pk=t.pk).update(community=world.community_b)
    t.refresh_from_db()
    t.serves.add(world.building_a1)
    assert create(community=world.community_a, place=world.building_a1).community == world.community_a
    with pytest.raises(ValidationError) as e:
        create(community=world.community_a, place=world.compound_a)
    assert "地点须在本组织所在或服务的区域内" in str(e.value)
    # community staff choose any place of their community for the organisation
    assert create(community=world.community_a, place=world.compound_a, actor=world.users["community_a"]).organiser == t
