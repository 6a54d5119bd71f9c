"""Login → my grid → household, in a real Chromium, at phone width."""

import re

import pytest
from playwright.sync_api import expect

from gongzhi.territory.testing import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_grid_worker_login_my_grid_household(live_server, page):
    world = build_world()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("用户名或手机号").fill("grid_a1")
    page.get_by_label("密码").fill("Gongzhi-2026")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的网格")).to_be_visible()
    page.get_by_test_id("my-grid").filter(has_text="甲第一网格").click()
    expect(page.get_by_role("heading", name=re.compile("甲第一网格"))).to_be_visible()
    # Only this grid's household is listed; the other grid's is not.
    expect(page.get_by_test_id("household-link")).to_have_count(1)
    page.get_by_test_id("household-link").click()
    expect(page).to_have_url(re.compile(rf"/people/households/{world.hh_a1.pk}/"))
    expect(page.get_by_text(world.hh_a1.address).first).to_be_visible()
    # The page fits a 360 px phone: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_wrong_password_shows_chinese_error(live_server, page):
    build_world()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill("grid_a1")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("密码不正确")
