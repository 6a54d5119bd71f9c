"""The ledger written out: the export of scoped households (masked unless asked and allowed in full)
and the empty template. Every value goes through core.excel, so no cell is ever a formula."""

import io

from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import audit_record
from gongzhi.core.excel import text_cell
from gongzhi.core.masking import mask_id_number, mask_phone
from gongzhi.core.paths import ancestors_of
from gongzhi.people.models import Relation, Resident, ResidentTag
from gongzhi.people.permissions import can_export_full
from gongzhi.territory.models import Household, Node

from .columns import COLUMNS, EXCEL_MAX_ROWS, SHEET_NAME, TEXT_FORMAT_KEYS, relation_labels, tag_labels
from .planning import _chunks


def _header_cells(ws):
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    fill = PatternFill("solid", fgColor="C8161D")
    font = Font(bold=True, color="FFFFFF")
    thin = Side(style="thin", color="D0D7DE")
    cells = []
    for c in COLUMNS:
        cell = text_cell(ws, c.header)
        cell.fill, cell.font = fill, font
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.border = Border(bottom=thin)
        cells.append(cell)
    return cells


def _new_sheet(wb):
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(SHEET_NAME)
    ws.freeze_panes = "A2"
    for i, c in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = c.width
    ws.append(_header_cells(ws))
    return ws


HEAD_FIRST = Case(When(relation=Relation.HEAD, then=Value(0)), default=Value(1), output_field=IntegerField())


def ledger_residents(households: QuerySet[Household]) -> QuerySet[Resident]:
    return (
        Resident.objects.filter(household__in=households, moved_out_on__isnull=True)
        .select_related("household__micro_grid")
        .prefetch_related(Prefetch("tags", queryset=ResidentTag.objects.order_by("id")))
        .annotate(head_first=HEAD_FIRST)
        .order_by("household__node_path", "household__number", "household_id", "head_first", "id")
    )


def _place_names(households: QuerySet[Household]) -> dict[str, tuple[str, str, str]]:
    """node_path -> (小区, 楼栋, 单元) for every place the households sit at."""
    paths = set(households.order_by().values_list("node_path", flat=True).distinct())
    wanted: set[str] = set()
    for p in paths:
        wanted.update(ancestors_of(p))
    nodes: dict[str, tuple[str, str]] = {}
    wanted_list = sorted(wanted)
    for chunk in _chunks(wanted_list, 900):
        for path, level, name in Node.objects.filter(path__in=chunk).values_list("path", "level", "name"):
            nodes[path] = (level, name)
    out: dict[str, tuple[str, str, str]] = {}
    for p in paths:
        parts = {"compound": "", "building": "", "unit": ""}
        for a in ancestors_of(p):
            level, name = nodes.get(a, ("", ""))
            if level in parts:
                parts[level] = name
        out[p] = (parts["compound"], parts["building"], parts["unit"])
    return out


def ledger_export(*, actor, households: QuerySet[Household], full: bool = False, label: str = "",
                  request=None) -> bytes:
    """The ledger of the given (already scoped) households as .xlsx bytes. ID numbers and phones are
    masked unless the actor may see them AND asked for them in full. The export is audited."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    full = bool(full) and can_export_full(actor)
    places = _place_names(households)
    relations, tags = relation_labels(), tag_labels()
    wb = Workbook(write_only=True)
    ws = _new_sheet(wb)
    count = 0
    for r in ledger_residents(households).iterator(chunk_size=2000):
        if count >= EXCEL_MAX_ROWS:
            raise ValidationError(_("超过 Excel 的行数上限，请按社区或小区分别导出"))
        hh = r.household
        compound, building, unit = places.get(hh.node_path, ("", "", ""))
        values = {
            "compound": compound, "building": building, "unit": unit, "number": hh.number,
            "micro_grid": hh.micro_grid.code, "name": r.name, "relation": relations.get(r.relation, ""),
            "gender": r.get_gender_display() if r.gender else "",
            "id_number": (r.id_number or "") if full else mask_id_number(r.id_number),
            "birth_date": r.birth_date if full else None,
            "phone": r.phone if full else mask_phone(r.phone),
            "tags": "、".join(tags.get(t.tag, t.tag) for t in r.tags.all()),
            "moved_in_on": r.moved_in_on, "note": r.note,
        }
        row = []
        for c in COLUMNS:
            v = values[c.key]
            if c.kind == "date" and v:
                cell = WriteOnlyCell(ws, value=v)
                cell.number_format = "yyyy-mm-dd"
                row.append(cell)
            elif v not in (None, ""):
                row.append(text_cell(ws, v, number_format="@" if c.key in TEXT_FORMAT_KEYS else None))
            else:
                row.append(None)
        ws.append(row)
        count += 1
    buf = io.BytesIO()
    wb.save(buf)
    audit_record(actor=actor, action=AuditLog.Action.EXPORT, target_type="people.resident", label=label[:200],
                 detail={"rows": count, "full": full}, request=request)
    return buf.getvalue()


def export_filename(label: str, *, full: bool) -> str:
    """Masked and full exports never share a name: a masked file cannot be imported again."""
    stamp = timezone.localdate().strftime("%Y%m%d")
    kind = _("完整") if full else _("脱敏")
    return _("居民台账（%(kind)s）-%(label)s-%(day)s.xlsx") % {"kind": kind, "label": label, "day": stamp}


def ledger_template() -> bytes:
    """An empty ledger (styled header, text-format ID/phone columns, pick-lists) with a how-to sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    fill, font = PatternFill("solid", fgColor="C8161D"), Font(bold=True, color="FFFFFF")
    for i, c in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i, value=str(c.header))
        cell.fill, cell.font = fill, font
        cell.alignment = Alignment(horizontal="center")
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = c.width
        if c.key in TEXT_FORMAT_KEYS:
            for row in range(2, 1002):
                ws.cell(row=row, column=i).number_format = "@"
    ws.freeze_panes = "A2"
    rel_col = get_column_letter(next(i for i, c in enumerate(COLUMNS, 1) if c.key == "relation"))
    gen_col = get_column_letter(next(i for i, c in enumerate(COLUMNS, 1) if c.key == "gender"))
    dv = DataValidation(type="list", formula1='"' + ",".join(relation_labels().values()) + '"', allow_blank=True)
    dv.add(f"{rel_col}2:{rel_col}5000")
    ws.add_data_validation(dv)
    dv2 = DataValidation(type="list", formula1='"' + _("男,女") + '"', allow_blank=True)
    dv2.add(f"{gen_col}2:{gen_col}5000")
    ws.add_data_validation(dv2)

    help_ws = wb.create_sheet(_("填写说明"))
    help_ws.append([_("列名"), _("是否必填"), _("说明")])
    for cell in help_ws[1]:
        cell.font = Font(bold=True)
    for c in COLUMNS:
        help_ws.append([str(c.header), _("必填") if c.required else "", str(c.hint)])
    help_ws.append([])
    help_ws.append([_("重点人群可填"), "", "、".join(tag_labels().values())])
    help_ws.append([_("与户主关系可填"), "", "、".join(relation_labels().values())])
    help_ws.append([_("说明"), "", _("一行一人；同一户（小区+楼栋+单元+房号）须有且仅有一名户主。"
                                   "表中有任何错误时整表不导入。")])
    help_ws.column_dimensions["A"].width = 16
    help_ws.column_dimensions["C"].width = 80
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
