"""The official holiday arrangements (国务院办公厅关于 YYYY 年部分节假日安排的通知) shipped with the
code, and loading work-calendar rows from them or from a CSV file.

Only years whose notice has been published are here; each later year is entered by an
administrator (admin page 工作日历, or `manage.py load_holidays --csv FILE`) once the State Council
publishes it, usually in November of the year before."""

import csv
import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction


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


class CalendarFileError(ValueError):
    pass


def parse_csv(text: str) -> list[CalendarRow]:
    """`日期,类型,名称` per line: 2027-01-01,休,元旦 / 2027-01-04,班,元旦（调休上班）.
    类型 is 休 (holiday) or 班 (working day; also holiday/workday, 0/1). A header line and blank lines
    are skipped; a UTF-8 BOM (Excel) is fine. Raises CalendarFileError naming the line."""
    rows: dict[datetime.date, CalendarRow] = {}
    for n, rec in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        cells = [c.strip() for c in rec]
        if not any(cells):
            continue
        try:
            day = datetime.date.fromisoformat(cells[0])
        except ValueError:
            if n == 1:
                continue  # header
            raise CalendarFileError(f"第 {n} 行：日期应为 YYYY-MM-DD，得到“{cells[0]}”") from None
        kind = cells[1].lower() if len(cells) > 1 else ""
        if kind in _WORK:
            work = True
        elif kind in _OFF:
            work = False
        else:
            raise CalendarFileError(f"第 {n} 行：类型应为“休”或“班”，得到“{kind}”")
        if day in rows:
            raise CalendarFileError(f"第 {n} 行：日期 {day} 重复")
        rows[day] = CalendarRow(day, work, cells[2] if len(cells) > 2 else "")
    return sorted(rows.values(), key=lambda r: r.date)


@transaction.atomic
def calendar_load(rows: Iterable[CalendarRow], *, replace_years: bool = False, model=None) -> dict[str, int]:
    """Write rows (date unique: an existing date is updated). With replace_years, rows of the same
    years that are not in the input are deleted first, so a corrected notice replaces the old one.
    `model` lets a data migration pass its historical model."""
    if model is None:
        from .models import WorkCalendarDay as model
    rows = list(rows)
    deleted = 0
    if replace_years and rows:
        years = {r.date.year for r in rows}
        keep = {r.date for r in rows}
        stale = model.objects.filter(date__year__in=years).exclude(date__in=keep)
        deleted = stale.count()
        stale.delete()
    existing = {o.date: o for o in model.objects.filter(date__in=[r.date for r in rows])}
    new, changed = [], []
    for r in rows:
        o = existing.get(r.date)
        if o is None:
            new.append(model(date=r.date, is_workday=r.is_workday, name=r.name))
        elif (o.is_workday, o.name) != (r.is_workday, r.name):
            o.is_workday, o.name = r.is_workday, r.name
            changed.append(o)
    model.objects.bulk_create(new)
    model.objects.bulk_update(changed, ["is_workday", "name"])
    return {"created": len(new), "updated": len(changed), "deleted": deleted}
