"""The official holiday arrangements (国务院办公厅关于 YYYY 年部分节假日安排的通知) shipped with the
code, and reading work-calendar rows from them or from a CSV file.

Only years whose notice has been published are here; each later year is entered by an
administrator once the State Council publishes it, usually in November of the year before: on the
page 工作日历 (`/tickets/calendar/`: one day, a block of days, or a CSV file checked before it is
imported; written by `services/calendar.py`), or with `manage.py load_holidays --csv FILE`. Both
read a CSV with `decode_csv` and `parse_csv` below, and both refuse the same rows (`day_error`,
`name_error`)."""

import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

# A name starting with one of these becomes a formula once the calendar goes back to Excel or WPS.
from gongzhi.core.excel import FORMULA_STARTS
from gongzhi.core.text import CSV_ENCODINGS, has_control_chars
from gongzhi.core.text import shown as _shown


@dataclass(frozen=True)
class CalendarRow:
    date: datetime.date
    is_workday: bool
    name: str


def _days(first: str, last: str) -> list[datetime.date]:
    a, b = datetime.date.fromisoformat(first), datetime.date.fromisoformat(last)
    return [a + datetime.timedelta(days=i) for i in range((b - a).days + 1)]


# 国务院办公厅关于2026年部分节假日安排的通知 (国办发明电〔2025〕7号, 2025-11-04).
# Holidays: every day of each block, weekends inside it included (harmless, and the name shows).
# Workdays: the 调休 Saturdays/Sundays ("…上班").
_2026_HOLIDAYS = [
    ("元旦", "2026-01-01", "2026-01-03"),
    ("春节", "2026-02-15", "2026-02-23"),
    ("清明节", "2026-04-04", "2026-04-06"),
    ("劳动节", "2026-05-01", "2026-05-05"),
    ("端午节", "2026-06-19", "2026-06-21"),
    ("中秋节", "2026-09-25", "2026-09-27"),
    ("国庆节", "2026-10-01", "2026-10-07"),
]
_2026_WORKDAYS = [
    ("元旦（调休上班）", "2026-01-04"),
    ("春节（调休上班）", "2026-02-14"),
    ("春节（调休上班）", "2026-02-28"),
    ("劳动节（调休上班）", "2026-05-09"),
    ("国庆节（调休上班）", "2026-09-20"),
    ("国庆节（调休上班）", "2026-10-10"),
]


def _year(holidays, workdays) -> list[CalendarRow]:
    rows = [CalendarRow(d, False, name) for name, a, b in holidays for d in _days(a, b)]
    rows += [CalendarRow(datetime.date.fromisoformat(d), True, name) for name, d in workdays]
    return sorted(rows, key=lambda r: r.date)


OFFICIAL: dict[int, list[CalendarRow]] = {2026: _year(_2026_HOLIDAYS, _2026_WORKDAYS)}

_WORK = {"班", "上班", "workday", "work", "1", "true", "yes", "y", "是"}
_OFF = {"休", "放假", "休息", "holiday", "off", "0", "false", "no", "n", "否"}
CSV_HEADER = ("日期", "类型", "名称")  # the file format's header, as the export writes it in Chinese
# The first cell of a header line (the export writes 日期; any other cell without a digit is also one).
HEADER_WORDS = {"日期", "date"}

# What a calendar row may hold. Years: the deadlines of any real ticket, not a typo of 20270 or 0207.
FIRST_YEAR, LAST_YEAR = 2000, 2100
NAME_MAX = 40  # WorkCalendarDay.name
# A year's notice is about 40 lines (1-2 KB); every day of three years would be 1,100 lines.
MAX_CSV_BYTES = 64 * 1024
MAX_CSV_ROWS = 1100
# ISO 2027-02-06, and what Excel makes of a date column when it saves a CSV: 2027/2/6.
_DATE = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})")


class CalendarFileError(ValueError):
    pass


def kind_code(is_workday: bool) -> str:
    """The 类型 cell of the CSV format (a file format's code, the same in every language)."""
    return "班" if is_workday else "休"


_WEEKDAYS = (_lazy("周一"), _lazy("周二"), _lazy("周三"), _lazy("周四"), _lazy("周五"), _lazy("周六"),
             _lazy("周日"))


def weekday_label(day: datetime.date) -> str:
    return str(_WEEKDAYS[day.weekday()])


def example_csv() -> str:
    """The example on the import page: 2026's 春节 lines as the State Council's notice gives them. A
    file's header, codes (休/班) and names are the format and the data, the same in every language, so
    this is built here and not written in a template inside {% translate %}."""
    rows = [r for r in OFFICIAL[2026] if datetime.date(2026, 2, 14) <= r.date <= datetime.date(2026, 2, 28)]
    lines = [f"{r.date.isoformat()},{kind_code(r.is_workday)},{r.name}" for r in rows]
    return "\n".join([",".join(CSV_HEADER), *lines[:3], "…", *lines[-2:]])


def day_error(day: datetime.date) -> str | None:
    """Why the work calendar cannot hold this day (None: it can)."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return _("日期应在%(a)s年至%(b)s年之间") % {"a": FIRST_YEAR, "b": LAST_YEAR}
    return None


def name_error(name: str) -> str | None:
    """Why this (stripped) name cannot be a calendar row's name (None: it can; empty is fine)."""
    if len(name) > NAME_MAX:
        return _("名称不能超过%(n)s个字") % {"n": NAME_MAX}
    if has_control_chars(name):
        return _("名称不能包含控制字符或换行")
    if name.startswith(FORMULA_STARTS):
        return _("名称不能以 = + - @ 开头")
    return None


def decode_csv(data: bytes) -> str:
    """The text of an uploaded CSV: UTF-8 (with or without the BOM Excel's "CSV UTF-8" writes) or
    GBK/GB18030 (what Excel on a Chinese Windows writes as plain "CSV"). Refuses, with a message to
    show, a file too large, an Excel workbook or any other binary, and an unknown encoding."""
    if len(data) > MAX_CSV_BYTES:
        raise CalendarFileError(_("文件太大（不能超过%(k)s KB）：工作日历每年只有几十行")
                                % {"k": MAX_CSV_BYTES // 1024})
    if not data.strip():
        raise CalendarFileError(_("文件是空的"))
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise CalendarFileError(_("这是 Excel 工作簿，不是 CSV 文件：请在 Excel 或 WPS 中“另存为”CSV 格式后再上传"))
    if b"\x00" in data:
        raise CalendarFileError(_("文件不是文本（CSV）文件，请检查是否选错了文件"))
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise CalendarFileError(_("无法识别文件的编码：请保存为 UTF-8 或 GBK 编码的 CSV 文件"))
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\r\n" for ch in text):
        raise CalendarFileError(_("文件含有控制字符，不是正常的 CSV 文本文件"))
    return text


def _parse_day(cell: str) -> datetime.date | None:
    m = _DATE.fullmatch(cell)
    if m is None:
        return None
    try:
        return datetime.date(int(m[1]), int(m[3]), int(m[4]))
    except ValueError:
        return None


def _is_preamble(cells: list[str]) -> bool:
    """A title or header line before the first day: its first cell has no digit (日期, date,
    工作日历) and its second is not a type. A line whose first cell has a digit is a day, a mistyped one
    (2027-02-30, 2027.10.01, 2027年部分节假日安排) included: refused with its line number, never skipped."""
    if any(ch.isdigit() for ch in cells[0]):
        return False
    return len(cells) < 2 or cells[1].lower() not in _WORK | _OFF


def parse_csv(text: str) -> list[CalendarRow]:
    """`日期,类型,名称` per line: 2027-01-01,休,元旦 / 2027-01-04,班,元旦（调休上班）.
    日期 is YYYY-MM-DD (or YYYY/M/D, as Excel writes dates); 类型 is 休 (holiday) or 班 (working day;
    also holiday/workday, 0/1). Blank lines are skipped, and so are a header and any title lines above
    it (`_is_preamble`: no digit in the first cell) until the header or the first day; a UTF-8 BOM
    (Excel) is fine. Raises CalendarFileError naming the line; nothing is returned unless every line
    is right."""
    rows: dict[datetime.date, CalendarRow] = {}
    preamble = True  # before the header or the first day
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=None))
    try:
        for n, rec in enumerate(reader, start=1):
            cells = [c.strip() for c in rec]
            if not any(cells):
                continue
            if preamble:
                if _is_preamble(cells):
                    preamble = cells[0].lower() not in HEADER_WORDS  # the header ends the preamble
                    continue
                preamble = False
            day = _parse_day(cells[0])
            if day is None:
                raise CalendarFileError(_("第 %(n)s 行：日期应为 YYYY-MM-DD，得到“%(v)s”") % {"n": n, "v": _shown(cells[0])})
            if (error := day_error(day)) is not None:
                raise CalendarFileError(_("第 %(n)s 行：%(e)s") % {"n": n, "e": error})
            kind = cells[1].lower() if len(cells) > 1 else ""
            if kind in _WORK:
                work = True
            elif kind in _OFF:
                work = False
            else:
                raise CalendarFileError(_("第 %(n)s 行：类型应为“休”或“班”，得到“%(v)s”") % {"n": n, "v": _shown(kind)})
            name = cells[2] if len(cells) > 2 else ""
            if (error := name_error(name)) is not None:
                raise CalendarFileError(_("第 %(n)s 行：%(e)s") % {"n": n, "e": error})
            if day in rows:
                raise CalendarFileError(_("第 %(n)s 行：日期 %(d)s 重复") % {"n": n, "d": day})
            if len(rows) >= MAX_CSV_ROWS:
                raise CalendarFileError(_("行数太多（不能超过%(m)s行）") % {"m": MAX_CSV_ROWS})
            rows[day] = CalendarRow(day, work, name)
    except csv.Error as e:  # the module's English text is not shown: what it means, in Chinese
        why = (_("某一格太长") if "field limit" in str(e)
               else _("格式有误，可能是引号（\"）不成对"))
        raise CalendarFileError(_("第 %(n)s 行：无法按 CSV 读取，%(e)s") % {"n": reader.line_num, "e": why}) from None
    return sorted(rows.values(), key=lambda r: r.date)


@dataclass
class CalendarPlan:
    """What writing `rows` would do: days to add, rows whose type or name changes (with the row as it
    is), rows deleted (only when the rows replace their years) and how many are already as given."""

    new: list[CalendarRow] = field(default_factory=list)
    changed: list[tuple[object, CalendarRow]] = field(default_factory=list)
    stale: list[object] = field(default_factory=list)
    unchanged: int = 0

    @property
    def counts(self) -> dict[str, int]:
        return {"created": len(self.new), "updated": len(self.changed), "deleted": len(self.stale),
                "unchanged": self.unchanged}


def calendar_plan(rows: Iterable[CalendarRow], *, replace_years: bool = False, model=None) -> CalendarPlan:
    """Compare rows with the calendar (two queries at most), writing nothing."""
    if model is None:
        from .models import WorkCalendarDay as model
    rows = list(rows)
    plan = CalendarPlan()
    if replace_years and rows:
        years = {r.date.year for r in rows}
        keep = {r.date for r in rows}
        plan.stale = list(model.objects.filter(date__year__in=years).exclude(date__in=keep).order_by("date"))
    existing = {o.date: o for o in model.objects.filter(date__in=[r.date for r in rows])}
    for r in rows:
        o = existing.get(r.date)
        if o is None:
            plan.new.append(r)
        elif (o.is_workday, o.name) != (r.is_workday, r.name):
            plan.changed.append((o, r))
        else:
            plan.unchanged += 1
    return plan


@transaction.atomic
def calendar_load(rows: Iterable[CalendarRow], *, replace_years: bool = False, model=None) -> dict[str, int]:
    """Write rows (date unique: an existing date is updated). With replace_years, rows of the same
    years that are not in the input are deleted first, so a corrected notice replaces the old one.
    `model` lets a data migration pass its historical model. Bulk writes send no signals: a caller
    in a running server forgets the cached calendar itself (services/calendar.py does)."""
    if model is None:
        from .models import WorkCalendarDay as model
    plan = calendar_plan(rows, replace_years=replace_years, model=model)
    if plan.stale:
        model.objects.filter(pk__in=[o.pk for o in plan.stale]).delete()
    model.objects.bulk_create(model(date=r.date, is_workday=r.is_workday, name=r.name) for r in plan.new)
    for o, r in plan.changed:
        o.is_workday, o.name = r.is_workday, r.name
    model.objects.bulk_update([o for o, _r in plan.changed], ["is_workday", "name"])
    return {k: v for k, v in plan.counts.items() if k != "unchanged"}
