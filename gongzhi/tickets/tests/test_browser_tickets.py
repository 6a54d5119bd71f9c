"""Submit → dispatch → resolve → rate in a real Chromium: resident and grid worker on a phone,
community staff at a desk."""

import re

import pytest
from playwright.sync_api import expect

from gongzhi.territory.testing import build_world
from gongzhi.tickets.models import Ticket
from gongzhi.tickets.testing import ensure_catalogue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}


def _login(browser, base, username, browser_context_args, phone=True):
    ctx = browser.new_context(**browser_context_args, viewport=PHONE if phone else {"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(f"{base}/accounts/login/?next=/tickets/mine/")  # straight to tickets, not the home page
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill("Gongzhi-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    return page


def test_submit_dispatch_resolve_rate(live_server, browser, browser_context_args):
    build_world()
    ensure_catalogue()
    base = live_server.url

    resident = _login(browser, base, "resident_a1", browser_context_args)
    resident.goto(f"{base}/tickets/new/")
    resident.get_by_label("分类").select_option(label="公共设施维修")
    resident.get_by_label("诉求内容").fill("单元楼道的声控灯坏了，晚上上下楼很危险")
    resident.get_by_role("button", name="提交").click()
    expect(resident.locator("#status")).to_have_text("待分办")
    assert resident.evaluate("document.documentElement.scrollWidth") <= 360
    pk = Ticket.objects.get().pk

    staff = _login(browser, base, "community_a", browser_context_args, phone=False)
    staff.goto(f"{base}/tickets/board/")
    staff.get_by_role("link", name=re.compile("声控灯")).click()
    expect(staff.get_by_text("建议承办")).to_contain_text("网格")
    staff.locator("#btn-dispatch").click()
    expect(staff.locator("#status")).to_have_text("已分办")

    worker = _login(browser, base, "grid_a1", browser_context_args)
    worker.goto(f"{base}/tickets/queue/")
    worker.get_by_role("link", name=re.compile("声控灯")).click()
    worker.locator("#btn-accept").click()
    expect(worker.locator("#status")).to_have_text("已受理")
    worker.get_by_label("办理结果").fill("已更换声控灯，现场测试正常")
    worker.once("dialog", lambda d: d.accept())  # 办结 asks for confirmation
    worker.locator("#btn-resolve").click()
    expect(worker.locator("#status")).to_have_text("已办结")

    resident.goto(f"{base}/tickets/{pk}/")
    resident.get_by_label("满意", exact=True).check()
    resident.locator("#btn-rate").click()
    expect(resident.locator("#status")).to_have_text("已回访")
    expect(resident.locator("#history")).to_contain_text("已更换声控灯")
    resident.goto(f"{base}/tickets/mine/")
    expect(resident.get_by_role("link", name=re.compile("声控灯")).first).to_be_visible()
    t = Ticket.objects.get()
    assert (t.status, t.rating, t.events.count()) == ("followed_up", "satisfied", 5)
