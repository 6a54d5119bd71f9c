"""The visit figures for a node and a period — one computation each, used by the page, the API and
the ledger. Definitions: docs/visits.md (same names)."""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.territory.models import Level, Node
from gongzhi.tickets.models import DONE_STATUSES
from gongzhi.tickets.models_wishes import WishStatus

from .models import CareDue, FindingTag, Outcome, Visit, VisitFollowUp, VisitTag

MAX_DAYS = 366


def period_bounds(start: datetime.date | None, end: datetime.date | None) -> tuple[datetime.date, datetime.date]:
    """[start, end] inclusive, local dates; default: this month so far."""
    today = timezone.localdate()
    start = start or today.replace(day=1)
    end = end or today
    if end < start:
        raise ValidationError(_("结束日期不能早于开始日期"))
    if (end - start).days >= MAX_DAYS:
        raise ValidationError(_("统计期间不能超过一年"))
    return start, end


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _place(node: Node) -> Q:
    # A community reads its own column (an index on community, day); anything else the path range.
    return Q(community_id=node.pk) if node.level == Level.COMMUNITY else Q(node_path__under=node.path)


@dataclass
class VisitMeasures:
    node: Node
    start: datetime.date
    end: datetime.date
    visits: int = 0
    households_visited: int = 0
    person_visits: int = 0
    care_due: int = 0
    care_on_time: int = 0
    findings: dict[str, int] = field(default_factory=dict)
    tickets_filed: int = 0
    tickets_resolved: int = 0
    wishes_filed: int = 0
    wishes_fulfilled: int = 0

    @property
    def coverage(self) -> Decimal | None:
        """Share of the care visits due in the period (up to today) done on or before their day."""
        if not self.care_due:
            return None
        return (Decimal(self.care_on_time) / Decimal(self.care_due)).quantize(Decimal("0.0001"), ROUND_HALF_UP)

    def rows(self) -> list[tuple[str, object]]:
        cov = self.coverage
        return [
            (_("走访次数"), self.visits),
            (_("走访户数"), self.households_visited),
            (_("走访人次"), self.person_visits),
            (_("应关爱走访次数"), self.care_due),
            (_("按时关爱走访次数"), self.care_on_time),
            (_("重点人群走访覆盖率"), f"{cov * 100:.1f}%" if cov is not None else "—"),
            *[(_("发现：%(tag)s") % {"tag": FindingTag(t).label}, self.findings.get(t, 0)) for t in FindingTag.values],
            (_("转为工单"), self.tickets_filed),
            (_("工单已办结"), self.tickets_resolved),
            (_("转为微心愿"), self.wishes_filed),
            (_("微心愿已实现"), self.wishes_fulfilled),
        ]

    def as_dict(self) -> dict:
        cov = self.coverage
        return {"node_id": self.node.pk, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "visits": self.visits, "households_visited": self.households_visited,
                "person_visits": self.person_visits, "care_due": self.care_due, "care_on_time": self.care_on_time,
                "coverage": str(cov) if cov is not None else None, "findings": self.findings,
                "tickets_filed": self.tickets_filed, "tickets_resolved": self.tickets_resolved,
                "wishes_filed": self.wishes_filed, "wishes_fulfilled": self.wishes_fulfilled}


def coverage(node: Node, start: datetime.date, end: datetime.date, *, today: datetime.date | None = None
             ) -> tuple[int, int]:
    """(due, on time): care dues whose day falls in [start, end] and has come (≤ today)."""
    today = today or timezone.localdate()
    last = min(end, today)
    if last < start:
        return 0, 0
    row = CareDue.objects.filter(_place(node), due_on__gte=start, due_on__lte=last).aggregate(
        due=Count("id"), on_time=Count("id", filter=Q(done_on__isnull=False, done_on__lte=F("due_on"))))
    return row["due"], row["on_time"]


def visit_measures(node: Node, start: datetime.date, end: datetime.date) -> VisitMeasures:
    """Five aggregate queries whatever the size of the node."""
    m = VisitMeasures(node=node, start=start, end=end)
    visits = Visit.objects.filter(_place(node), visited_at__gte=_aware(start),
                                  visited_at__lt=_aware(end + datetime.timedelta(days=1)))
    row = visits.filter(outcome=Outcome.MET).aggregate(n=Count("id"), hh=Count("household_id", distinct=True),
                                                        persons=Sum("persons_met"))
    m.visits, m.households_visited, m.person_visits = row["n"], row["hh"], row["persons"] or 0
    m.care_due, m.care_on_time = coverage(node, start, end)
    m.findings = dict(VisitTag.objects.filter(visit__in=visits).values_list("tag").annotate(n=Count("id"))
                      .values_list("tag", "n"))
    f = VisitFollowUp.objects.filter(visit__in=visits).aggregate(
        t=Count("ticket_id"), tr=Count("ticket_id", filter=Q(ticket__status__in=DONE_STATUSES)),
        w=Count("wish_id"), wf=Count("wish_id", filter=Q(wish__status__in=[WishStatus.FULFILLED, WishStatus.CONFIRMED])))
    m.tickets_filed, m.tickets_resolved, m.wishes_filed, m.wishes_fulfilled = f["t"], f["tr"], f["w"], f["wf"]
    return m
