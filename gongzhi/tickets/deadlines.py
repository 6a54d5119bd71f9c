"""SLA arithmetic: hours on the clock, or hours counted on working days only (Mon-Fri)."""

import datetime

from django.utils import timezone


def add_hours(start: datetime.datetime, hours: int, working_days: bool = False) -> datetime.datetime:
    if not working_days:
        return start + datetime.timedelta(hours=hours)
    t = timezone.localtime(start)
    remaining = datetime.timedelta(hours=hours)
    while True:
        midnight = (t + datetime.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        if t.weekday() >= 5:  # Saturday or Sunday: the clock does not run
            t = midnight
            continue
        available = midnight - t
        if remaining <= available:
            return t + remaining
        remaining -= available
        t = midnight


def sla_deadlines(category, start: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    return (add_hours(start, category.response_hours, category.working_days),
            add_hours(start, category.resolve_hours, category.working_days))


def fresh_window(category, now: datetime.datetime, *, resolve: bool) -> datetime.datetime:
    """A new handler's own window after a re-dispatch, escalation or reopening."""
    hours = category.resolve_hours if resolve else category.response_hours
    return add_hours(now, hours, category.working_days)
