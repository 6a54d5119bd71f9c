"""Residents' ledger in a real Chromium at a desk: community staff uploads a workbook with errors (nothing
is written, the error table names the Excel rows), uploads the corrected one, then exports it (masked, and
in full) and opens the downloads with openpyxl."""

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from gongzhi.people.models import Resident
from gongzhi.territory.testing import build_world

from .factories import ledger_bytes, make_id, make_resident, row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESK = {"width": 1280, "height": 800}


def _rows(download) -> list[dict]:
    with open(download.path(), "rb") as f:  # the download is saved without an extension
        ws = load_workbook(f, read_only=True)["居民台账"]
        values = list(ws.iter_rows(values_only=True))
    headers = values[0]
    return [dict(zip(headers, v, strict=False)) for v in values[1:]]


def test_staff_imports_ledger_fixes_errors_and_exports(live_server, page, tmp_path):
    world = build_world()
    make_resident(world.hh_b1, "乙社区居民", id_number=make_id("19600101"))  # another community: never exported
    head_id, wife_id, tenant_id = make_id("19480512"), make_id("19500101", male=False), make_id("19850707")
    bad_wife_id = wife_id[:17] + ("0" if wife_id[17] != "0" else "1")
    good = [
        row(姓名="王大明", 身份证号=head_id, 重点人群="空巢老人"),                         # Excel row 2
        row(姓名="李秀英", 与户主关系="妻子", 身份证号=wife_id),                           # 3
        row(房号="302", 微网格编号="02-01", 姓名="赵小四", 身份证号=tenant_id),            # 4
    ]
    bad = [good[0], {**good[1], "身份证号": bad_wife_id}, {**good[2], "微网格编号": "99-99"}]
    (tmp_path / "台账-有错.xlsx").write_bytes(ledger_bytes(bad))
    (tmp_path / "台账.xlsx").write_bytes(ledger_bytes(good))
    before = Resident.objects.count()

    page.set_viewport_size(DESK)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill("community_a")
    page.get_by_label("密码").fill("Gongzhi-2026")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="导入", exact=True).click()
    expect(page.get_by_role("heading", name="居民台账导入")).to_be_visible()
    # One community to manage: it is preselected.
    expect(page.get_by_label("导入到社区")).to_have_value(str(world.community_a.pk))

    # 1. A workbook with errors: the table names the Excel rows and nothing is written.
    page.get_by_label("台账文件").set_input_files(tmp_path / "台账-有错.xlsx")
    page.get_by_role("button", name="上传并校验").click()
    expect(page.get_by_test_id("import-errors")).to_contain_text("发现 2 处错误，整表未导入")
    error_rows = page.locator("table").first.locator("tbody tr")
    expect(error_rows).to_have_count(2)
    expect(error_rows.nth(0)).to_contain_text(re.compile(r"第 3 行\s*身份证号.*校验位"))
    expect(error_rows.nth(1)).to_contain_text(re.compile(r"第 4 行\s*微网格编号.*99-99"))
    assert Resident.objects.count() == before
    assert page.evaluate("document.documentElement.scrollWidth") <= DESK["width"]

    # 2. The corrected workbook: the check's counts first, nothing written; then the import on confirmation.
    page.get_by_label("台账文件").set_input_files(tmp_path / "台账.xlsx")
    page.get_by_role("button", name="上传并校验").click()
    expect(page.get_by_test_id("import-checked")).to_contain_text("新增居民 3 人")
    assert Resident.objects.count() == before
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_test_id("import-ok")).to_contain_text("共 3 行")
    expect(page.get_by_test_id("import-ok")).to_contain_text("新增居民 3 人")
    expect(page.get_by_test_id("import-errors")).to_have_count(0)
    assert Resident.objects.count() == before + 3
    imported = {r.name: r for r in Resident.objects.filter(household__node_path__startswith=world.community_a.path)}
    assert imported["李秀英"].id_number == wife_id and imported["李秀英"].household == imported["王大明"].household
    assert imported["赵小四"].household.micro_grid == world.micro_a2_1

    # 3. Export (masked): this community's residents only, ID numbers and phones masked.
    with page.expect_download() as dl:
        page.get_by_role("link", name="导出我可见的台账（脱敏）").click()
    assert dl.value.suggested_filename.endswith(".xlsx")
    masked = {r["姓名"]: r for r in _rows(dl.value)}
    assert set(masked) == {"王大明", "李秀英", "赵小四"}
    for name, pid in (("王大明", head_id), ("李秀英", wife_id), ("赵小四", tenant_id)):
        assert masked[name]["身份证号"] == pid[:6] + "********" + pid[-4:]
    assert masked["王大明"]["联系电话"] != "13912345678" and "*" in masked["王大明"]["联系电话"]
    assert masked["王大明"]["重点人群"] == "空巢老人"

    # 4. Export in full: the real ID numbers, as they were imported.
    page.once("dialog", lambda d: d.accept())  # the full export asks for confirmation first
    with page.expect_download() as dl:
        page.get_by_role("link", name=re.compile("导出完整台账")).click()
    full = {r["姓名"]: r for r in _rows(dl.value)}
    assert set(full) == {"王大明", "李秀英", "赵小四"}
    assert full["王大明"]["身份证号"] == head_id and full["李秀英"]["身份证号"] == wife_id
    assert full["王大明"]["联系电话"] == "13912345678"
