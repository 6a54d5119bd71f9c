"""SLA arithmetic: hours on the clock, or hours counted on working days only.

A working day follows the week (Monday-Friday) unless the work calendar (`WorkCalendarDay`) says
otherwise: public holidays (国庆, 春节 …) stop the clock, 调休 working Saturdays/Sundays run it.
The calendar rows a computation needs are read in one query for a date range generous enough for
any real deadline; a range that still falls short is extended by one more query per chunk."""

import datetime
import math

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

# A deadline of N working days fits in 2N + 21 calendar days whenever a holiday block is at most
# ~10 days long (春节 9 days plus its weekends); a longer run of days off costs one more query.
SLACK_DAYS = 21
EXTEND_DAYS = 31
# Past ten years in a row without a working day the calendar is wrong (e.g. a bulk import marked every day
# as a holiday): fail loudly rather than loop.
MAX_SKIPPED_DAYS = 3660


def span_days(hours: int) -> int:
    return 2 * math.ceil(hours / 24) + SLACK_DAYS


class WorkCalendar:
    """The work calendar for a date range, loaded lazily: `is_workday(d)` reads rows only when `d`
    falls outside what is already loaded. Share one instance between the computations of a single
    piece of work (both deadlines of a new ticket, one SLA sweep) to read the rows once."""

    def __init__(self) -> None:
        self._days: dict[datetime.date, bool] = {}
        self._lo: datetime.date | None = None  # loaded range [lo, hi)
        self._hi: datetime.date | None = None
        self.queries = 0

    def _fetch(self, lo: datetime.date, hi: datetime.date) -> None:
        from .models import WorkCalendarDay

        self.queries += 1
        self._days.update(WorkCalendarDay.objects.filter(date__gte=lo, date__lt=hi)
                          .values_list("date", "is_workday"))

    def ensure(self, lo: datetime.date, hi: datetime.date) -> None:
        """Make sure [lo, hi) is loaded: at most one query, none when it already is."""
        if self._lo is None:
            self._fetch(lo, hi)
            self._lo, self._hi = lo, hi
            return
        if lo < self._lo and hi > self._hi:  # wider on both ends: one query for the lot
            self._fetch(lo, hi)
            self._lo, self._hi = lo, hi
        elif lo < self._lo:
            self._fetch(lo, self._lo)
            self._lo = lo
        elif hi > self._hi:
            self._fetch(self._hi, hi)
            self._hi = hi

    def is_workday(self, day: datetime.date) -> bool:
        if self._lo is None or day < self._lo or day >= self._hi:
            self.ensure(day, day + datetime.timedelta(days=EXTEND_DAYS))
        flag = self._days.get(day)
        return day.weekday() < 5 if flag is None else flag


def add_hours(start: datetime.datetime, hours: int, working_days: bool = False,
              calendar: WorkCalendar | None = None) -> datetime.datetime:
    if not working_days:
        return start + datetime.timedelta(hours=hours)
    t = timezone.localtime(start)
    cal = calendar or WorkCalendar()
    cal.ensure(t.date(), t.date() + datetime.timedelta(days=span_days(hours)))
    remaining = datetime.timedelta(hours=hours)
    skipped = 0
    while True:
        midnight = (t + datetime.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        if not cal.is_workday(t.date()):  # weekend or public holiday: the clock does not run
            skipped += 1
            if skipped > MAX_SKIPPED_DAYS:
                raise ValueError(f"work calendar has no working day for ten years after {start}")
            t = midnight
            continue
        skipped = 0
        available = midnight - t
        if remaining <= available:
            return t + remaining
        remaining -= available
        t = midnight


def sla_deadlines(category, start: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    if not category.working_days:
        return add_hours(start, category.response_hours), add_hours(start, category.resolve_hours)
    cal = cache.get(CALENDAR_KEY) or WorkCalendar()
    # The longer window first, so its range (which covers the shorter one's) is the one query.
    resolve_by = add_hours(start, category.resolve_hours, True, cal)
    respond_by = add_hours(start, category.response_hours, True, cal)
    if cal.queries:  # read rows this time: keep the grown calendar for the next tickets
        cal.queries = 0
        cache.set(CALENDAR_KEY, cal, int(getattr(settings, "TICKETS_CALENDAR_SECONDS", 60)))
    return respond_by, resolve_by


# New tickets' deadlines read the calendar kept in Django's cache for TICKETS_CALENDAR_SECONDS
# (default 60), deleted at once after a change saved through the ORM: intake then costs no calendar
# query at all, and an edit in the admin applies within a minute everywhere.
CALENDAR_KEY = "tickets:work-calendar"


def forget_shared_calendar() -> None:
    cache.delete(CALENDAR_KEY)


def calendar_changed(**kwargs) -> None:
    """post_save/post_delete of WorkCalendarDay (connected in apps.py): forget now and, since another
    request may re-read before the change commits, once more after the commit."""
    from django.db import transaction

    forget_shared_calendar()
    transaction.on_commit(forget_shared_calendar)


def fresh_window(category, now: datetime.datetime, *, resolve: bool,
                 calendar: WorkCalendar | None = None) -> datetime.datetime:
    """A new handler's own window after a re-dispatch, escalation or reopening."""
    hours = category.resolve_hours if resolve else category.response_hours
    return add_hours(now, hours, category.working_days, calendar)
