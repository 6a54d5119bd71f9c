"""三长 duty points (EarnKind.DUTY), run by the periodic job (run_sla, stage `points_duty`).

A compound, building or unit head (小区长/楼栋长/单元长: "三长", DOMAIN.md §2 and the glossary) earns the
month's duty points for each month whose days their term covers at least in part, once per holder and
month (`duty:u<user>:<YYYY-MM>`; two posts in one month are one month of duty). Only a holder whose
account is linked to a current resident (resident.user) has a points account to receive them. The
entry is dated the month's last moment, so the rule version in force and the monthly cap are the
month's own. The job grants the month just ended, once (`DutyRun`); `grant_month` does any month."""

import calendar
import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.people.models import Resident
from gongzhi.territory.models import Role, RoleAssignment

from .models import DutyRun, EarnKind
from .services import earn_many

DUTY_ROLES = (Role.COMPOUND_HEAD, Role.BUILDING_HEAD, Role.UNIT_HEAD)
CHUNK = 2000


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def holders(month: datetime.date):
    """The current residents linked to a user who held a 三长 post on some day of the month."""
    first, last = month_bounds(month)
    users = (RoleAssignment.objects.filter(role__in=DUTY_ROLES, start_date__lte=last)
             .exclude(end_date__lt=first).values("user_id"))
    return (Resident.objects.filter(user_id__in=users, moved_out_on__isnull=True)
            .select_related("household").order_by("pk"))


def grant_month(month: datetime.date, *, chunk: int = CHUNK) -> int:
    """Grant the month's duty points to every holder not yet paid for it. Returns the entries booked."""
    first, last = month_bounds(month)
    at = timezone.make_aware(datetime.datetime.combine(last, datetime.time(23, 59, 59)))
    note = _("三长履职：%(m)s") % {"m": f"{first:%Y-%m}"}
    total, after = 0, 0
    while True:  # chunks of residents by id, each in its own transaction (bounded locks and queries)
        batch = list(holders(month).filter(pk__gt=after)[:chunk])
        if not batch:
            return total
        after = batch[-1].pk
        with transaction.atomic():
            total += len(earn_many(grants=[(r, f"duty:u{r.user_id}:{first:%Y-%m}") for r in batch],
                                   kind=EarnKind.DUTY, at=at, note=note))
        if len(batch) < chunk:
            return total


def duty_due(*, now=None) -> int:
    """The periodic job's stage: the month just ended, once. Returns the entries booked."""
    today = timezone.localdate(now or timezone.now())
    month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    if DutyRun.objects.filter(month=month).exists():
        return 0
    n = grant_month(month)
    DutyRun.objects.get_or_create(month=month, defaults={"entries": n})
    return n
