"""Browser journey at 1280 px: community staff set their community up through the pages — a grid and
a micro-grid, a compound built in bulk after a preview, 十户一联, a grid worker's account and
appointment — on a database holding only the division tree and the staff member."""

import pytest

from gongzhi.territory.models import Grid, Household, Level, Node, Role
from gongzhi.territory.testing import assign, make_node, make_user

PASSWORD = "Gongzhi-2026"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_community_set_up_at_desk_width(live_server, page, tmp_path):
    from playwright.sync_api import expect

    province = make_node(None, Level.PROVINCE, "测试省", "990000000000")
    city = make_node(province, Level.CITY, "测试市", "990100000000")
    county = make_node(city, Level.COUNTY, "测试区", "990101000000")
    street = make_node(county, Level.STREET, "测试街道", "990101001000")
    community = make_node(street, Level.COMMUNITY, "和睦社区", "990101001001")
    staff = make_user("sq_staff", name="社区干事", password=PASSWORD)
    assign(staff, Role.COMMUNITY_STAFF, community)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/?next=/territory/setup/")
    page.get_by_label("用户名或手机号").fill("sq_staff")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="社区设置")).to_be_visible()
    page.get_by_test_id(f"setup-{community.pk}").click()

    # A grid, then a micro-grid under it.
    page.get_by_test_id("grid-new").click()
    page.get_by_label("编号").fill("01")
    page.get_by_label("名称").fill("第一网格")
    page.get_by_role("button", name="建立").click()
    expect(page.get_by_text("已建立网格“第一网格”")).to_be_visible()
    page.get_by_test_id("grid-row").filter(has_text="第一网格").get_by_role("link", name="划微网格").click()
    page.get_by_label("编号").fill("01-00")
    page.get_by_label("名称").fill("待划分")
    page.get_by_role("button", name="建立").click()
    expect(page.get_by_text("已建立微网格“待划分”")).to_be_visible()

    # The bulk builder: preview, then confirm.
    page.get_by_test_id("build").click()
    page.get_by_label("小区名称（散居楼栋留空）").fill("和睦家园")
    page.get_by_label("楼栋数").fill("4")
    page.get_by_label("每栋单元数（无单元填0）").fill("2")
    page.get_by_label("层数").fill("6")
    page.get_by_label("每层户数").fill("2")
    page.get_by_label("住户先归入的微网格").select_option(label="01-00 待划分")
    page.get_by_test_id("preview-btn").click()
    expect(page.get_by_test_id("preview")).to_contain_text("4 栋 × 2 单元 × 6 层 × 每层 2 户")
    expect(page.get_by_test_id("preview")).to_contain_text("96 户")
    page.screenshot(path=str(tmp_path / "build-preview-1280.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.get_by_test_id("confirm").click()
    expect(page.get_by_text("已生成4栋楼、96户")).to_be_visible()

    # 十户一联 on the grid's page.
    page.get_by_test_id("grid-row").filter(has_text="第一网格").get_by_role("link", name="管理").click()
    page.get_by_label("位置（小区、楼栋或单元）").select_option(label="和睦家园")
    page.get_by_label("每组户数（十户一联）").fill("10")
    page.get_by_role("button", name="划分").click()
    expect(page.get_by_text("已按十户一联划出10个微网格")).to_be_visible()
    page.screenshot(path=str(tmp_path / "grid-1280.png"), full_page=True)

    # A grid worker's account, then the appointment on the next page.
    page.goto(f"{live_server.url}/territory/setup/accounts/new/")
    page.get_by_label("用户名").fill("wg_first")
    page.get_by_label("姓名").fill("第一网格员")
    page.get_by_label("初始密码").fill("Gongzhi-2026-x")
    page.get_by_role("button", name="开通").click()
    expect(page.get_by_text("已开通账号“wg_first”")).to_be_visible()
    page.get_by_label("先选择角色").select_option(Role.GRID_WORKER)
    page.get_by_role("button", name="列出可任职对象").click()
    expect(page.get_by_label("人员（用户名或手机号）")).to_have_value("wg_first")
    grid = Grid.objects.get(community=community, code="01")
    page.locator("select[name=target]").select_option(f"grid:{grid.pk}")
    page.get_by_role("button", name="确认任命").click()
    expect(page.get_by_text("已任命第一网格员为网格员")).to_be_visible()

    compound = Node.objects.get(parent=community, name="和睦家园")
    assert Household.objects.filter(node_path__startswith=compound.path).count() == 96
    assert not Household.objects.filter(micro_grid__code="01-00").exists()
    assert Grid.objects.filter(parent=grid).count() == 11
