"""Hostile and awkward workbooks: refused with one clear Chinese message, read without building
huge ranges, nothing written. The files are made by hand here (no fixtures on disk)."""

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from gongzhi.people import ledger
from gongzhi.people.models import Resident

from .factories import HEADERS, ledger_bytes, make_id, make_resident, row

pytestmark = pytest.mark.django_db


def _import(world, data):
    return ledger.ledger_import(actor=world.users["community_a"], community=world.community_a, data=data)


def _only_message(result) -> str:
    assert not result.ok and len(result.errors) == 1 and result.errors[0].row is None, result.errors
    return result.errors[0].message


def test_a_cell_at_xfd1048576_is_refused_by_the_sheets_dimensions(world):
    wb = Workbook()
    ws = wb.active
    ws.title = "居民台账"
    ws.append(HEADERS)
    ws["XFD1048576"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    assert len(buf.getvalue()) < 20_000  # a tiny file ...
    msg = _only_message(_import(world, buf.getvalue()))  # ... that declares 17 billion cells
    assert "数据范围过大" in msg and "1048576" in msg


def test_a_far_cell_without_a_dimension_is_read_lazily_and_bounded(world):
    """The <dimension> element removed: the rows are still read one by one and stop at the limit."""
    wb = Workbook()
    ws = wb.active
    ws.title = "居民台账"
    ws.append(HEADERS)
    ws.append(list(row().get(h) for h in HEADERS))
    ws["XFD1048576"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                import re
                data = re.sub(rb"<dimension[^>]*/>", b"", data)
            z.writestr(info, data)
    msg = _only_message(_import(world, out.getvalue()))
    assert "一次最多导入" in msg
    assert not Resident.objects.filter(name="王大明").exists()


def test_a_zip_bomb_is_refused_before_it_is_inflated(world, monkeypatch):
    """A sheet that inflates past the limit: refused from the archive's declared sizes. (The limit is
    lowered so that the test's file stays small; the check is the same.)"""
    from gongzhi.people.ledger import reading

    monkeypatch.setattr(reading, "MAX_UNZIPPED_BYTES", 5 * 1024 * 1024)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<c>" + b"A" * (6 * 1024 * 1024) + b"</c>")
    assert len(out.getvalue()) < 100_000
    msg = _only_message(_import(world, out.getvalue()))
    assert "解压后超过" in msg


def test_the_real_limit_refuses_gigabytes(world):
    from gongzhi.people.ledger import reading

    assert reading.MAX_UNZIPPED_BYTES <= 256 * 1024 * 1024


def test_old_xls_and_junk_are_refused_clearly(world):
    assert ".xlsx" in _only_message(_import(world, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600))
    assert "无法读取" in _only_message(_import(world, b"PK\x03\x04 not really a zip"))
    assert "无法读取" in _only_message(_import(world, b""))


def test_a_masked_export_read_back_says_so_once(world):
    for i in range(30):
        make_resident(world.hh_a1 if i == 0 else world.hh_a2, f"居民{i}", id_number=make_id(),
                      relation="head" if i < 2 else "child")
    from gongzhi.territory.models import Household

    data = ledger.ledger_export(actor=world.users["community_a"], households=Household.objects.all(), full=False)
    msg = _only_message(_import(world, data))
    assert "脱敏" in msg and "不能导入" in msg


def test_the_check_writes_nothing_and_counts_what_the_import_would_do(world):
    data = ledger_bytes([row(身份证号=make_id()), row(姓名="李四", 与户主关系="配偶")])
    before = Resident.objects.count()
    checked = ledger.ledger_check(actor=world.users["community_a"], community=world.community_a, data=data)
    assert checked.ok and checked.checked_only and checked.created_residents == 2
    assert Resident.objects.count() == before
    done = _import(world, data)
    assert done.ok and not done.checked_only and done.created_residents == 2
    assert Resident.objects.count() == before + 2


def test_formula_like_cells_come_out_as_text_in_the_ledger_export(world):
    make_resident(world.hh_a1, "=HYPERLINK(\"http://x\",\"点我\")", note="+SUM(1,2)", phone="")
    from gongzhi.territory.models import Household

    data = ledger.ledger_export(actor=world.users["community_a"], households=Household.objects.all(), full=True)
    ws = load_workbook(io.BytesIO(data))["居民台账"]
    cells = [c for r in ws.iter_rows(min_row=2) for c in r if isinstance(c.value, str) and c.value[:1] in "=+"]
    assert len(cells) == 2 and all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_an_archive_declaring_too_many_members_is_refused_before_it_is_listed(world, monkeypatch):
    data = ledger_bytes([])
    end = data[-22:]
    declaring = data[:-22] + end[:8] + (0xFFFF).to_bytes(2, "little") * 2 + end[12:]
    listed = []
    real = zipfile.ZipFile._RealGetContents
    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", lambda z: listed.append(1) or real(z))
    assert "解压后超过" in _only_message(_import(world, declaring))
    assert listed == []
