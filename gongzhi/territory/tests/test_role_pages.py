"""The role-holder pages (任免): list, appoint, end a term. Staff only, scoped to their area; outside = 404."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.models import AuditLog
from gongzhi.territory.models import Role, RoleAssignment
from gongzhi.territory.scoping import scope_for
from gongzhi.territory.testing import assign, make_user

pytestmark = pytest.mark.django_db
LIST, NEW = reverse("territory:roles"), reverse("territory:role_appoint")
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)


def end_url(ra) -> str:
    return reverse("territory:role_end", args=[ra.pk])


def held(world, key: str) -> RoleAssignment:
    return RoleAssignment.objects.get(user=world.users[key])


def appoint(c, **data):
    data.setdefault("start_date", timezone.localdate().isoformat())
    return c.post(NEW, data)


def test_staff_list_shows_own_community_only_with_masked_phones(world, client_for):
    u = world.users["building_a1"]
    u.phone = "13812345678"
    u.save()
    body = client_for(world.users["community_a"]).get(LIST).content.decode()
    assert "building_a1人员" in body and "grid_a1人员" in body and "community_a人员" in body
    assert "community_b人员" not in body and "street人员" not in body
    assert "138****5678" in body and "13812345678" not in body
    # The street sees both communities.
    street = client_for(world.users["street"]).get(LIST).content.decode()
    assert "community_b人员" in street and "building_a1人员" in street


def test_list_filters_by_role_and_searches_name_and_phone(world, client_for):
    u = world.users["unit_a1"]
    u.phone = "13900001111"
    u.save()
    c = client_for(world.users["community_a"])
    body = c.get(LIST, {"role": Role.GRID_WORKER}).content.decode()
    assert "grid_a1人员" in body and "grid_a2人员" in body and "unit_a1人员" not in body
    body = c.get(LIST, {"q": "13900001111"}).content.decode()
    assert "unit_a1人员" in body and "grid_a1人员" not in body
    # Phones are sealed at rest: a part of a number finds nothing (no error either).
    body = c.get(LIST, {"q": "0000111"}).content.decode()
    assert "unit_a1人员" not in body
    body = c.get(LIST, {"q": "building_a1"}).content.decode()
    assert "building_a1人员" in body and "unit_a1人员" not in body
    # Junk role is ignored, not an error.
    assert c.get(LIST, {"role": "king"}).status_code == 200


def test_list_narrowed_to_a_node_from_the_community_page(world, client_for):
    street = client_for(world.users["street"])
    page = street.get(reverse("territory:node", args=[world.community_b.pk])).content.decode()
    assert f"{LIST}?at={world.community_b.pk}" in page
    body = street.get(LIST, {"at": world.community_b.pk}).content.decode()
    assert "community_b人员" in body and "community_a人员" not in body
    # Community A's staff cannot narrow to community B: hidden like missing.
    a = client_for(world.users["community_a"])
    assert a.get(LIST, {"at": world.community_b.pk}).status_code == 404
    assert a.get(LIST, {"at": 999999}).status_code == 404


@pytest.mark.parametrize("key", ["grid_a1", "micro_a1", "building_a1", "unit_a1", "resident_a1", "nobody", "auditor"])
def test_non_staff_get_404_on_every_page(world, client_for, key):
    c = client_for(world.users[key])
    ra = held(world, "unit_a1")
    before = RoleAssignment.objects.count()
    assert c.get(LIST).status_code == 404
    assert c.get(NEW).status_code == 404
    assert appoint(c, person="nobody", role=Role.UNIT_HEAD, target=f"node:{world.unit_a1_1.pk}").status_code == 404
    assert c.get(end_url(ra)).status_code == 404
    assert c.post(end_url(ra), {"end_date": timezone.localdate().isoformat()}).status_code == 404
    assert RoleAssignment.objects.count() == before
    ra.refresh_from_db()
    assert ra.end_date is None
    assert f'href="{LIST}"' not in c.get(reverse("dashboard:home")).content.decode()


def test_anonymous_is_sent_to_login(world, client):
    assert client.get(LIST).status_code == 302 and client.get(NEW).status_code == 302


def test_staff_of_a_cannot_appoint_or_end_in_b(world, client_for):
    c = client_for(world.users["community_a"])
    # Targets offered are A's only.
    body = c.get(NEW, {"role": Role.GRID_WORKER}).content.decode()
    assert f'value="grid:{world.grid_a1.pk}"' in body and f'value="grid:{world.grid_b1.pk}"' not in body
    before, audits = RoleAssignment.objects.count(), AuditLog.objects.count()
    outside = appoint(c, person="nobody", role=Role.GRID_WORKER, target=f"grid:{world.grid_b1.pk}")
    missing = appoint(c, person="nobody", role=Role.GRID_WORKER, target="grid:999999")
    assert outside.status_code == missing.status_code == 400
    assert "所选任职对象不存在" in outside.content.decode()
    assert outside.context["form"].errors == missing.context["form"].errors
    assert RoleAssignment.objects.count() == before and AuditLog.objects.count() == audits
    # Ending B's assignment: 404 on GET and POST, and nothing changes.
    ra_b = held(world, "community_b")
    assert c.get(end_url(ra_b)).status_code == 404
    assert c.post(end_url(ra_b), {"end_date": timezone.localdate().isoformat()}).status_code == 404
    assert c.get(reverse("territory:role_end", args=[999999])).status_code == 404
    ra_b.refresh_from_db()
    assert ra_b.end_date is None


def test_wrong_target_kind_gets_chinese_error_and_writes_nothing(world, client_for):
    c = client_for(world.users["community_a"])
    before, audits = RoleAssignment.objects.count(), AuditLog.objects.count()
    r = appoint(c, person="nobody", role=Role.BUILDING_HEAD, target=f"node:{world.unit_a1_1.pk}")
    assert r.status_code == 400
    assert "角色“楼栋长”不能任在这里" in r.content.decode()
    r = appoint(c, person="nobody", role=Role.MICRO_GRID_HEAD, target=f"grid:{world.grid_a1.pk}")
    assert r.status_code == 400 and "角色“微网格长（联户长）”不能任在这里" in r.content.decode()
    assert RoleAssignment.objects.count() == before and AuditLog.objects.count() == audits


def test_bad_input_gets_chinese_errors_and_writes_nothing(world, client_for):
    c = client_for(world.users["community_a"])
    before = RoleAssignment.objects.count()
    r = c.post(NEW, {"person": "no-such-user", "role": Role.UNIT_HEAD, "target": "", "start_date": "明天"})
    body = r.content.decode()
    assert r.status_code == 400
    assert "找不到该账号" in body and "请选择任职对象" in body and "请填写有效的日期" in body
    r = appoint(c, person="nobody", role="king", target=f"node:{world.unit_a1_1.pk}")
    assert r.status_code == 400 and "请选择有效的角色" in r.content.decode()
    # Holding the same role on the same place twice is refused.
    r = appoint(c, person="unit_a1", role=Role.UNIT_HEAD, target=f"node:{world.unit_a1_1.pk}")
    assert r.status_code == 400 and "该人员已在此担任“单元长”" in r.content.decode()
    assert RoleAssignment.objects.count() == before


def test_appointment_shows_in_scope_of_the_appointed_and_is_audited(world, client_for):
    newbie = make_user("newbie", name="王小明", phone="13700002222")
    c = client_for(world.users["community_a"])
    form = c.get(NEW, {"role": Role.UNIT_HEAD}).content.decode()
    assert f'value="node:{world.unit_a1_1.pk}"' in form and f'value="{timezone.localdate().isoformat()}"' in form
    r = appoint(c, person="13700002222", role=Role.UNIT_HEAD, target=f"node:{world.unit_a1_1.pk}", note="换届")
    assert r.status_code == 302 and r.url == LIST
    ra = RoleAssignment.objects.get(user=newbie)
    assert (ra.role, ra.node_id, ra.start_date, ra.note) == (Role.UNIT_HEAD, world.unit_a1_1.pk, timezone.localdate(), "换届")
    assert world.unit_a1_1.path in scope_for(newbie).node_paths
    log = AuditLog.objects.get(target_type="territory.roleassignment", target_id=str(ra.pk))
    assert log.action == AuditLog.Action.CREATE and log.actor == world.users["community_a"]
    assert log.ip == "127.0.0.1"  # the page passes its request: who did it from where
    body = c.get(LIST).content.decode()
    assert "王小明" in body and "137****2222" in body and "已任命王小明为单元长" in body


def test_ending_a_term_removes_it_from_the_active_list(world, client_for):
    holder = make_user("old_head", name="李旧长")
    ra = assign(holder, Role.BUILDING_HEAD, world.building_a1)
    ra.start_date = timezone.localdate() - datetime.timedelta(days=30)
    ra.save()
    c = client_for(world.users["community_a"])
    page = c.get(end_url(ra))
    assert page.status_code == 200 and "李旧长" in page.content.decode() and "1栋" in page.content.decode()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    r = c.post(end_url(ra), {"end_date": yesterday.isoformat()})
    assert r.status_code == 302
    ra.refresh_from_db()
    assert ra.end_date == yesterday
    assert not RoleAssignment.objects.active().filter(pk=ra.pk).exists()
    assert "李旧长的楼栋长任期已结束" in c.get(LIST).content.decode()  # the one-off notice
    assert "李旧长" not in c.get(LIST).content.decode()
    assert world.building_a1.path not in scope_for(holder).node_paths
    log = AuditLog.objects.get(target_type="territory.roleassignment", target_id=str(ra.pk))
    assert log.action == AuditLog.Action.UPDATE and log.detail == {"end_date": yesterday.isoformat()}
    # An ended term cannot be ended again.
    assert c.get(end_url(ra)).status_code == 404


def test_end_defaults_to_today_and_refuses_a_date_before_the_start(world, client_for):
    c = client_for(world.users["community_a"])
    ra = held(world, "building_a1")
    assert f'value="{timezone.localdate().isoformat()}"' in c.get(end_url(ra)).content.decode()
    r = c.post(end_url(ra), {"end_date": (ra.start_date - datetime.timedelta(days=1)).isoformat()})
    assert r.status_code == 400 and "任期结束不能早于开始" in r.content.decode()
    ra.refresh_from_db()
    assert ra.end_date is None
    assert c.post(end_url(ra), {"end_date": timezone.localdate().isoformat()}).status_code == 302
    ra.refresh_from_db()
    assert ra.end_date == timezone.localdate()
    # The end date is the last day in office: gone from tomorrow.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert not RoleAssignment.objects.active(on=tomorrow).filter(pk=ra.pk).exists()


def test_list_query_count_does_not_grow_per_row(world, client_for, django_assert_num_queries):
    c = client_for(world.users["community_a"])
    c.get(LIST)  # warm the session
    with django_assert_num_queries(9):  # session, user, scope, staff area, count, rows + session save (3)
        assert c.get(LIST).status_code == 200
    for i in range(30):
        u = make_user(f"bulk{i}", phone=f"1380000{i:04d}")
        assign(u, Role.UNIT_HEAD if i % 3 else Role.MICRO_GRID_HEAD,
               world.unit_a1_1 if i % 3 else world.micro_a1_1)
    assign(make_user("hh"), Role.RESIDENT, world.hh_a1)
    with django_assert_num_queries(9):
        r = c.get(LIST)
    assert r.content.decode().count('data-testid="role-row"') == 7 + 31  # the world's seven in A and the new ones
    with django_assert_num_queries(9):
        assert c.get(LIST, {"role": Role.UNIT_HEAD, "q": "bulk"}).status_code == 200


def test_pages_load_nothing_from_outside_and_fit_a_phone(world, client_for):
    c = client_for(world.users["community_a"])
    pages = [LIST, f"{NEW}?role={Role.UNIT_HEAD}", end_url(held(world, "unit_a1"))]
    for url in pages:
        r = c.get(url)
        assert r.status_code == 200, url
        body = r.content.decode()
        assert not EXTERNAL.findall(body), (url, EXTERNAL.findall(body))
        assert "cdn." not in body
        assert 'name="viewport" content="width=device-width' in body
    # The staff menu links to the list.
    assert f'href="{LIST}"' in c.get(reverse("dashboard:home")).content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_appoints_and_relieves_on_a_phone(live_server, page):
    from playwright.sync_api import expect

    from gongzhi.territory.testing import build_world

    world = build_world()
    make_user("newbie", name="王小明", phone="13700002222")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/accounts/login/?next={LIST}")
    page.get_by_label("用户名或手机号").fill("community_a")
    page.get_by_label("密码").fill("Gongzhi-2026")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="任职人员")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_test_id("appoint-link").click()
    page.get_by_label("先选择角色").select_option(Role.UNIT_HEAD)
    page.get_by_role("button", name="列出可任职对象").click()
    page.get_by_label("人员（用户名或手机号）").fill("13700002222")
    page.locator("select[name=target]").select_option(f"node:{world.unit_a1_1.pk}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="确认任命").click()
    expect(page.get_by_text("已任命王小明为单元长")).to_be_visible()
    page.get_by_test_id("role-row").filter(has_text="王小明").get_by_role("link", name="卸任").click()
    expect(page.get_by_role("heading", name="王小明卸任单元长")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="确认卸任").click()
    expect(page.get_by_text("王小明的单元长任期已结束")).to_be_visible()
