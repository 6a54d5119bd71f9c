"""Period bounds and labels: a month, a quarter or a year containing a day."""

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import PeriodKind


def bounds(kind: str, day: datetime.date) -> tuple[datetime.date, datetime.date, str]:
    if kind == PeriodKind.MONTH:
        last = calendar.monthrange(day.year, day.month)[1]
        return (day.replace(day=1), day.replace(day=last),
                _("%(y)s年%(m)s月") % {"y": day.year, "m": day.month})
    if kind == PeriodKind.QUARTER:
        q = (day.month - 1) // 3
        start = datetime.date(day.year, 3 * q + 1, 1)
        end_month = 3 * q + 3
        end = datetime.date(day.year, end_month, calendar.monthrange(day.year, end_month)[1])
        return start, end, _("%(y)s年第%(q)s季度") % {"y": day.year, "q": q + 1}
    return datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31), _("%(y)s年度") % {"y": day.year}


YEAR_MIN, YEAR_MAX = 2000, 2100


def check_year(year, field: str = "year") -> int:
    """A year an evaluation can be about; anything else is a clear 400, never an overflow deeper down."""
    if isinstance(year, bool) or not isinstance(year, int) or not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationError({field: [_("年度应在%(a)s至%(b)s之间") % {"a": YEAR_MIN, "b": YEAR_MAX}]})
    return year


def check_day(day: datetime.date | None, field: str = "day") -> datetime.date | None:
    if day is not None and not YEAR_MIN <= day.year <= YEAR_MAX:
        raise ValidationError({field: [_("日期应在%(a)s年至%(b)s年之间") % {"a": YEAR_MIN, "b": YEAR_MAX}]})
    return day
