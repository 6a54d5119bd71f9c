"""The notice-board ledger as an Excel workbook: the rules in force, one sheet per closed month, the year."""

import datetime
import io
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from gongzhi.core.excel import row_of

from . import selectors
from .models import RuleSet, YearAward

HEAD_FONT = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="F0F3F6")
FLAG_FILL = PatternFill("solid", fgColor="FFEBE9")


def _num(d: Decimal | None):
    return None if d is None else float(d)


def _header(ws, title: str, columns: list[tuple[str, int]]) -> None:
    ws.append(row_of(ws, [title]))
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(row_of(ws, [c for c, _w in columns]))
    for i, (_c, width) in enumerate(columns, start=1):
        cell = ws.cell(row=2, column=i)
        cell.font, cell.fill = HEAD_FONT, HEAD_FILL
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = "A3"


def build_ledger(rule_set: RuleSet, year: int) -> bytes:
    wb = Workbook()
    rules = wb.active
    rules.title = _("评分细则")
    version = selectors.version_for_board(rule_set, min(datetime.date(year, 12, 31), timezone.localdate()))
    _header(rules, f"{rule_set.node.name} {rule_set.name}",
            [(_("序号"), 6), (_("方面"), 12), (_("类别"), 12), (_("内容"), 60), (_("分值"), 8), (_("每期上限"), 10)])
    if version is not None:
        for item in selectors.version_items(version):
            rules.append(row_of(rules, [item.position, item.get_category_display(), item.get_kind_display(),
                                        item.description, _num(item.points), _num(item.cap)]))
        rules.append([])
        rules.append(row_of(rules, [_("版本"), _("第%(n)s版，%(a)s起施行") % {
            "n": version.number, "a": version.effective_from.isoformat()}]))
        rules.append(row_of(rules, [_("通过"), version.adopted_by]))
    title = selectors.version_for_board(rule_set, datetime.date(year, 12, 31))
    flag_title = title.top_title if title else _("表彰")
    for period in reversed(list(selectors.closed_periods(rule_set, year))):
        ws = wb.create_sheet(period.label[:31])
        _header(ws, f"{rule_set.name} {period.label}（{_('第%(n)s版细则') % {'n': period.version.number}}）",
                [(_("名次"), 6), (_("对象"), 16), (_("基础分"), 8), (_("评分项"), 8), (_("加分"), 8), (_("扣分"), 8),
                 (_("得分"), 8), (_("参评方数"), 9), (flag_title or _("表彰"), 10), (_("一票否决"), 40)])
        for r in selectors.published_results(period):
            ws.append(row_of(ws, [r.rank, r.subject.label, _num(r.base_points), _num(r.score_total), _num(r.bonus),
                                  _num(r.deduction), _num(r.total), r.parties, "★" if r.honoured else "",
                                  r.veto_item.description if r.vetoed and r.veto_item else ""]))
            if r.honoured:
                for cell in ws[ws.max_row]:
                    cell.fill = FLAG_FILL
        for row in ws.iter_rows(min_row=3, min_col=3, max_col=7):
            for cell in row:
                cell.number_format = "0.00"
    ws = wb.create_sheet(_("%(y)s年度") % {"y": year})
    _header(ws, _("%(y)s年度汇总（按获旗次数排序，次数相同比较全年总分）") % {"y": year},
            [(_("序"), 5), (_("对象"), 16), (_("获旗次数"), 10), (_("全年总分"), 10), (_("否决次数"), 10),
             (_("年度奖励"), 10), (_("物业费补贴（%）"), 14)])
    awards = {a.subject_key: a for a in YearAward.objects.current().filter(rule_set=rule_set, year=year)}
    for n, s in enumerate(selectors.year_standings(rule_set, year), start=1):
        a = awards.get(s.key)
        ws.append(row_of(ws, [n, s.label, s.flag_months, _num(s.year_total), s.vetoed_months,
                              _("第%(r)s名") % {"r": a.rank} if a else "", _num(a.subsidy_percent) if a else None]))
    for sheet in wb.worksheets:
        for row in sheet.iter_rows(min_row=3):
            for cell in row:
                cell.alignment = Alignment(vertical="top", wrap_text=isinstance(cell.value, str) and len(cell.value) > 20)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
