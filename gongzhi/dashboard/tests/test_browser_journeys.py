"""The four phone journeys, each started from the role's home page at 360 px, with a screenshot of
every step (in $JOURNEY_SHOTS when set, else the test's temporary folder):
resident (file → follow → rate), grid worker (to-do → accept → resolve), staff (dispatch),
juror (home → score)."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from gongzhi.territory.testing import build_world
from gongzhi.tickets.models import Ticket
from gongzhi.tickets.testing import ensure_catalogue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("JOURNEY_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def shot(page, name):
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
        page.screenshot(path=str(folder / f"{name}.png"))

    shot.folder = folder
    return shot


def _phone(browser, base, username, browser_context_args):
    page = browser.new_context(**browser_context_args, viewport=PHONE).new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill("Gongzhi-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    return page


def test_resident_grid_worker_and_staff_journeys(live_server, browser, browser_context_args, shots):
    build_world()
    ensure_catalogue()
    base = live_server.url

    resident = _phone(browser, base, "resident_a1", browser_context_args)
    shots(resident, "resident-1-home")
    resident.get_by_test_id("file-demand").click()
    resident.get_by_label("分类").select_option(label="公共设施维修")
    resident.get_by_label("诉求内容").fill("单元门禁坏了，刷卡没有反应")
    shots(resident, "resident-2-file")
    resident.get_by_role("button", name="提交").click()
    pk = Ticket.objects.get().pk
    expect(resident.get_by_role("status")).to_contain_text(f"#{pk}")
    shots(resident, "resident-3-filed")

    staff = _phone(browser, base, "community_a", browser_context_args)
    shots(staff, "staff-1-home")
    staff.get_by_test_id("tile-dispatch").click()
    staff.get_by_role("link", name=re.compile("门禁")).first.click()
    staff.get_by_label("分办意见").fill("请网格员尽快联系物业维修门禁")
    shots(staff, "staff-2-dispatch")
    staff.locator("#btn-dispatch").click()
    expect(staff.get_by_role("status")).to_contain_text(f"已分办 #{pk}")
    shots(staff, "staff-3-dispatched")

    worker = _phone(browser, base, "grid_a1", browser_context_args)
    expect(worker.get_by_test_id("tile-accept")).to_contain_text("1")
    expect(worker.locator(".tabbar #badge-todo")).to_have_text("1")
    shots(worker, "grid-1-home")
    worker.get_by_test_id("tile-accept").click()
    worker.get_by_role("link", name=re.compile("门禁")).first.click()
    worker.locator("#btn-accept").click()
    expect(worker.get_by_role("status")).to_contain_text(f"已受理 #{pk}")
    shots(worker, "grid-2-accepted")
    worker.get_by_label("办理结果").fill("已联系物业更换读卡器，现场测试正常")
    worker.once("dialog", lambda d: d.accept())
    worker.locator("#btn-resolve").click()
    expect(worker.get_by_role("status")).to_contain_text(f"已办结 #{pk}")
    shots(worker, "grid-3-resolved")

    resident.goto(f"{base}/")
    resident.get_by_test_id("my-ticket").first.click()
    expect(resident.locator("#history")).not_to_contain_text("请网格员尽快联系物业")  # internal note
    resident.get_by_label("满意", exact=True).check()
    shots(resident, "resident-4-rate")
    resident.locator("#btn-rate").click()
    expect(resident.get_by_role("status")).to_contain_text(f"#{pk}")
    shots(resident, "resident-5-rated")
    assert Ticket.objects.get().rating == "satisfied"


def test_juror_home_to_score(live_server, browser, browser_context_args, shots):
    from gongzhi.evaluation.tests.conftest import build_hd

    hd = build_hd(build_world())
    period = hd.open()
    juror = hd.jurors["r1"].user
    juror.set_password("Gongzhi-2026")
    juror.save()
    page = _phone(browser, live_server.url, juror.username, browser_context_args)
    shots(page, "juror-1-home")
    page.get_by_test_id("juror-task").first.click()
    shots(page, "juror-2-subjects")
    page.locator(".subject-list a").first.click()
    for box in page.locator("input[type=number][required]").all():
        box.fill(box.get_attribute("max") or "0")
    shots(page, "juror-3-score")
    form_url = page.url
    page.get_by_role("button", name="提交本单元评分").click()  # sent by the offline-tolerant form script
    expect(page).not_to_have_url(form_url)
    expect(page.locator(".toast")).to_contain_text("已保存")
    shots(page, "juror-4-scored")
    from gongzhi.evaluation.models import ScoreSheet

    assert ScoreSheet.objects.filter(subject__period=period, submitted_by=juror, is_current=True).count() == 1


def test_home_cards_fit_phone_and_desk(live_server, browser, browser_context_args, shots):
    """The resident's and the grid worker's homes with every module's card, at 360 px and on a desk:
    nothing overflows, and each card is there (screenshots: home-<role>-<phone|desk>.png)."""
    import datetime

    from django.utils import timezone

    from gongzhi.activities import services as act
    from gongzhi.activities.tests.conftest import make_activity
    from gongzhi.dashboard.tests.test_home_pages import _campaign, _care, _d, _household_vote, _notice
    from gongzhi.people.tests.factories import make_id, make_resident
    from gongzhi.points.tests.conftest import fund

    world = build_world()
    resident = make_resident(world.hh_a1, "张秀兰", id_number=make_id(), user=world.users["resident_a1"])
    fund(resident, 120, world.users["community_a"])
    d = _d(world)
    _notice(d, "关于幸福小区1栋加装电梯的意见征集")
    _notice(d, "测试街道垃圾分类新规实施公告", place=world.street, staff="street")
    _household_vote(d, "中心花园健身器材选址（中心花园或北门空地）")
    soon = timezone.now() + datetime.timedelta(days=1)
    titles = ["社区义诊：量血压、测血糖", "周末亲子绘本共读会", "楼道杂物清理志愿服务", "老年人智能手机使用课堂"]
    acts = [make_activity(world, world.users["community_a"], title=t, capacity=10, start=soon + datetime.timedelta(days=i))
            for i, t in enumerate(titles)]
    act.signup_create(actor=world.users["resident_a1"], shift=acts[0].shifts.get())
    _care(world, 2, 1)
    _campaign(world, "汛期安全入户提醒敲门行动")

    for username, tid in (("resident_a1", "points-card"), ("grid_a1", "tile-care-due"), ("community_a", "h-topics")):
        page = _phone(browser, live_server.url, username, browser_context_args)
        expect(page.get_by_test_id(tid).or_(page.locator(f"#{tid}"))).to_be_visible()
        shots(page, f"home-{username}-phone")
        page.screenshot(path=str(shots.folder / f"home-{username}-phone-full.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 800})
        page.screenshot(path=str(shots.folder / f"home-{username}-desk.png"), full_page=True)
        if username == "grid_a1":
            expect(page.get_by_test_id("campaign")).to_contain_text("已走访 0/2")
