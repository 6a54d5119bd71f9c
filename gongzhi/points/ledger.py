"""The points ledger of a community and period as an Excel workbook (every user-supplied cell is text)."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from . import selectors


def text_cell(ws, row: int, col: int, value) -> None:
    """A cell that Excel shows as typed: a string (even '=…') is never a formula."""
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        cell.number_format = "@"


def build_points_ledger(community, start, end) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("积分明细")
    ws.append([f"{community.name} {_('积分台账')} {start:%Y-%m-%d} — {end:%Y-%m-%d}"])
    ws["A1"].font = Font(bold=True, size=13)
    header = [_("时间"), _("居民"), _("类型"), _("项目"), _("积分"), _("说明"), _("来源"), _("经办人")]
    ws.append(header)
    r = 3
    for e in selectors.ledger_rows(community, start, end).iterator(chunk_size=2000):
        values = [timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M"), e.account.resident.name,
                  e.get_kind_display(), e.get_rule_display() if e.rule else "", e.amount, e.note, e.source_key,
                  e.actor.display_name if e.actor else ""]
        for c, v in enumerate(values, start=1):
            text_cell(ws, r, c, v)
        r += 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
