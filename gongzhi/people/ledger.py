"""The residents' ledger 居民台账 as communities keep it in Excel: one row per resident.

Import reads with python-calamine, validates every row (errors carry the Excel row number the staff see),
and writes nothing if any row is wrong. Export writes the same columns with openpyxl in write-only mode,
so an exported ledger imports again unchanged. The columns are documented in docs/ledger.md."""

import datetime
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import audit_record
from gongzhi.core.masking import mask_id_number, mask_phone
from gongzhi.core.paths import ancestors_of
from gongzhi.core.validators import (
    birth_date_from_id,
    gender_from_id,
    normalize_id_number,
    normalize_phone,
    validate_id_number,
    validate_phone,
)
from gongzhi.territory.models import Grid, Household, Level, Node
from gongzhi.territory.services import node_add

from .models import Gender, KeyGroup, Relation, Resident, ResidentTag
from .permissions import can_export_full, can_import_ledger
from .pinyin import name_pinyin

SHEET_NAME = "居民台账"
MAX_ROWS = 100_000
MAX_ERRORS_SHOWN = 1000
EXCEL_MAX_ROWS = 1_048_575


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int = 12
    required: bool = False
    kind: str = "text"  # text | date
    aliases: tuple[str, ...] = ()
    hint: str = ""


COLUMNS: list[Column] = [
    Column("compound", "小区", 16, aliases=("小区名称", "院落"), hint="小区名称；散居户留空"),
    Column("building", "楼栋", 8, aliases=("楼号", "栋"), hint="如“1栋”；平房可留空"),
    Column("unit", "单元", 8, aliases=("单元号",), hint="如“1单元”；无单元留空（填单元时必须填楼栋）"),
    Column("number", "房号", 8, True, aliases=("门牌号", "房间号", "门牌/房号"), hint="如“101”；必填"),
    Column("micro_grid", "微网格编号", 12, True, aliases=("微网格", "微网格号"), hint="本社区已有的微网格编号；同一户各行一致"),
    Column("name", "姓名", 10, True, hint="必填"),
    Column("relation", "与户主关系", 10, True, aliases=("关系",), hint="户主、配偶、子女、父母等；每户恰好一名户主"),
    Column("gender", "性别", 6, hint="男/女；留空时按身份证号推算"),
    Column("id_number", "身份证号", 22, aliases=("身份证号码", "公民身份号码", "证件号码"),
           hint="18位，须设为文本格式；可留空"),
    Column("birth_date", "出生日期", 12, kind="date", hint="如 1950-03-01；留空时按身份证号推算"),
    Column("phone", "联系电话", 14, aliases=("电话", "手机号", "联系方式"), hint="手机11位或带区号座机"),
    Column("tags", "重点人群", 16, aliases=("人员类别", "重点人员"), hint="多个用“、”或逗号分隔，如“空巢老人、困难群体”"),
    Column("moved_in_on", "入住日期", 12, kind="date", aliases=("迁入日期", "入住时间"), hint="如 2015-06-01"),
    Column("note", "备注", 20, hint="200字以内"),
]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
TEXT_FORMAT_KEYS = {"compound", "building", "unit", "number", "micro_grid", "id_number", "phone"}

RELATION_NAMES: dict[str, str] = {str(label): value for value, label in Relation.choices} | {
    "本人": Relation.HEAD, "户主本人": Relation.HEAD,
    "妻": Relation.SPOUSE, "妻子": Relation.SPOUSE, "夫": Relation.SPOUSE, "丈夫": Relation.SPOUSE,
    "子": Relation.CHILD, "女": Relation.CHILD, "儿子": Relation.CHILD, "女儿": Relation.CHILD,
    "长子": Relation.CHILD, "次子": Relation.CHILD, "长女": Relation.CHILD, "次女": Relation.CHILD,
    "父亲": Relation.PARENT, "母亲": Relation.PARENT, "父": Relation.PARENT, "母": Relation.PARENT,
    "孙子": Relation.GRANDCHILD, "孙女": Relation.GRANDCHILD, "外孙": Relation.GRANDCHILD,
    "外孙女": Relation.GRANDCHILD,
    "祖父": Relation.GRANDPARENT, "祖母": Relation.GRANDPARENT, "外祖父": Relation.GRANDPARENT,
    "外祖母": Relation.GRANDPARENT,
    "兄": Relation.SIBLING, "弟": Relation.SIBLING, "姐": Relation.SIBLING, "妹": Relation.SIBLING,
    "哥哥": Relation.SIBLING, "弟弟": Relation.SIBLING, "姐姐": Relation.SIBLING, "妹妹": Relation.SIBLING,
    "儿媳": Relation.CHILD_IN_LAW, "女婿": Relation.CHILD_IN_LAW,
    "租客": Relation.TENANT, "承租人": Relation.TENANT,
}
GENDER_NAMES = {"男": Gender.MALE, "女": Gender.FEMALE, "M": Gender.MALE, "F": Gender.FEMALE}
TAG_NAMES: dict[str, str] = {str(label): value for value, label in KeyGroup.choices} | {
    "老人": KeyGroup.ELDERLY, "高龄老人": KeyGroup.ELDERLY, "一老": KeyGroup.ELDERLY,
    "儿童": KeyGroup.CHILD, "未成年": KeyGroup.CHILD, "一小": KeyGroup.CHILD, "留守儿童": KeyGroup.CHILD,
    "空巢": KeyGroup.EMPTY_NEST, "独居老人": KeyGroup.EMPTY_NEST,
    "孤寡": KeyGroup.SOLITARY, "孤老": KeyGroup.SOLITARY,
    "困难": KeyGroup.HARDSHIP, "困难户": KeyGroup.HARDSHIP, "低保": KeyGroup.HARDSHIP, "低保户": KeyGroup.HARDSHIP,
    "特困": KeyGroup.HARDSHIP,
    "特殊": KeyGroup.SPECIAL, "特殊人群": KeyGroup.SPECIAL,
    "残疾": KeyGroup.DISABLED, "残障人士": KeyGroup.DISABLED,
    "退伍军人": KeyGroup.VETERAN, "军人": KeyGroup.VETERAN,
}
RELATION_LABELS = {value: str(label) for value, label in Relation.choices}
TAG_LABELS = {value: str(label) for value, label in KeyGroup.choices}
_TAG_SPLIT = re.compile(r"[、,，;；/\s]+")
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


@dataclass
class LedgerError:
    row: int | None  # the Excel row number as staff see it; None for a whole-file problem
    column: str
    message: str


@dataclass
class ParsedRow:
    row: int
    compound: str
    building: str
    unit: str
    number: str
    micro_grid_code: str
    name: str
    relation: str
    gender: str
    id_number: str | None
    birth_date: datetime.date | None
    phone: str
    tags: list[str]
    moved_in_on: datetime.date | None
    note: str
    valid: bool = True  # False when the row has errors of its own: it still takes part in the file checks

    @property
    def place(self) -> tuple[str, str, str]:
        return (self.compound, self.building, self.unit)

    @property
    def household_key(self) -> tuple[str, str, str, str]:
        return (self.compound, self.building, self.unit, self.number)


@dataclass
class ImportResult:
    errors: list[LedgerError] = field(default_factory=list)
    rows: int = 0
    created_nodes: int = 0
    created_households: int = 0
    moved_households: int = 0
    created_residents: int = 0
    updated_residents: int = 0
    unchanged_residents: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "ok": self.ok, "rows": self.rows, "created_nodes": self.created_nodes,
            "created_households": self.created_households, "moved_households": self.moved_households,
            "created_residents": self.created_residents, "updated_residents": self.updated_residents,
            "unchanged_residents": self.unchanged_residents,
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in self.errors],
        }


# --- reading ---------------------------------------------------------------------------------------

def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, datetime.datetime):
        return v.date().isoformat() if v.time() == datetime.time() else v.isoformat(sep=" ")
    if isinstance(v, datetime.date):
        return v.isoformat()
    return str(v).replace("\u3000", " ").strip()


def _cell_date(v) -> datetime.date | None:
    """A date cell, an Excel serial number, or text such as 2020-01-05, 2020/1/5, 2020年1月5日, 20200105."""
    if v is None or v == "":
        return None
    if isinstance(v, datetime.datetime):
        return v.date()
    if isinstance(v, datetime.date):
        return v
    if isinstance(v, int | float) and not isinstance(v, bool):
        if 1 <= v < 2958466:
            return _EXCEL_EPOCH + datetime.timedelta(days=int(v))
        raise ValueError
    s = str(v).strip()
    if not s:
        return None
    m = _DATE_RE.match(s)
    if m:
        return datetime.date(int(m[1]), int(m[2]), int(m[3]))
    if len(s) == 8 and s.isdigit():
        return datetime.date(int(s[:4]), int(s[4:6]), int(s[6:]))
    raise ValueError


def _header_key(text: str) -> str | None:
    t = re.sub(r"[\s*＊]", "", text)
    for c in COLUMNS:
        if t == c.header or t in c.aliases:
            return c.key
    return None


def read_workbook(data: bytes) -> tuple[list[list], str | None]:
    """All cells of the ledger sheet (the one named 居民台账, else the first), rows from Excel row 1."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_object(io.BytesIO(data))
        names = wb.sheet_names
        name = SHEET_NAME if SHEET_NAME in names else names[0]
        sheet = wb.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=False)
    except Exception:  # calamine raises several kinds for a file that is not a workbook
        return [], _("无法读取文件，请上传 Excel 台账（.xlsx 或 .xls）")
    return rows, None


def _find_header(rows: list[list]) -> tuple[int, dict[str, int]] | None:
    """The header may follow a title row or two (“某某社区居民台账”): look in the first 10 rows."""
    for i, row in enumerate(rows[:10]):
        mapping: dict[str, int] = {}
        for j, v in enumerate(row):
            key = _header_key(_cell_text(v))
            if key and key not in mapping:
                mapping[key] = j
        if "name" in mapping and len(mapping) >= 3:
            return i, mapping
    return None


def parse_rows(rows: list[list]) -> tuple[list[ParsedRow], list[LedgerError]]:
    errors: list[LedgerError] = []
    found = _find_header(rows)
    if found is None:
        return [], [LedgerError(None, "", _("找不到表头：第一行应为“%(h)s”等列名，请使用台账模板")
                                % {"h": "、".join(c.header for c in COLUMNS[:7])})]
    header_idx, mapping = found
    missing = [c.header for c in COLUMNS if c.required and c.key not in mapping]
    if missing:
        return [], [LedgerError(header_idx + 1, "", _("缺少必填列：%(c)s") % {"c": "、".join(missing)})]
    data_rows = rows[header_idx + 1:]
    if len(data_rows) > MAX_ROWS:
        return [], [LedgerError(None, "", _("一次最多导入%(n)s行，请分批导入") % {"n": MAX_ROWS})]
    today = timezone.localdate()
    parsed: list[ParsedRow] = []
    for offset, raw in enumerate(data_rows):
        excel_row = header_idx + 2 + offset

        def raw_cell(key, raw=raw):
            j = mapping.get(key)
            return raw[j] if j is not None and j < len(raw) else None

        texts = {c.key: _cell_text(raw_cell(c.key)) for c in COLUMNS if c.kind == "text"}
        if not any(texts.values()) and not any(raw_cell(c.key) not in (None, "") for c in COLUMNS):
            continue  # a blank line
        row_errors: list[LedgerError] = []

        def err(key: str, msg: str, row_errors=row_errors, excel_row=excel_row) -> None:
            row_errors.append(LedgerError(excel_row, COLUMN_BY_KEY[key].header if key else "", msg))

        for c in COLUMNS:
            if c.required and not texts.get(c.key):
                err(c.key, _("“%(c)s”不能为空") % {"c": c.header})
        for key, limit in (("compound", 100), ("building", 100), ("unit", 100), ("number", 40), ("name", 50),
                           ("note", 200), ("micro_grid", 20)):
            if len(texts[key]) > limit:
                err(key, _("不能超过%(n)s个字") % {"n": limit})
        if texts["unit"] and not texts["building"]:
            err("unit", _("填写了单元，必须同时填写楼栋"))
        relation = ""
        if texts["relation"]:
            relation = RELATION_NAMES.get(texts["relation"], "")
            if not relation:
                err("relation", _("无法识别的与户主关系“%(v)s”（可填：%(all)s）") % {
                    "v": texts["relation"], "all": "、".join(RELATION_LABELS.values())})
        gender = ""
        if texts["gender"]:
            gender = GENDER_NAMES.get(texts["gender"].upper(), "")
            if not gender:
                err("gender", _("性别应填“男”或“女”"))
        id_number = None
        raw_id = raw_cell("id_number")
        if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
            err("id_number", _("身份证号被存成了数字（末几位会丢失），请把该列设为文本格式后重新填写"))
        elif texts["id_number"]:
            idn = normalize_id_number(texts["id_number"])
            if "*" in idn:
                err("id_number", _("身份证号已脱敏，不能导入；请使用完整号码"))
            else:
                try:
                    validate_id_number(idn)
                    id_number = idn
                except ValidationError as e:
                    err("id_number", "；".join(e.messages))
        birth_date = moved_in_on = None
        for key in ("birth_date", "moved_in_on"):
            try:
                value = _cell_date(raw_cell(key))
            except (ValueError, OverflowError):
                err(key, _("日期格式不正确（应如 2020-01-31）"))
                continue
            if value and value > today:
                err(key, _("日期不能晚于今天"))
            if key == "birth_date":
                birth_date = value
            else:
                moved_in_on = value
        if id_number:
            if birth_date and birth_date != birth_date_from_id(id_number):
                err("birth_date", _("出生日期与身份证号不一致"))
            if gender and gender != gender_from_id(id_number):
                err("gender", _("性别与身份证号不一致"))
            birth_date = birth_date or birth_date_from_id(id_number)
            gender = gender or gender_from_id(id_number)
        if birth_date and moved_in_on and moved_in_on < birth_date:
            err("moved_in_on", _("入住日期早于出生日期"))
        phone = ""
        if texts["phone"]:
            phone = normalize_phone(texts["phone"])
            if "*" in phone:
                err("phone", _("联系电话已脱敏，不能导入"))
            else:
                try:
                    validate_phone(phone)
                except ValidationError as e:
                    err("phone", "；".join(e.messages))
        tags: list[str] = []
        for t in _TAG_SPLIT.split(texts["tags"]):
            if not t:
                continue
            value = TAG_NAMES.get(t)
            if value is None:
                err("tags", _("无法识别的重点人群“%(v)s”（可填：%(all)s）") % {
                    "v": t, "all": "、".join(TAG_LABELS.values())})
            elif value not in tags:
                tags.append(value)
        errors.extend(row_errors)
        parsed.append(ParsedRow(
                row=excel_row, compound=texts["compound"], building=texts["building"], unit=texts["unit"],
                number=texts["number"], micro_grid_code=texts["micro_grid"], name=texts["name"], relation=relation,
                gender=gender, id_number=id_number, birth_date=birth_date, phone=phone, tags=tags,
                moved_in_on=moved_in_on, note=texts["note"], valid=not row_errors,
        ))
    if not parsed and not errors:
        errors.append(LedgerError(None, "", _("表中没有居民数据")))
    return parsed, errors


# --- planning against the database -----------------------------------------------------------------

@dataclass
class _Plan:
    community: Node
    rows: list[ParsedRow]
    nodes_by_key: dict[tuple[int, str], Node]
    grids: dict[str, Grid]
    households: dict[tuple[str, str, str, str], Household | None] = field(default_factory=dict)
    matches: dict[int, Resident] = field(default_factory=dict)  # excel row -> existing resident


def _chunks(items: list, n: int = 500) -> Iterable[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _community_nodes(community: Node) -> dict[tuple[int, str], Node]:
    return {(n.parent_id, n.name): n for n in Node.objects.filter(path__under=community.path).exclude(pk=community.pk)}


def _resolve_place(community: Node, nodes: dict[tuple[int, str], Node], place: tuple[str, str, str]
                   ) -> tuple[Node | None, str | None]:
    """The existing node for (小区, 楼栋, 单元), or None when some of it is new; or an error message."""
    parent = community
    for name, level in zip(place, (Level.COMPOUND, Level.BUILDING, Level.UNIT), strict=True):
        if not name:
            continue
        node = nodes.get((parent.pk, name))
        if node is None:
            return None, None
        if node.level != level:
            return None, _("“%(n)s”在系统中是%(a)s，不是%(b)s") % {
                "n": name, "a": node.get_level_display(), "b": Level(level).label}
        parent = node
    return parent, None


def plan_import(community: Node, rows: list[ParsedRow]) -> tuple[_Plan, list[LedgerError]]:
    errors: list[LedgerError] = []
    col = {c.key: c.header for c in COLUMNS}
    grids = {g.code: g for g in Grid.objects.filter(community=community)}
    plan = _Plan(community=community, rows=rows, nodes_by_key=_community_nodes(community), grids=grids)

    # Within the file.
    first_id_row: dict[str, int] = {}
    by_household: dict[tuple, list[ParsedRow]] = defaultdict(list)
    for r in rows:
        grid = grids.get(r.micro_grid_code)
        if not r.micro_grid_code:
            pass  # reported as a required cell
        elif grid is None:
            errors.append(LedgerError(r.row, col["micro_grid"], _("本社区没有编号为“%(c)s”的微网格") % {
                "c": r.micro_grid_code}))
        elif grid.kind != Grid.Kind.MICRO:
            errors.append(LedgerError(r.row, col["micro_grid"], _("“%(c)s”是网格而不是微网格，户必须归入微网格") % {
                "c": r.micro_grid_code}))
        if r.id_number:
            if r.id_number in first_id_row:
                errors.append(LedgerError(r.row, col["id_number"], _("身份证号与第%(n)s行重复") % {
                    "n": first_id_row[r.id_number]}))
            else:
                first_id_row[r.id_number] = r.row
        if r.number:
            by_household[r.household_key].append(r)

    for _key, members in by_household.items():
        codes = {m.micro_grid_code for m in members if m.micro_grid_code}
        if len(codes) > 1:
            for m in members[1:]:
                if m.micro_grid_code and m.micro_grid_code != members[0].micro_grid_code:
                    errors.append(LedgerError(m.row, col["micro_grid"], _("同一户的微网格编号不一致（第%(n)s行为“%(c)s”）")
                                              % {"n": members[0].row, "c": members[0].micro_grid_code}))
        heads = [m for m in members if m.relation == Relation.HEAD]
        if not heads and all(m.relation for m in members):
            errors.append(LedgerError(members[0].row, col["relation"], _("该户（%(a)s）没有户主，每户须有且仅有一名户主")
                                      % {"a": "".join(members[0].household_key)}))
        for h in heads[1:]:
            errors.append(LedgerError(h.row, col["relation"], _("同一户有多名户主（另见第%(n)s行）") % {"n": heads[0].row}))
        seen_names: dict[str, int] = {}
        for m in members:
            if m.name in seen_names and not m.id_number:
                errors.append(LedgerError(m.row, col["name"], _("同一户中已有同名居民（第%(n)s行），请填写身份证号以区分")
                                          % {"n": seen_names[m.name]}))
            seen_names.setdefault(m.name, m.row)

    # Against the database: places, households, residents.
    node_for_key: dict[tuple, Node | None] = {}
    for key, members in by_household.items():
        node, msg = _resolve_place(community, plan.nodes_by_key, members[0].place)
        if msg:
            errors.append(LedgerError(members[0].row, col["building"], msg))
        node_for_key[key] = node
    node_ids = sorted({n.pk for n in node_for_key.values() if n is not None})
    existing: dict[tuple[int, str], Household] = {}
    for chunk in _chunks(node_ids):
        for hh in Household.objects.filter(node_id__in=chunk):
            existing[(hh.node_id, hh.number)] = hh
    for key, node in node_for_key.items():
        plan.households[key] = existing.get((node.pk, key[3])) if node is not None else None

    ids = [r.id_number for r in rows if r.id_number]
    # An ID number may have several records: moved-out ones anywhere, at most one current one.
    # Match this community's record (the current one, else the latest moved-out one); a current record
    # in another community means the person has not moved out there yet.
    by_id: dict[str, Resident] = {}
    current_elsewhere: set[str] = set()
    for chunk in _chunks(ids):
        for res in Resident.objects.filter(id_number__in=chunk).select_related("household"):
            if not res.household.node_path.startswith(community.path):
                if res.moved_out_on is None:
                    current_elsewhere.add(res.id_number)
                continue
            best = by_id.get(res.id_number)
            if best is None or (best.moved_out_on is not None and
                                (res.moved_out_on is None or res.moved_out_on > best.moved_out_on)):
                by_id[res.id_number] = res
    existing_hh_ids = [h.pk for h in plan.households.values() if h is not None]
    in_db_by_hh: dict[int, list[Resident]] = defaultdict(list)
    for chunk in _chunks(existing_hh_ids):
        for res in Resident.objects.filter(household_id__in=chunk).order_by("moved_out_on", "id"):
            in_db_by_hh[res.household_id].append(res)

    # First pass: match by ID number (unique everywhere). Second pass: by name within the same household.
    for r in rows:
        if r.id_number in current_elsewhere:
            errors.append(LedgerError(r.row, col["id_number"], _("该居民仍登记在其他社区，请原社区先办理迁出")))
            continue
        res = by_id.get(r.id_number) if r.id_number else None
        if res is not None:
            plan.matches[r.row] = res
    matched = {res.pk for res in plan.matches.values()}
    for key, members in by_household.items():
        hh = plan.households.get(key)
        if hh is None:
            continue
        for m in members:
            if m.row in plan.matches or (m.id_number and m.id_number in by_id):
                continue
            # A stored ID is never contradicted: a row with an ID only takes over a same-name record without one.
            cands = [x for x in in_db_by_hh.get(hh.pk, []) if x.name == m.name and x.pk not in matched
                     and (not m.id_number or x.id_number is None)]
            if cands:
                plan.matches[m.row] = cands[0]
                matched.add(cands[0].pk)
    for key, members in by_household.items():
        hh = plan.households.get(key)
        file_head = next((m for m in members if m.relation == Relation.HEAD), None)
        if hh is None or file_head is None:
            continue
        for x in in_db_by_hh.get(hh.pk, []):
            if x.relation == Relation.HEAD and x.moved_out_on is None and x.pk not in matched:
                errors.append(LedgerError(
                    file_head.row, col["relation"],
                    _("系统中该户的户主是“%(n)s”，与表中户主不一致；请在表中列出原户主并调整其关系，或先为其办理迁出")
                    % {"n": x.name}))
    errors.sort(key=lambda e: (e.row or 0))
    return plan, errors


# --- writing ---------------------------------------------------------------------------------------

_RES_FIELDS = ("name", "relation", "gender", "birth_date", "id_number", "phone", "moved_in_on", "note")


def _ensure_node(actor, plan: _Plan, place: tuple[str, str, str], counter: list[int]) -> Node:
    parent = plan.community
    for name, level in zip(place, (Level.COMPOUND, Level.BUILDING, Level.UNIT), strict=True):
        if not name:
            continue
        node = plan.nodes_by_key.get((parent.pk, name))
        if node is None:
            node = node_add(actor=actor, parent=parent, level=level, name=name)
            plan.nodes_by_key[(parent.pk, name)] = node
            counter[0] += 1
        parent = node
    return parent


def _write(actor, plan: _Plan, result: ImportResult) -> None:
    by_household: dict[tuple, list[ParsedRow]] = defaultdict(list)
    for r in plan.rows:
        by_household[r.household_key].append(r)

    node_counter = [0]
    new_households: list[Household] = []
    moved: list[Household] = []
    hh_for_key: dict[tuple, Household] = {}
    for key, members in by_household.items():
        grid = plan.grids[members[0].micro_grid_code]
        hh = plan.households.get(key)
        if hh is None:
            node = _ensure_node(actor, plan, key[:3], node_counter)
            hh = Household(node=node, node_path=node.path, micro_grid=grid, number=key[3],
                           address="".join(p for p in key if p))
            new_households.append(hh)
        elif hh.micro_grid_id != grid.pk:
            hh.micro_grid = grid
            moved.append(hh)
        hh_for_key[key] = hh
    Household.objects.bulk_create(new_households, batch_size=500)
    if any(h.pk is None for h in new_households):  # backends without RETURNING ids
        for h in new_households:
            h.pk = Household.objects.get(node=h.node, number=h.number).pk
    Household.objects.bulk_update(moved, ["micro_grid"], batch_size=500)

    to_create: list[tuple[Resident, list[str]]] = []
    updates_non_head: list[Resident] = []
    updates_head: list[Resident] = []
    tag_plan: dict[int, list[str]] = {}
    for key, members in by_household.items():
        hh = hh_for_key[key]
        for m in members:
            values = {
                "name": m.name, "relation": m.relation, "gender": m.gender, "birth_date": m.birth_date,
                "id_number": m.id_number, "phone": m.phone, "moved_in_on": m.moved_in_on, "note": m.note,
            }
            res = plan.matches.get(m.row)
            if res is None:
                r = Resident(household=hh, name_pinyin=name_pinyin(m.name), **values)
                to_create.append((r, m.tags))
                continue
            # A blank cell in the file never erases what the system already holds.
            changed = False
            for f in _RES_FIELDS:
                v = values[f]
                if v in (None, "") and f not in ("relation",):
                    continue
                if getattr(res, f) != v:
                    setattr(res, f, v)
                    changed = True
            if res.household_id != hh.pk:
                res.household = hh
                changed = True
            if res.moved_out_on is not None:  # listed in the ledger again: living here
                res.moved_out_on = None
                changed = True
            res.name_pinyin = name_pinyin(res.name)
            res.updated_at = timezone.now()
            if changed:
                (updates_head if res.relation == Relation.HEAD else updates_non_head).append(res)
                result.updated_residents += 1
            else:
                result.unchanged_residents += 1
            tag_plan[res.pk] = m.tags
    fields = [*_RES_FIELDS, "household", "moved_out_on", "name_pinyin", "updated_at"]
    # Demotions first, so that no statement sees two current heads in one household.
    for batch in _chunks(updates_non_head):
        Resident.objects.bulk_update(batch, fields)
    for batch in _chunks(updates_head):
        Resident.objects.bulk_update(batch, fields)
    new_residents = [r for r, _t in to_create]
    Resident.objects.bulk_create(new_residents, batch_size=500)
    if any(r.pk is None for r in new_residents):
        for r in new_residents:
            r.pk = Resident.objects.filter(household=r.household, name=r.name).order_by("-id").values_list(
                "id", flat=True).first()
    for r, tags in to_create:
        tag_plan[r.pk] = tags
    ids = list(tag_plan)
    existing_tags: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks(ids):
        for rid, tag in ResidentTag.objects.filter(resident_id__in=chunk).values_list("resident_id", "tag"):
            existing_tags[rid].add(tag)
    to_delete = [(rid, t) for rid, have in existing_tags.items() for t in have - set(tag_plan[rid])]
    for rid, t in to_delete:
        ResidentTag.objects.filter(resident_id=rid, tag=t).delete()
    new_tags = [ResidentTag(resident_id=rid, tag=t) for rid, tags in tag_plan.items() for t in tags
                if t not in existing_tags.get(rid, set())]
    ResidentTag.objects.bulk_create(new_tags, batch_size=1000)

    result.created_nodes = node_counter[0]
    result.created_households = len(new_households)
    result.moved_households = len(moved)
    result.created_residents = len(new_residents)


def ledger_import(*, actor, community: Node, data: bytes, filename: str = "", request=None) -> ImportResult:
    """Validate every row; if all are right, write everything in one transaction. Returns the result
    (with errors and nothing written, or the counts of what was written)."""
    if community.level != Level.COMMUNITY:
        raise ValidationError(_("请选择要导入的社区"))
    if not can_import_ledger(actor, community):
        raise PermissionDenied
    result = ImportResult()
    rows, read_error = read_workbook(data)
    if read_error:
        result.errors = [LedgerError(None, "", read_error)]
        return result
    parsed, errors = parse_rows(rows)
    result.rows = len(parsed)
    if parsed:
        plan, plan_errors = plan_import(community, parsed)
        seen, merged = set(), []
        for e in sorted(errors + plan_errors, key=lambda e: (e.row or 0)):
            if (e.row, e.column, e.message) not in seen:
                seen.add((e.row, e.column, e.message))
                merged.append(e)
        errors = merged
    if errors:
        result.errors = errors
        return result
    try:
        with transaction.atomic():
            _write(actor, plan, result)
            audit_record(actor=actor, action=AuditLog.Action.IMPORT, target=community, request=request,
                         detail={"file": filename[:100]} | {k: v for k, v in result.as_dict().items() if k != "errors"})
    except IntegrityError:
        return ImportResult(errors=[LedgerError(None, "", _("导入时数据被他人同时修改，请重新导入"))], rows=result.rows)
    return result


# --- export ----------------------------------------------------------------------------------------

def _header_cells(ws):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    fill = PatternFill("solid", fgColor="C8161D")
    font = Font(bold=True, color="FFFFFF")
    thin = Side(style="thin", color="D0D7DE")
    cells = []
    for c in COLUMNS:
        cell = WriteOnlyCell(ws, value=c.header)
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
            "micro_grid": hh.micro_grid.code, "name": r.name, "relation": RELATION_LABELS.get(r.relation, ""),
            "gender": r.get_gender_display() if r.gender else "",
            "id_number": (r.id_number or "") if full else mask_id_number(r.id_number),
            "birth_date": r.birth_date if full else None,
            "phone": r.phone if full else mask_phone(r.phone),
            "tags": "、".join(TAG_LABELS.get(t.tag, t.tag) for t in r.tags.all()),
            "moved_in_on": r.moved_in_on, "note": r.note,
        }
        row = []
        for c in COLUMNS:
            v = values[c.key]
            if c.kind == "date" and v:
                cell = WriteOnlyCell(ws, value=v)
                cell.number_format = "yyyy-mm-dd"
                row.append(cell)
            elif c.key in TEXT_FORMAT_KEYS and v:
                cell = WriteOnlyCell(ws, value=str(v))
                cell.number_format = "@"
                row.append(cell)
            else:
                row.append(v if v not in (None, "") else None)
        ws.append(row)
        count += 1
    buf = io.BytesIO()
    wb.save(buf)
    audit_record(actor=actor, action=AuditLog.Action.EXPORT, target_type="people.resident", label=label[:200],
                 detail={"rows": count, "full": full}, request=request)
    return buf.getvalue()


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
        cell = ws.cell(row=1, column=i, value=c.header)
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
    dv = DataValidation(type="list", formula1='"' + ",".join(RELATION_LABELS.values()) + '"', allow_blank=True)
    dv.add(f"{rel_col}2:{rel_col}5000")
    ws.add_data_validation(dv)
    dv2 = DataValidation(type="list", formula1='"男,女"', allow_blank=True)
    dv2.add(f"{gen_col}2:{gen_col}5000")
    ws.add_data_validation(dv2)

    help_ws = wb.create_sheet("填写说明")
    help_ws.append(["列名", "是否必填", "说明"])
    for cell in help_ws[1]:
        cell.font = Font(bold=True)
    for c in COLUMNS:
        help_ws.append([c.header, "必填" if c.required else "", c.hint])
    help_ws.append([])
    help_ws.append(["重点人群可填", "", "、".join(TAG_LABELS.values())])
    help_ws.append(["与户主关系可填", "", "、".join(RELATION_LABELS.values())])
    help_ws.append(["说明", "", "一行一人；同一户（小区+楼栋+单元+房号）须有且仅有一名户主。表中有任何错误时整表不导入。"])
    help_ws.column_dimensions["A"].width = 16
    help_ws.column_dimensions["C"].width = 80
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
