"""Excel export of the measures (openpyxl), from the same Measures the page and API show."""

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from gongzhi.core.excel import row_of

from .holidays import kind_code, weekday_label
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


def work_calendar_xlsx(year: int, days) -> bytes:
    """A year of the work calendar: 日期, 类型 (休/班), 名称, 星期 — the first three are the columns the
    CSV import reads, so the sheet saved as CSV from Excel or WPS imports again unchanged. Dates are
    text (YYYY-MM-DD) for that reason: a date cell would come back as 2027/2/6 or a serial number."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("%(y)s年工作日历") % {"y": year}
    ws.append(row_of(ws, [_("日期"), _("类型"), _("名称"), _("星期")]))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for d in days:
        ws.append(row_of(ws, [f"{d.date:%Y-%m-%d}", kind_code(d.is_workday), d.name, weekday_label(d.date)]))
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["C"].width = 24
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()
