"""The work calendar (工作日历), kept by administrators on the page /tickets/calendar/.

Each write checks `can_edit_work_calendar`, validates every day and name as the CSV import does
(`holidays.day_error`, `holidays.name_error`), writes one audit row, and forgets the calendar that
deadline computations keep in Django's cache (`deadlines.calendar_changed`: now, and again after
the commit). The bulk writes (a block of days, a CSV) send no model signals, so forgetting it here
is what makes the next ticket's deadline use the change. A date has at most one row: adding a date
that is already listed updates that row."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import audit_record

from ..deadlines import calendar_changed
from ..export import work_calendar_xlsx
from ..holidays import (
    MAX_CSV_ROWS,
    CalendarPlan,
    CalendarRow,
    calendar_load,
    calendar_plan,
    day_error,
    kind_code,
    name_error,
)
from ..models import WorkCalendarDay
from ..permissions import can_edit_work_calendar, can_view_work_calendar

MAX_RANGE_DAYS = 31  # the longest official block is 春节's 9 days; a month is a typo's upper bound
TARGET = "tickets.workcalendarday"
RACE = _lazy("工作日历刚被其他人修改，请刷新后重试")
MAX_AUDIT_DAYS = 1100  # the days one import's audit row lists (a file holds at most MAX_CSV_ROWS)


def _check_editor(actor) -> None:
    if not can_edit_work_calendar(actor):
        raise PermissionDenied


def _clean_day(value, field: str, errors: dict) -> datetime.date | None:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        errors[field] = [_("请填写有效的日期")]
        return None
    if (error := day_error(value)) is not None:
        errors[field] = [error]
        return None
    return value


def _clean_name(value, errors: dict) -> str:
    if value is not None and not isinstance(value, str):
        errors["name"] = [_("名称格式有误")]
        return ""
    name = (value or "").strip()
    if (error := name_error(name)) is not None:
        errors["name"] = [error]
    return name


def _clean_kind(value, errors: dict) -> bool:
    if not isinstance(value, bool):
        errors["is_workday"] = [_("请选择放假或调休上班")]
        return False
    return value


def _clean_one_day(date, is_workday, name) -> tuple[datetime.date, bool, str]:
    """One day's fields, checked together: every error at once, as a ValidationError by field."""
    errors: dict = {}
    date = _clean_day(date, "date", errors)
    name = _clean_name(name, errors)
    is_workday = _clean_kind(is_workday, errors)
    if errors:
        raise ValidationError(errors)
    return date, is_workday, name


def _row_detail(date: datetime.date, is_workday: bool, name: str) -> dict:
    return {"date": date.isoformat(), "is_workday": is_workday, "name": name}


def _plan_detail(plan: CalendarPlan) -> dict:
    """The days a bulk write adds, changes (old → new) and deletes, for its audit row, so a 以文件为准
    import can be undone by hand as a single-day edit can: `days_added` and `days_deleted` as
    [date, 类型, 名称] (类型 as the CSV's 休/班), `days_changed` as [date, [old 类型, old 名称],
    [new 类型, new 名称]]. Bounded: a file holds at most
    MAX_CSV_ROWS days, and the deletions are at most a year's rows per year in it; past
    MAX_AUDIT_DAYS entries in all, the rest is left out and `days_left_out` says how many."""
    def row(o) -> list:
        return [kind_code(o.is_workday), o.name]

    added = [[r.date.isoformat(), *row(r)] for r in plan.new]
    changed = [[r.date.isoformat(), row(o), row(r)] for o, r in plan.changed]
    deleted = [[o.date.isoformat(), *row(o)] for o in plan.stale]
    detail, room = {}, MAX_AUDIT_DAYS
    for key, days in (("days_added", added), ("days_changed", changed), ("days_deleted", deleted)):
        detail[key] = days[:room]
        room -= len(detail[key])
    left_out = len(added) + len(changed) + len(deleted) - MAX_AUDIT_DAYS
    if left_out > 0:
        detail["days_left_out"] = left_out
    return detail


@transaction.atomic
def calendar_day_save(*, actor, date: datetime.date, is_workday: bool, name: str = "",
                      request=None) -> tuple[WorkCalendarDay, str]:
    """Add one day, or update the row its date already has. Returns the row and what happened:
    "created", "updated" or "unchanged" (a second submit of the same form changes nothing and is not
    audited again)."""
    _check_editor(actor)
    date, is_workday, name = _clean_one_day(date, is_workday, name)
    row = WorkCalendarDay.objects.select_for_update().filter(date=date).first()
    if row is None:
        try:
            with transaction.atomic():
                row = WorkCalendarDay.objects.create(date=date, is_workday=is_workday, name=name)
        except IntegrityError:  # added meanwhile by someone else: update theirs
            row = WorkCalendarDay.objects.select_for_update().get(date=date)
        else:
            audit_record(actor=actor, action=AuditLog.Action.CREATE, target=row,
                         detail=_row_detail(date, is_workday, name), request=request)
            calendar_changed()
            return row, "created"
    if (row.is_workday, row.name) == (is_workday, name):
        return row, "unchanged"
    changed = {k: [getattr(row, k), v] for k, v in (("is_workday", is_workday), ("name", name))
               if getattr(row, k) != v}
    row.is_workday, row.name = is_workday, name
    row.save(update_fields=["is_workday", "name"])
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=row, detail={"changed": changed},
                 request=request)
    calendar_changed()
    return row, "updated"


@transaction.atomic
def calendar_day_update(*, actor, day: WorkCalendarDay, date: datetime.date, is_workday: bool, name: str = "",
                        request=None) -> WorkCalendarDay:
    """Correct one row: its type, its name, or its date (not onto a date that has a row already)."""
    _check_editor(actor)
    date, is_workday, name = _clean_one_day(date, is_workday, name)
    row = WorkCalendarDay.objects.select_for_update().filter(pk=day.pk).first()
    if row is None:
        raise ValidationError(_("这一天已被删除，请刷新后重试"))
    if date != row.date and WorkCalendarDay.objects.filter(date=date).exists():
        raise ValidationError({"date": [_("%(d)s 已在工作日历中，请直接修改那一天") % {"d": date.isoformat()}]})
    changed = {k: [str(getattr(row, k)) if k == "date" else getattr(row, k), str(v) if k == "date" else v]
               for k, v in (("date", date), ("is_workday", is_workday), ("name", name)) if getattr(row, k) != v}
    if not changed:
        return row
    row.date, row.is_workday, row.name = date, is_workday, name
    try:
        with transaction.atomic():
            row.save(update_fields=["date", "is_workday", "name"])
    except IntegrityError:
        raise ValidationError({"date": [RACE]}) from None
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=row, detail={"changed": changed},
                 request=request)
    calendar_changed()
    return row


@transaction.atomic
def calendar_day_delete(*, actor, day: WorkCalendarDay, request=None) -> bool:
    """Remove one row: the day follows the week again. False when it was already gone (a second
    submit), which writes nothing."""
    _check_editor(actor)
    row = WorkCalendarDay.objects.select_for_update().filter(pk=day.pk).first()
    if row is None:
        return False
    audit_record(actor=actor, action=AuditLog.Action.DELETE, target=row,
                 detail=_row_detail(row.date, row.is_workday, row.name), request=request)
    row.delete()
    calendar_changed()
    return True


def _write(rows: list[CalendarRow], *, replace_years: bool = False) -> dict[str, int]:
    try:
        with transaction.atomic():
            counts = calendar_load(rows, replace_years=replace_years)
    except IntegrityError:  # a date added by someone else between the plan and the insert
        raise ValidationError(RACE) from None
    calendar_changed()
    return counts


@transaction.atomic
def calendar_range_save(*, actor, first: datetime.date, last: datetime.date, is_workday: bool, name: str = "",
                        request=None) -> dict[str, int]:
    """Every day from first to last (both included, at most MAX_RANGE_DAYS) as a holiday or a working
    day with one name, e.g. 春节 2027-02-06 … 2027-02-12. Dates already listed are updated. Returns
    the counts: created, updated, unchanged."""
    _check_editor(actor)
    errors: dict = {}
    first = _clean_day(first, "first", errors)
    last = _clean_day(last, "last", errors)
    name = _clean_name(name, errors)
    is_workday = _clean_kind(is_workday, errors)
    if first and last:
        if last < first:
            errors["last"] = [_("结束日期不能早于开始日期")]
        elif (last - first).days + 1 > MAX_RANGE_DAYS:
            errors["last"] = [_("一次最多登记%(n)s天") % {"n": MAX_RANGE_DAYS}]
    if errors:
        raise ValidationError(errors)
    rows = [CalendarRow(first + datetime.timedelta(days=i), is_workday, name) for i in range((last - first).days + 1)]
    plan = calendar_plan(rows)
    counts = plan.counts
    if plan.new or plan.changed:
        _write(rows)
        audit_record(actor=actor, action=AuditLog.Action.CREATE if plan.new else AuditLog.Action.UPDATE,
                     target_type=TARGET, label=_("工作日历 %(a)s 至 %(b)s") % {"a": first, "b": last},
                     detail={"first": first.isoformat(), "last": last.isoformat(), "is_workday": is_workday,
                             "name": name, **counts, **_plan_detail(plan)}, request=request)
    return {k: v for k, v in counts.items() if k != "deleted"}


def _check_rows(rows: Iterable[CalendarRow]) -> list[CalendarRow]:
    """The rows a CSV gave (holidays.parse_csv checked them line by line); checked again here for a
    caller that built its own."""
    rows = list(rows)
    if len(rows) > MAX_CSV_ROWS:
        raise ValidationError(_("行数太多（不能超过%(m)s行）") % {"m": MAX_CSV_ROWS})
    if len({r.date for r in rows}) != len(rows):
        raise ValidationError(_("同一日期出现了两次"))
    for r in rows:
        error = day_error(r.date) or name_error(r.name)
        if error is None and not isinstance(r.is_workday, bool):
            error = _("请选择放假或调休上班")
        if error is not None:
            raise ValidationError(_("%(d)s：%(e)s") % {"d": r.date.isoformat(), "e": error})
    return rows


def calendar_import_check(*, actor, rows: Iterable[CalendarRow], replace_years: bool = False) -> CalendarPlan:
    """What importing these rows would change, writing nothing (the page shows it before 确认导入)."""
    _check_editor(actor)
    rows = _check_rows(rows)
    if not rows:
        raise ValidationError(_("文件中没有日期行"))
    return calendar_plan(rows, replace_years=replace_years)


@transaction.atomic
def calendar_import(*, actor, rows: Iterable[CalendarRow], replace_years: bool = False, filename: str = "",
                    request=None) -> dict[str, int]:
    """Write the rows of a checked CSV (dates listed already are updated); with replace_years, the rows
    of the file's years that it does not list are deleted (a corrected notice replaces the old one).
    Returns the counts: created, updated, deleted, unchanged."""
    plan = calendar_import_check(actor=actor, rows=rows, replace_years=replace_years)
    rows = list(rows)
    counts = plan.counts
    if plan.new or plan.changed or plan.stale:
        _write(rows, replace_years=replace_years)
    years = sorted({r.date.year for r in rows})
    audit_record(actor=actor, action=AuditLog.Action.IMPORT, target_type=TARGET,
                 label=_("工作日历 %(y)s") % {"y": "、".join(map(str, years))},
                 detail={"filename": filename[:100], "replace_years": replace_years, "years": years, **counts,
                         **_plan_detail(plan)},
                 request=request)
    return counts


def calendar_export(*, actor, year: int, days: list[WorkCalendarDay], request=None) -> tuple[bytes, str]:
    """A year's calendar as .xlsx bytes and the file name; audited like every export."""
    if not can_view_work_calendar(actor):
        raise PermissionDenied
    data = work_calendar_xlsx(year, days)
    audit_record(actor=actor, action=AuditLog.Action.EXPORT, target_type=TARGET, label=_("工作日历 %(y)s") % {"y": year},
                 detail={"year": year, "rows": len(days)}, request=request)
    return data, _("工作日历-%(y)s.xlsx") % {"y": year}
