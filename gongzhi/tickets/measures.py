"""The three rates and the other measures for a node and period: ONE selector, used by the stats
page, the API and the Excel export. Definitions: docs/tickets-rates.md."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.territory.models import Node

from .models import DONE_STATUSES, HandlingLevel, Kind, Rating, Status, Ticket, Wish
from .models_wishes import WishStatus


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


@dataclass
class Measures:
    node: Node
    start: datetime.datetime
    end: datetime.datetime
    as_of: datetime.datetime
    total: int = 0
    response_due: int = 0
    responded_on_time: int = 0
    resolved: int = 0
    rated: int = 0
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0
    closure_due: int = 0
    closed_on_time: int = 0
    opinions_collected: int = 0
    hazards_collected: int = 0
    wishes_collected: int = 0
    wishes_claimed: int = 0
    wishes_fulfilled: int = 0
    by_level: dict = field(default_factory=dict)

    @property
    def response_rate(self):
        return _rate(self.responded_on_time, self.response_due)

    @property
    def resolution_rate(self):
        return _rate(self.resolved, self.total)

    @property
    def satisfaction_rate(self):
        return _rate(self.satisfied + self.basic, self.rated)

    @property
    def on_time_closure_rate(self):
        return _rate(self.closed_on_time, self.closure_due)

    def rows(self) -> list[tuple[str, object]]:
        """Label/value pairs in one order for the page and the Excel sheet."""
        rows = [
            (_("诉求总数"), self.total),
            (_("响应率"), self.response_rate),
            (_("解决率"), self.resolution_rate),
            (_("满意率"), self.satisfaction_rate),
            (_("按时办结率"), self.on_time_closure_rate),
            (_("应响应数"), self.response_due),
            (_("按时响应数"), self.responded_on_time),
            (_("已解决数"), self.resolved),
            (_("已评价数"), self.rated),
            (_("满意"), self.satisfied),
            (_("基本满意"), self.basic),
            (_("不满意"), self.unsatisfied),
            (_("应办结数"), self.closure_due),
            (_("按时办结数"), self.closed_on_time),
            (_("收集意见建议"), self.opinions_collected),
            (_("隐患报告"), self.hazards_collected),
            (_("收集微心愿"), self.wishes_collected),
            (_("认领微心愿"), self.wishes_claimed),
            (_("实现微心愿"), self.wishes_fulfilled),
        ]
        rows += [(_("在%(l)s化解") % {"l": HandlingLevel(lv).label}, self.by_level.get(lv, 0))
                 for lv in HandlingLevel.values]
        return rows

    def as_dict(self) -> dict:
        return {
            "node_id": self.node.pk, "node": self.node.name, "start": self.start.isoformat(),
            "end": self.end.isoformat(), "as_of": self.as_of.isoformat(),
            "response_rate": self.response_rate, "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate, "on_time_closure_rate": self.on_time_closure_rate,
            **{k: getattr(self, k) for k in (
                "total", "response_due", "responded_on_time", "resolved", "rated", "satisfied", "basic",
                "unsatisfied", "closure_due", "closed_on_time", "opinions_collected", "hazards_collected",
                "wishes_collected", "wishes_claimed", "wishes_fulfilled")},
            "by_level": self.by_level,
        }


def ticket_measures(node: Node, start: datetime.datetime, end: datetime.datetime, *, now=None) -> Measures:
    """Caller must have checked that the user may see `node` (selectors.get_node)."""
    as_of = min(now or timezone.now(), end)
    base = Ticket.objects.filter(node_path__under=node.path, created_at__gte=start, created_at__lt=end).exclude(
        status__in=[Status.MERGED, Status.REJECTED])
    # One pass over the covering index ticket_place_created_cov (an index-only scan on PostgreSQL):
    # every count reads only its key and INCLUDE columns. COUNT(created_at) counts rows like COUNT(*)
    # (the column is NOT NULL) but, unlike COUNT(id), needs no heap visit; Django refuses Count("*")
    # with a filter.
    n = "created_at"
    done = Q(status__in=DONE_STATUSES)
    agg = base.aggregate(
        total=Count(n),
        response_due=Count(n, filter=Q(responded_at__isnull=False) | Q(respond_by__lte=as_of)),
        responded_on_time=Count(n, filter=Q(responded_at__lte=F("respond_by"))),
        resolved=Count(n, filter=done),
        rated=Count(n, filter=~Q(rating="")),
        satisfied=Count(n, filter=Q(rating=Rating.SATISFIED)),
        basic=Count(n, filter=Q(rating=Rating.BASIC)),
        unsatisfied=Count(n, filter=Q(rating=Rating.UNSATISFIED)),
        closure_due=Count(n, filter=Q(status=Status.CLOSED) | Q(resolve_by__lte=as_of)),
        closed_on_time=Count(n, filter=Q(status=Status.CLOSED, resolved_at__lte=F("resolve_by"))),
        opinions_collected=Count(n, filter=Q(kind=Kind.OPINION)),
        hazards_collected=Count(n, filter=Q(kind=Kind.HAZARD)),
        **{f"level_{lv}": Count(n, filter=done & Q(resolved_level=lv)) for lv in HandlingLevel.values},
    )
    levels = {lv: c for lv in HandlingLevel.values if (c := agg.pop(f"level_{lv}"))}
    w = Wish.objects.filter(node_path__under=node.path, created_at__gte=start, created_at__lt=end).aggregate(
        wishes_collected=Count("pk", filter=~Q(status=WishStatus.WITHDRAWN)),
        wishes_claimed=Count("pk", filter=Q(status__in=[WishStatus.CLAIMED, WishStatus.FULFILLED, WishStatus.CONFIRMED])),
        wishes_fulfilled=Count("pk", filter=Q(status__in=[WishStatus.FULFILLED, WishStatus.CONFIRMED])),
    )
    return Measures(node=node, start=start, end=end, as_of=as_of, by_level=levels, **agg, **w)


FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(2099, 12, 31)


def period_bounds(start: datetime.date | None, end: datetime.date | None) -> tuple[datetime.datetime, datetime.datetime]:
    """Dates (inclusive) to aware datetimes [start 00:00, end+1 00:00); default: this year to today."""
    from django.core.exceptions import ValidationError

    today = timezone.localdate()
    start = start or today.replace(month=1, day=1)
    end = end or today
    for name, d in (("start", start), ("end", end)):
        # 0001-01-01 or 9999-12-31 would overflow the time zone arithmetic below and in the database.
        if not (FIRST_DAY <= d <= LAST_DAY):
            raise ValidationError({name: [_("日期应在 %(a)s 至 %(b)s 之间") % {"a": FIRST_DAY, "b": LAST_DAY}]})
    if end < start:
        raise ValidationError({"end": [_("结束日期不能早于开始日期")]})
    tz = timezone.get_current_timezone()
    return (datetime.datetime.combine(start, datetime.time.min, tz),
            datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tz))
