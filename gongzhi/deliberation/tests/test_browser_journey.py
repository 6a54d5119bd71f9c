"""From a resident's proposal to published feedback, in a real Chromium at phone width (360 px)."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gongzhi.deliberation.models import PlaceSettings, Topic
from gongzhi.territory.models import Role
from gongzhi.territory.testing import assign, build_world, make_household, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, base, username):
    # The previous page's badge request must finish first: its answer carries the old session's cookie.
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill("Gongzhi-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_proposal_to_feedback_on_a_phone(live_server, page):
    world = build_world()
    PlaceSettings.objects.create(node=world.compound_a, cosign_threshold=2)
    neighbour = make_user("neighbour", name="邻居")
    assign(neighbour, Role.RESIDENT, make_household(world.unit_a1_1, world.micro_a1_1, "103"))
    base = live_server.url
    page.set_viewport_size({"width": 360, "height": 740})

    # A resident proposes; a neighbour co-signs: it becomes a topic.
    login(page, base, "resident_a1")
    page.goto(f"{base}/deliberation/my/")
    page.get_by_role("link", name="我要提议").click()
    page.get_by_label("提议事项：").fill("增设电动车充电桩")
    page.get_by_label("建议怎么做：").fill("在北门车棚安装 20 个充电口")
    page.get_by_role("button", name="发起提议").click()
    expect(page.get_by_text("已有 1 户联署")).to_be_visible()
    fits(page)
    topic = Topic.objects.get(title="增设电动车充电桩")
    login(page, base, "neighbour")
    page.goto(f"{base}/deliberation/my/")
    page.get_by_role("link", name="增设电动车充电桩").click()
    page.get_by_role("button", name="我家联署").click()
    expect(page.get_by_text("联署成功")).to_be_visible()

    # The secretary runs the five steps on a phone.
    login(page, base, "community_a")
    page.goto(f"{base}/deliberation/topics/{topic.pk}/")
    expect(page.get_by_text("制定方案").first).to_be_visible()
    page.get_by_role("button", name="发布公告").click()
    expect(page.get_by_text("公告已发布")).to_be_visible()
    page.get_by_label("会议形式：").select_option("pavilion")
    page.get_by_label("会议时间：").fill((timezone.localtime() + datetime.timedelta(days=8)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("会议地点：").fill("小区凉亭")
    page.get_by_role("button", name="保存会议").click()
    expect(page.get_by_text("会议已安排")).to_be_visible()
    fits(page)

    # A resident comments during the notice period.
    login(page, base, "resident_a1")
    page.goto(f"{base}/deliberation/topics/{topic.pk}/")
    page.get_by_placeholder("写下您的意见").fill("建议加装雨棚")
    page.get_by_role("button", name="提交意见").click()
    expect(page.get_by_text("意见已提交")).to_be_visible()

    Topic.objects.filter(pk=topic.pk).update(notice_until=timezone.localdate())  # the notice period has passed
    login(page, base, "community_a")
    page.goto(f"{base}/deliberation/topics/{topic.pk}/")
    page.get_by_role("button", name="公告期满，开始协商").click()
    page.get_by_label("决定内容：").fill("在北门车棚安装 20 个充电口，物业负责")
    page.get_by_role("button", name="记录决定").click()
    expect(page.get_by_text("决定已记录")).to_be_visible()
    page.get_by_label("落实方式：").select_option("task")
    page.get_by_label("责任人：").fill("物业王经理")
    page.get_by_label("完成期限：").fill((timezone.localdate() + datetime.timedelta(days=30)).isoformat())
    page.get_by_role("button", name="登记落实").click()
    expect(page.get_by_text("落实情况已登记")).to_be_visible()
    page.get_by_label("反馈内容：").fill("20 个充电口已安装并通电")
    page.get_by_role("button", name="发布反馈并办结").click()
    expect(page.get_by_text("反馈已公示，议题办结")).to_be_visible()
    expect(page.locator(".history li")).to_have_count(8)
    fits(page)

    # The public board shows the feedback without login; the resident rates it.
    page.context.clear_cookies()
    page.goto(f"{base}/deliberation/board/{world.community_a.pk}/")
    page.get_by_role("link", name="增设电动车充电桩").click()
    expect(page.get_by_text("20 个充电口已安装并通电")).to_be_visible()
    expect(page.get_by_text("建议加装雨棚")).to_have_count(0)
    fits(page)
    login(page, base, "resident_a1")
    page.goto(f"{base}/deliberation/topics/{topic.pk}/")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_text("感谢您的评价")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/deliberation/topics/{topic.pk}/"))
