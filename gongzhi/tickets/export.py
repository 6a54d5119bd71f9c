"""Excel export of the measures (openpyxl), from the same Measures the page and API show."""

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from gongzhi.core.excel import row_of

from .measures import Measures

RATE_ROWS = range(1, 5)  # the four rates come right after the total in Measures.rows()


def measures_xlsx(m: Measures) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("三率统计")
    ws.append(row_of(ws, [_("统计范围"), m.node.name]))
    start, end = timezone.localtime(m.start), timezone.localtime(m.end)
    ws.append(row_of(ws, [_("统计期间"), _("%(a)s ~ %(b)s（不含）") % {"a": f"{start:%Y-%m-%d}", "b": f"{end:%Y-%m-%d}"}]))
    ws.append(row_of(ws, [_("截至"), f"{timezone.localtime(m.as_of):%Y-%m-%d %H:%M}"]))
    ws.append([])
    ws.append(row_of(ws, [_("指标"), _("数值")]))
    for cell in ws[5]:
        cell.font = Font(bold=True)
    for i, (label, value) in enumerate(m.rows()):
        ws.append(row_of(ws, [label, value if value is not None else "—"]))
        if i in RATE_ROWS and value is not None:
            ws.cell(row=ws.max_row, column=2).number_format = "0.00%"
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 28
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()
