"""Turning the sheet's rows into checked ledger rows: the file's own forms (relation and key-group
names, dates as Excel writes them, ID numbers stored as numbers, masked values), then the residents'
own field rules (people.services.resident_field_errors), each error with the Excel row number."""

import itertools
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.people.services import resident_field_errors

from .columns import (
    COLUMN_BY_KEY,
    COLUMNS,
    GENDER_NAMES,
    MAX_ROWS,
    TAG_SPLIT,
    LedgerError,
    ParsedRow,
    relation_by_name,
    relation_labels,
    tag_by_name,
    tag_labels,
)
from .reading import HEADER_ROWS, cell_date, cell_text, find_header

_LIMITS = (("compound", 100), ("building", 100), ("unit", 100), ("number", 40), ("name", 50), ("note", 200),
           ("micro_grid", 20))


def masked_file_error() -> LedgerError:
    return LedgerError(None, "", _("这是一份脱敏导出的台账（身份证号、联系电话带 *），不能导入。"
                                   "请导出完整台账，或使用导入模板填写"))


def parse_rows(rows: Iterable) -> tuple[list[ParsedRow], list[LedgerError]]:
    rows = iter(rows)
    head = [r for _i, r in zip(range(HEADER_ROWS), rows, strict=False)]
    found = find_header(head)
    if found is None:
        return [], [LedgerError(None, "", _("找不到表头：第一行应为“%(h)s”等列名，请使用台账模板")
                                % {"h": "、".join(str(c.header) for c in COLUMNS[:7])})]
    header_idx, mapping = found
    missing = [str(c.header) for c in COLUMNS if c.required and c.key not in mapping]
    if missing:
        return [], [LedgerError(header_idx + 1, "", _("缺少必填列：%(c)s") % {"c": "、".join(missing)})]
    today = timezone.localdate()
    errors: list[LedgerError] = []
    parsed: list[ParsedRow] = []
    masked = 0
    for offset, raw in enumerate(itertools.chain(head[header_idx + 1:], rows)):
        if offset >= MAX_ROWS:
            return [], [LedgerError(None, "", _("一次最多导入%(n)s行，请分批导入") % {"n": MAX_ROWS})]
        row, row_errors, was_masked = _parse_row(raw, header_idx + 2 + offset, mapping, today)
        masked += was_masked
        if row is not None:
            errors.extend(row_errors)
            parsed.append(row)
    if masked:
        # A masked export read back: one message for the file, not one per row.
        return [], [masked_file_error()]
    if not parsed and not errors:
        errors.append(LedgerError(None, "", _("表中没有居民数据")))
    return parsed, errors


def _parse_row(raw, excel_row: int, mapping: dict[str, int], today) -> tuple[ParsedRow | None, list, bool]:
    def raw_cell(key):
        j = mapping.get(key)
        return raw[j] if j is not None and j < len(raw) else None

    texts = {c.key: cell_text(raw_cell(c.key)) for c in COLUMNS if c.kind == "text"}
    if not any(texts.values()) and not any(raw_cell(c.key) not in (None, "") for c in COLUMNS):
        return None, [], False  # a blank line
    row_errors: list[LedgerError] = []

    def err(key: str, msg: str) -> None:
        row_errors.append(LedgerError(excel_row, str(COLUMN_BY_KEY[key].header) if key else "", msg))

    for c in COLUMNS:
        if c.required and not texts.get(c.key):
            err(c.key, _("“%(c)s”不能为空") % {"c": c.header})
    for key, limit in _LIMITS:
        if len(texts[key]) > limit:
            err(key, _("不能超过%(n)s个字") % {"n": limit})
    if texts["unit"] and not texts["building"]:
        err("unit", _("填写了单元，必须同时填写楼栋"))
    masked = "*" in texts["id_number"] or "*" in texts["phone"]

    # The file's own forms.
    fields: dict = {}
    if texts["name"] and len(texts["name"]) <= 50:
        fields["name"] = texts["name"]
    relation = ""
    if texts["relation"]:
        relation = relation_by_name(texts["relation"])
        if not relation:
            err("relation", _("无法识别的与户主关系“%(v)s”（可填：%(all)s）") % {
                "v": texts["relation"], "all": "、".join(relation_labels().values())})
    gender = ""
    if texts["gender"]:
        gender = GENDER_NAMES.get(texts["gender"].upper(), "")
        if not gender:
            err("gender", _("性别应填“男”或“女”"))
    raw_id = raw_cell("id_number")
    if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
        err("id_number", _("身份证号被存成了数字（末几位会丢失），请把该列设为文本格式后重新填写"))
    elif texts["id_number"] and "*" not in texts["id_number"]:
        fields["id_number"] = texts["id_number"]
    dates = {}
    for key in ("birth_date", "moved_in_on"):
        try:
            dates[key] = cell_date(raw_cell(key))
        except (ValueError, OverflowError):
            err(key, _("日期格式不正确（应如 2020-01-31）"))
            dates[key] = None
    if dates["moved_in_on"] and dates["moved_in_on"] > today:
        err("moved_in_on", _("日期不能晚于今天"))
    if texts["phone"] and "*" not in texts["phone"]:
        fields["phone"] = texts["phone"]

    # The residents' own rules: ID number (derives birth date and gender), dates, phone.
    cleaned, field_errors = resident_field_errors(
        fields | {"gender": gender, "birth_date": dates["birth_date"]})
    for key, messages in field_errors.items():
        err(key, "；".join(messages))
    id_number = cleaned.get("id_number") if "id_number" not in field_errors else None
    birth_date, gender = cleaned.get("birth_date"), cleaned.get("gender") or ""
    moved_in_on = dates["moved_in_on"]
    if birth_date and moved_in_on and moved_in_on < birth_date:
        err("moved_in_on", _("入住日期早于出生日期"))

    tags: list[str] = []
    for t in TAG_SPLIT.split(texts["tags"]):
        if not t:
            continue
        value = tag_by_name(t)
        if value is None:
            err("tags", _("无法识别的重点人群“%(v)s”（可填：%(all)s）") % {"v": t, "all": "、".join(tag_labels().values())})
        elif value not in tags:
            tags.append(value)
    row = ParsedRow(
        row=excel_row, compound=texts["compound"], building=texts["building"], unit=texts["unit"],
        number=texts["number"], micro_grid_code=texts["micro_grid"], name=texts["name"], relation=relation,
        gender=gender, id_number=id_number, birth_date=birth_date, phone=cleaned.get("phone", ""), tags=tags,
        moved_in_on=moved_in_on, note=texts["note"], valid=not row_errors,
    )
    return row, row_errors, masked
