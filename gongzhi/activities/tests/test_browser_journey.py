"""A volunteer's journey on a 360 px phone in a real Chromium: sign up → check in by opening the link in
the organiser's QR code → check out → the hour points appear → redeem them in the exchange."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gongzhi.activities.models import SignUp
from gongzhi.people.tests.factories import make_id, make_resident
from gongzhi.points import services as points
from gongzhi.points.models import Account, EarnKind
from gongzhi.territory.testing import build_world

from .conftest import make_activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}


def _login(page, url, username):
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill("Gongzhi-2026")
    page.get_by_role("button", name="登录").click()


def test_sign_up_scan_check_out_points_redeem(live_server, browser):
    world = build_world()
    staff = world.users["community_a"]
    make_resident(world.hh_a1, "张三", id_number=make_id(), user=world.users["resident_a1"])
    points.rule_version_create(actor=staff, community=world.community_a, effective_from=datetime.date(2020, 1, 1),
                               rules=[points.RuleInput(EarnKind.VOLUNTEER_HOUR, 10)])
    points.item_create(actor=staff, community=world.community_a, name="洗衣液", price=15, stock=1)
    make_activity(world, staff, title="健康义诊", start=timezone.now() - datetime.timedelta(minutes=10))

    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = phone.new_page()
    _login(page, live_server.url, "resident_a1")
    page.goto(f"{live_server.url}/activities/")
    page.get_by_role("link", name="健康义诊").click()
    page.get_by_role("button", name="报名").click()
    expect(page.get_by_text("报名成功")).to_be_visible()
    expect(page.get_by_test_id("my-status")).to_contain_text("已报名")

    organiser = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    _login(organiser, live_server.url, "community_a")
    organiser.goto(f"{live_server.url}/activities/")
    organiser.get_by_role("link", name="报名名单与签到").first.click()
    organiser.get_by_role("link", name="显示签到码").click()
    expect(organiser.locator(".qr-big svg")).to_be_visible()
    link = organiser.get_by_test_id("checkin-url").inner_text().strip()

    page.goto(link)  # what the phone's camera opens
    page.get_by_role("button", name="签到").click()
    expect(page.get_by_text("签到成功")).to_be_visible()
    SignUp.objects.update(checked_in_at=timezone.now() - datetime.timedelta(hours=2, minutes=5))  # two hours of work
    organiser.reload()  # the code page redraws itself every minute
    link = organiser.get_by_test_id("checkin-url").inner_text().strip()
    page.goto(link)
    page.get_by_role("button", name="签退").click()
    expect(page.get_by_text("签退成功，服务时长2.00小时")).to_be_visible()
    expect(page.get_by_test_id("total-hours")).to_have_text("2.00")

    page.get_by_role("link", name="我的积分").click()
    expect(page.get_by_test_id("balance")).to_have_text("20")
    page.get_by_role("link", name="去积分超市兑换").click()
    page.get_by_role("link", name="兑换").first.click()
    page.get_by_role("button", name="确认兑换").click()
    expect(page.get_by_text("兑换成功")).to_be_visible()
    expect(page.get_by_test_id("balance")).to_have_text("5")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path="/tmp/i14_points_360.png", full_page=True)
    assert Account.objects.get().balance == 5
