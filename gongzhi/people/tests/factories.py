"""Helpers for the people tests: valid ID numbers, residents, ledger workbooks."""

import io
import itertools

from gongzhi.core.validators import id_number_check_digit
from gongzhi.people.ledger import COLUMNS
from gongzhi.people.models import Relation, Resident
from gongzhi.people.pinyin import name_pinyin

_seq = itertools.count(1)
HEADERS = [str(c.header) for c in COLUMNS]


def make_id(birth: str = "19500301", *, male: bool = True, region: str = "110101", seq: int | None = None) -> str:
    """A valid GB 11643 number; odd 17th digit = male."""
    n = next(_seq) if seq is None else seq
    # 500 sequence numbers per sex and birth date; beyond that, the region code changes.
    order = f"{(n % 500) * 2 + (1 if male else 0):03d}"
    region = f"{int(region) + n // 500:06d}"
    first17 = region + birth + order
    return first17 + id_number_check_digit(first17)


def make_resident(household, name: str, *, relation: str = Relation.HEAD, id_number: str | None = None,
                  phone: str = "13800138000", **extra) -> Resident:
    return Resident.objects.create(household=household, name=name, name_pinyin=name_pinyin(name),
                                   relation=relation, id_number=id_number, phone=phone, **extra)


def ledger_bytes(rows: list[dict], *, headers: list[str] | None = None, title_rows: int = 0,
                 numeric_id: bool = False) -> bytes:
    """A workbook with the ledger header and one row per dict (keys are Chinese headers)."""
    from openpyxl import Workbook

    headers = headers or HEADERS
    wb = Workbook()
    ws = wb.active
    ws.title = "居民台账"
    for i in range(title_rows):
        ws.append([f"测试社区居民台账（第{i + 1}行标题）"])
    ws.append(headers)
    for r in rows:
        values = []
        for h in headers:
            v = r.get(h)
            if numeric_id and h == "身份证号" and v:
                v = int(v[:17])
            values.append(v)
        ws.append(values)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def row(**kw) -> dict:
    """A ledger row for 甲社区's 幸福小区 1栋 1单元 in micro-grid 01-01, overridable by Chinese header."""
    base = {"小区": "幸福小区", "楼栋": "1栋", "单元": "1单元", "房号": "301", "微网格编号": "01-01",
            "姓名": "王大明", "与户主关系": "户主", "联系电话": "13912345678"}
    base.update({k: v for k, v in kw.items()})
    return base
