"""core.excel: every string written to a workbook is text, never a formula."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from gongzhi.core.excel import row_of, text_cell

HOSTILE = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","点我")']


def cells_of(data: bytes, sheet=None):
    wb = load_workbook(io.BytesIO(data))
    ws = wb[sheet] if sheet else wb.worksheets[-1]
    return [c for row in ws.iter_rows() for c in row if c.value is not None]


@pytest.mark.parametrize("write_only", [True, False])
def test_strings_become_text_with_a_quote_prefix_when_they_could_be_formulas(write_only):
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("x") if write_only else wb.active
    ws.append(row_of(ws, [*HOSTILE, "正常", 5, None]))
    buf = io.BytesIO()
    wb.save(buf)
    cells = cells_of(buf.getvalue())
    for c in cells[:len(HOSTILE)]:
        assert c.data_type == "s" and c.quotePrefix, c.value
    assert cells[len(HOSTILE)].value == "正常" and not cells[len(HOSTILE)].quotePrefix
    assert cells[-1].value == 5 and cells[-1].data_type == "n"


def test_control_characters_are_dropped_instead_of_failing_the_export():
    wb = Workbook()
    ws = wb.active
    ws.append([text_cell(ws, "备注\x01\x02有控制字符")])
    buf = io.BytesIO()
    wb.save(buf)
    assert cells_of(buf.getvalue())[0].value == "备注有控制字符"
