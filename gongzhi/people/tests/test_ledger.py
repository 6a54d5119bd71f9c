import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from gongzhi.accounts.models import AuditLog
from gongzhi.people import ledger
from gongzhi.people.models import Relation, Resident, ResidentTag
from gongzhi.territory.models import Household, Level, Node

from .factories import HEADERS, ledger_bytes, make_id, make_resident, row


def _import(world, data, user="community_a", community=None):
    return ledger.ledger_import(actor=world.users[user], community=community or world.community_a, data=data,
                                filename="t.xlsx")


@pytest.mark.django_db
def test_import_creates_nodes_households_residents_and_tags(world):
    head_id, wife_id = make_id("19480512", male=True), make_id("19500101", male=False)
    data = ledger_bytes([
        row(姓名="王大明", 身份证号=head_id, 重点人群="空巢老人、困难群体", 入住日期="2001/5/3"),
        row(姓名="李秀英", 与户主关系="妻子", 身份证号=wife_id, 性别="女", 重点人群="空巢老人"),
        row(小区="新建小区", 楼栋="5栋", 单元="2单元", 房号="502", 姓名="赵四", 与户主关系="户主", 联系电话=""),
        row(小区="", 楼栋="平房", 单元="", 房号="8号", 微网格编号="02-01", 姓名="钱五", 与户主关系="户主"),
    ])
    result = _import(world, data)
    assert result.ok, result.errors
    assert (result.created_households, result.created_residents, result.created_nodes) == (3, 4, 4)
    head = Resident.objects.get(id_number=head_id)
    assert head.household.number == "301" and head.household.node == world.unit_a1_1
    assert head.birth_date == datetime.date(1948, 5, 12) and head.gender == "M"
    assert head.moved_in_on == datetime.date(2001, 5, 3) and head.name_pinyin == "wangdaming wdm"
    assert set(head.tags.values_list("tag", flat=True)) == {"empty_nest", "hardship"}
    wife = Resident.objects.get(id_number=wife_id)
    assert wife.relation == Relation.SPOUSE and wife.household_id == head.household_id
    new_unit = Node.objects.get(name="2单元", parent__name="5栋", parent__parent__name="新建小区")
    assert new_unit.level == Level.UNIT and new_unit.path.startswith(world.community_a.path)
    bungalow = Household.objects.get(number="8号")
    assert bungalow.node.level == Level.BUILDING and bungalow.node.parent == world.community_a
    assert bungalow.micro_grid == world.micro_a2_1 and bungalow.address == "平房8号"
    assert AuditLog.objects.filter(action="import", target_id=str(world.community_a.pk)).count() == 1


@pytest.mark.django_db
def test_import_errors_carry_excel_row_numbers_and_write_nothing(world):
    dup = make_id()
    bad_check = make_id()[:17] + ("0" if make_id()[17] != "0" else "1")
    make_resident(world.hh_b1, "乙户主", id_number=(other := make_id()))
    data = ledger_bytes([
        row(姓名="甲", 身份证号=dup),                                   # row 3 (title row + header)
        row(姓名="乙", 与户主关系="配偶", 身份证号=dup),                  # 4: duplicate ID in file
        row(房号="302", 姓名="丙", 身份证号="110101195003011234"),        # 5: bad check digit
        row(房号="303", 姓名="丁", 微网格编号="99-99"),                  # 6: unknown micro-grid
        row(房号="304", 姓名="戊", 出生日期="1950-13-45"),               # 7: bad date
        row(房号="305", 姓名="己", 与户主关系="表哥"),                    # 8: unknown relation (and no head)
        row(房号="306", 姓名="庚"), row(房号="306", 姓名="辛"),           # 9, 10: two heads
        row(房号="307", 姓名="壬", 身份证号=other),                      # 11: ID of community B
        row(房号="308", 姓名="癸", 重点人群="外星人"),                    # 12: unknown tag
        row(房号="309", 姓名="子", 单元="2单元", 楼栋=""),                # 13: unit without building
        row(房号="", 姓名="丑"),                                        # 14: no room number
        row(房号="310", 姓名="寅", 联系电话="12345"),                    # 15: bad phone
        row(房号="311", 姓名="卯", 微网格编号="01"),                     # 16: a grid, not a micro-grid
    ], title_rows=1)
    del bad_check
    before = (Household.objects.count(), Resident.objects.count(), Node.objects.count(), ResidentTag.objects.count())
    result = _import(world, data)
    assert not result.ok
    got = {(e.row, e.column) for e in result.errors}
    expected = {(4, "身份证号"), (5, "身份证号"), (6, "微网格编号"), (7, "出生日期"), (8, "与户主关系"),
                (10, "与户主关系"), (11, "身份证号"), (12, "重点人群"), (13, "单元"), (14, "房号"),
                (15, "联系电话"), (16, "微网格编号")}
    assert expected <= got, sorted(got)
    assert 3 not in {e.row for e in result.errors}
    msgs = {e.row: e.message for e in result.errors}
    assert "第3行" in msgs[4] and "校验位" in msgs[5] and "99-99" in msgs[6]
    assert before == (Household.objects.count(), Resident.objects.count(), Node.objects.count(),
                      ResidentTag.objects.count())
    assert not AuditLog.objects.filter(action="import").exists()


@pytest.mark.django_db
def test_import_rejects_id_stored_as_number_and_masked_id(world):
    data = ledger_bytes([row(身份证号=make_id())], numeric_id=True)
    result = _import(world, data)
    assert [e.row for e in result.errors] == [2] and "文本格式" in result.errors[0].message
    result = _import(world, ledger_bytes([row(身份证号="110101********1234")]))
    assert "脱敏" in result.errors[0].message


@pytest.mark.django_db
def test_import_bad_file_and_missing_columns(world):
    result = _import(world, b"not an excel file")
    assert not result.ok and result.errors[0].row is None
    result = _import(world, ledger_bytes([{"姓名": "张三"}], headers=["姓名", "性别", "备注"]))
    assert "缺少必填列" in result.errors[0].message and "房号" in result.errors[0].message
    result = _import(world, ledger_bytes([]))
    assert "没有居民数据" in result.errors[0].message


@pytest.mark.django_db
def test_import_into_community_not_managed_is_denied(world):
    for user in ("community_b", "grid_a1"):
        with pytest.raises(PermissionDenied):
            _import(world, ledger_bytes([row()]), user=user)


@pytest.mark.django_db
def test_reimport_updates_instead_of_duplicating(world):
    hid = make_id("19600101")
    data = ledger_bytes([row(姓名="王大明", 身份证号=hid, 重点人群="困难群体"), row(姓名="王小明", 与户主关系="子女")])
    assert _import(world, data).ok
    n_res, n_hh = Resident.objects.count(), Household.objects.count()
    data2 = ledger_bytes([
        row(姓名="王大明", 身份证号=hid, 联系电话="13700001111", 重点人群="退役军人"),
        row(姓名="王小明", 与户主关系="子女", 身份证号=make_id("20100101")),
    ])
    result = _import(world, data2)
    assert result.ok, result.errors
    assert (result.created_residents, result.updated_residents, result.created_households) == (0, 2, 0)
    assert (Resident.objects.count(), Household.objects.count()) == (n_res, n_hh)
    head = Resident.objects.get(id_number=hid)
    assert head.phone == "13700001111"
    assert list(head.tags.values_list("tag", flat=True)) == ["veteran"]
    assert Resident.objects.get(name="王小明").id_number is not None


@pytest.mark.django_db
def test_reimport_can_swap_head_and_refuses_silent_head_change(world):
    a, b = make_id("19600101"), make_id("19620101", male=False)
    assert _import(world, ledger_bytes([row(姓名="甲", 身份证号=a), row(姓名="乙", 与户主关系="配偶", 身份证号=b)])).ok
    swapped = ledger_bytes([row(姓名="甲", 与户主关系="配偶", 身份证号=a), row(姓名="乙", 与户主关系="户主", 身份证号=b)])
    assert _import(world, swapped).ok
    assert Resident.objects.get(id_number=b).relation == Relation.HEAD
    assert Resident.objects.get(id_number=a).relation == Relation.SPOUSE
    # A new head while the stored head is not listed: refused, with the row number.
    result = _import(world, ledger_bytes([row(姓名="丙", 身份证号=make_id())]))
    assert not result.ok and result.errors[0].row == 2 and "乙" in result.errors[0].message


def _open_both(data: bytes):
    wb = load_workbook(io.BytesIO(data), read_only=True)
    ws = wb["居民台账"]
    opx = [list(r) for r in ws.iter_rows(values_only=True)]
    cal = CalamineWorkbook.from_object(io.BytesIO(data)).get_sheet_by_name("居民台账").to_python()
    return opx, cal


@pytest.mark.django_db
def test_export_round_trip_full_for_staff(world):
    hid, cid = make_id("19480512"), make_id("20150601", male=False)
    data = ledger_bytes([
        row(姓名="王大明", 身份证号=hid, 重点人群="空巢老人、困难群体", 入住日期="2001-05-03", 备注="独居"),
        row(姓名="王小红", 与户主关系="孙女", 身份证号=cid, 重点人群="未成年人"),
        row(小区="", 楼栋="平房", 单元="", 房号="8号", 微网格编号="02-01", 姓名="钱五", 联系电话="028-86001234"),
    ])
    assert _import(world, data).ok
    staff = world.users["community_a"]
    out = ledger.ledger_export(actor=staff, households=Household.objects.filter(node_path__under=world.community_a.path),
                               full=True, label="甲社区")
    opx, cal = _open_both(out)
    assert opx[0] == HEADERS and [str(c) for c in cal[0]] == HEADERS
    assert len(opx) == 4 and len(cal) == 4
    by_name = {r[5]: r for r in opx[1:]}
    assert by_name["王大明"][8] == hid and by_name["王大明"][11] == "空巢老人、困难群体"
    assert by_name["王小红"][6] == "孙子女"
    assert by_name["钱五"][:4] == [None, "平房", None, "8号"]
    wb = load_workbook(io.BytesIO(out))
    ws = wb["居民台账"]
    assert ws.freeze_panes == "A2" and ws["A1"].font.b
    # Re-importing the export changes nothing.
    counts = (Household.objects.count(), Resident.objects.count(), Node.objects.count(), ResidentTag.objects.count())
    result = _import(world, out)
    assert result.ok, result.errors
    assert (result.created_residents, result.updated_residents, result.unchanged_residents) == (0, 0, 3)
    assert counts == (Household.objects.count(), Resident.objects.count(), Node.objects.count(),
                      ResidentTag.objects.count())
    ev = AuditLog.objects.filter(action="export").get()
    assert ev.actor == staff and ev.detail == {"rows": 3, "full": True}


@pytest.mark.django_db
def test_export_masks_unless_allowed_and_asked(world):
    hid = make_id("19480512")
    make_resident(world.hh_a1, "王大明", id_number=hid, phone="13912345678")
    hh = Household.objects.filter(pk=world.hh_a1.pk)
    for user, full, shown in (("grid_a1", True, False), ("community_a", False, False), ("community_a", True, True)):
        out = ledger.ledger_export(actor=world.users[user], households=hh, full=full)
        opx, cal = _open_both(out)
        assert (opx[1][8] == hid) is shown and (cal[1][8] == hid) is shown
        if not shown:
            assert opx[1][8] == hid[:6] + "********" + hid[-4:] and opx[1][10] == "139****5678"
    assert list(AuditLog.objects.filter(action="export").values_list("detail__full", flat=True)) == [True, False, False]


@pytest.mark.django_db
def test_template_has_header_and_imports_as_empty(world):
    data = ledger.ledger_template()
    opx, cal = _open_both(data)
    assert opx[0] == HEADERS
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["居民台账", "填写说明"]
    assert "没有居民数据" in _import(world, data).errors[0].message


def test_a_new_check_discards_the_file_checked_before(client_for, world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    settings.MEDIA_ROOT = tmp_path
    c, url = client_for(world.users["community_a"]), reverse("people:import")
    kept = []
    for _i in range(2):
        upload = SimpleUploadedFile("台账.xlsx", ledger_bytes([row(身份证号=make_id())]))
        resp = c.post(url, {"community": world.community_a.pk, "file": upload})
        assert resp.status_code == 200
        kept.append(resp.context["confirm_token"])
    assert [p.name for p in (tmp_path / "ledger-pending").iterdir()] == [f"{kept[1]}.xlsx"]
