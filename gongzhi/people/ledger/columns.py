"""The ledger's columns, the names staff write for relations, genders and key groups, and the
result types shared by import and export. The columns are documented in docs/ledger.md."""

import datetime
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from gongzhi.people.models import Gender, KeyGroup, Relation

SHEET_NAME = "居民台账"  # the file format's sheet name (imports look for it)
MAX_ROWS = 100_000
MAX_ERRORS_SHOWN = 1000
EXCEL_MAX_ROWS = 1_048_575


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # lazy: str() when used
    width: int = 12
    required: bool = False
    kind: str = "text"  # text | date
    aliases: tuple[str, ...] = ()
    hint: str = ""


COLUMNS: list[Column] = [
    Column("compound", _("小区"), 16, aliases=("小区名称", "院落"), hint=_("小区名称；散居户留空")),
    Column("building", _("楼栋"), 8, aliases=("楼号", "栋"), hint=_("如“1栋”；平房可留空")),
    Column("unit", _("单元"), 8, aliases=("单元号",), hint=_("如“1单元”；无单元留空（填单元时必须填楼栋）")),
    Column("number", _("房号"), 8, True, aliases=("门牌号", "房间号", "门牌/房号"), hint=_("如“101”；必填")),
    Column("micro_grid", _("微网格编号"), 12, True, aliases=("微网格", "微网格号"), hint=_("本社区已有的微网格编号；同一户各行一致")),
    Column("name", _("姓名"), 10, True, hint=_("必填")),
    Column("relation", _("与户主关系"), 10, True, aliases=("关系",), hint=_("户主、配偶、子女、父母等；每户恰好一名户主")),
    Column("gender", _("性别"), 6, hint=_("男/女；留空时按身份证号推算")),
    Column("id_number", _("身份证号"), 22, aliases=("身份证号码", "公民身份号码", "证件号码"),
           hint=_("18位，须设为文本格式；可留空")),
    Column("birth_date", _("出生日期"), 12, kind="date", hint=_("如 1950-03-01；留空时按身份证号推算")),
    Column("phone", _("联系电话"), 14, aliases=("电话", "手机号", "联系方式"), hint=_("手机11位或带区号座机")),
    Column("tags", _("重点人群"), 16, aliases=("人员类别", "重点人员"), hint=_("多个用“、”或逗号分隔，如“空巢老人、困难群体”")),
    Column("moved_in_on", _("入住日期"), 12, kind="date", aliases=("迁入日期", "入住时间"), hint=_("如 2015-06-01")),
    Column("note", _("备注"), 20, hint=_("200字以内")),
]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
TEXT_FORMAT_KEYS = {"compound", "building", "unit", "number", "micro_grid", "id_number", "phone"}

_RELATION_ALIASES: dict[str, str] = {
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
_TAG_ALIASES: dict[str, str] = {
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


# The labels are read when used (the active language), never frozen at import time.
def relation_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Relation.choices}


def tag_labels() -> dict[str, str]:
    return {value: str(label) for value, label in KeyGroup.choices}


def relation_by_name(text: str) -> str:
    """The relation a ledger cell names (its label or a common alias), or ""."""
    return {label: value for value, label in relation_labels().items()}.get(text) or _RELATION_ALIASES.get(text, "")


def tag_by_name(text: str) -> str | None:
    return {label: value for value, label in tag_labels().items()}.get(text) or _TAG_ALIASES.get(text)


TAG_SPLIT = re.compile(r"[、,，;；/\s]+")


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
    checked_only: bool = False  # the counts are what an import would do; nothing was written

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "ok": self.ok, "checked_only": self.checked_only, "rows": self.rows, "created_nodes": self.created_nodes,
            "created_households": self.created_households, "moved_households": self.moved_households,
            "created_residents": self.created_residents, "updated_residents": self.updated_residents,
            "unchanged_residents": self.unchanged_residents,
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in self.errors],
        }
