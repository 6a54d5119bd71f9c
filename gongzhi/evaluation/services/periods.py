"""Opening, closing and reopening periods."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import audit_record

from .. import aggregation, subjects
from ..models import Juror, Party, Period, PeriodEvent, PeriodJuror, RuleSet, RuleVersion, ScoreSheet, Subject
from ..periods_calendar import bounds, check_day
from ..permissions import can_manage_rule_set
from .red_flags import grant_red_flags


def version_in_force(rule_set: RuleSet, day: datetime.date) -> RuleVersion | None:
    return (
        rule_set.versions.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day), effective_from__lte=day)
        .order_by("-effective_from").first()
    )


def default_selection(rule_set: RuleSet, rows: list[Subject]) -> list[Subject]:
    """The subjects a new period takes when none are given: the previous period's selection (by place), or
    every candidate when there is no previous period."""
    previous = rule_set.periods.order_by("-start").first()
    if previous is None:
        return rows
    keys = set(previous.subjects.values_list("key", flat=True))
    return [s for s in rows if s.key in keys]


@transaction.atomic
def period_open(*, actor, rule_set: RuleSet, day: datetime.date, subject_refs: list[int] | None = None) -> Period:
    """Open the period (month by default) containing `day`, scored under the version in force on its first
    day. The subjects are a snapshot: the given place ids (node, household or organisation ids) among the
    candidates under the rule set's node, or by default the previous period's selection (everything for the
    first period). The period's jury is a copy of the rule set's active jurors."""
    check_day(day)
    rule_set = RuleSet.objects.select_for_update().select_related("node").get(pk=rule_set.pk)
    if not can_manage_rule_set(actor, rule_set):
        raise PermissionDenied(_("您不能管理这套评分细则的考评期"))
    start, end, label = bounds(rule_set.period_kind, day)
    if rule_set.periods.filter(start=start).exists():
        raise ValidationError({"day": [_("%(l)s的考评期已经开启过") % {"l": label}]})
    version = version_in_force(rule_set, start)
    if version is None:
        raise ValidationError({"day": [_("%(d)s没有生效的评分细则版本，请先建立版本") % {"d": start.isoformat()}]})
    if not any(i.is_scored for i in version.items.all()):
        raise ValidationError({"day": [_("第%(n)s版没有可评分的条目") % {"n": version.number}]})
    rows = subjects.candidates(rule_set)
    if subject_refs is not None:
        wanted = set(subject_refs)
        unknown = wanted - {subjects.ref_id(s) for s in rows}
        if unknown:
            raise ValidationError({"subjects": [_("有%(n)s个对象不在本细则的范围内") % {"n": len(unknown)}]})
        rows = [s for s in rows if subjects.ref_id(s) in wanted]
    else:
        rows = default_selection(rule_set, rows)
    if not rows:
        raise ValidationError({"subjects": [_("没有可评比的对象")]})
    period = Period.objects.create(rule_set=rule_set, version=version, start=start, end=end, label=label,
                                   opened_by=actor)
    for s in rows:
        s.period = period
    Subject.objects.bulk_create(rows, batch_size=2000)
    PeriodJuror.objects.bulk_create([
        PeriodJuror(period=period, user_id=j.user_id, party=j.party, organisation_id=j.organisation_id, source=j,
                    added_by=actor)
        for j in Juror.objects.filter(rule_set=rule_set, active=True).order_by("party", "id")
    ])
    PeriodEvent.objects.create(period=period, action=PeriodEvent.Action.OPEN, actor=actor)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=period,
                 detail={"version": version.number, "subjects": len(rows)})
    return period


def jury_complete(period: Period) -> bool:
    """Every juror on the period's jury has scored every subject (and there is a jury)."""
    seats = list(period.jury.filter(active=True).values_list("user_id", flat=True))
    if not seats:
        return False
    done = ScoreSheet.objects.filter(period=period, is_current=True, submitted_by__in=seats).count()
    return done >= period.subjects.count() * len(seats)


def _close(period: Period, actor, action: str, reason: str = "") -> Period:
    round_no = period.round + 1
    aggregation.close_results(period, round_no)
    now = timezone.now()
    grant_red_flags(period, round_no, now)  # 微积分: the honoured units' residents earn, in this transaction
    Period.objects.filter(pk=period.pk).update(status=Period.Status.CLOSED, round=round_no, closed_by=actor,
                                               closed_at=now)
    period.status, period.round, period.closed_by, period.closed_at = Period.Status.CLOSED, round_no, actor, now
    PeriodEvent.objects.create(period=period, action=action, actor=actor, reason=reason, round=round_no)
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=period, detail={"close": round_no})
    return period


@transaction.atomic
def period_close(*, actor, period: Period, reason: str = "") -> Period:
    period = Period.objects.select_for_update().select_related("rule_set__node", "version").get(pk=period.pk)
    if not can_manage_rule_set(actor, period.rule_set):
        raise PermissionDenied(_("您不能结束这个考评期"))
    if not period.is_open:
        raise ValidationError(_("%(l)s的评分已经结束") % {"l": period.label})
    return _close(period, actor, PeriodEvent.Action.CLOSE, reason=(reason or "").strip()[:300])


def close_if_complete(period: Period, actor) -> bool:
    """Called inside the sheet's transaction, with the period row locked."""
    if jury_complete(period):
        _close(period, actor, PeriodEvent.Action.AUTO_CLOSE)
        return True
    return False


@transaction.atomic
def period_reopen(*, actor, period: Period, reason: str) -> Period:
    """A correction: the period takes scores again. Results already published stay recorded as their round;
    the next close appends a new round."""
    period = Period.objects.select_for_update().select_related("rule_set__node").get(pk=period.pk)
    if not can_manage_rule_set(actor, period.rule_set):
        raise PermissionDenied(_("您不能重新开启这个考评期"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写重新开启的原因")]})
    if period.is_open:
        raise ValidationError(_("%(l)s仍在评分中，无需重新开启") % {"l": period.label})
    Period.objects.filter(pk=period.pk).update(status=Period.Status.OPEN)
    period.status = Period.Status.OPEN
    PeriodEvent.objects.create(period=period, action=PeriodEvent.Action.REOPEN, actor=actor, reason=reason[:300],
                               round=period.round)
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=period, detail={"reopen": reason[:300]})
    return period


def _open_for_jury(actor, period: Period) -> Period:
    period = Period.objects.select_for_update().select_related("rule_set__node").get(pk=period.pk)
    if not can_manage_rule_set(actor, period.rule_set):
        raise PermissionDenied(_("您不能管理这个考评期的评审团"))
    if not period.is_open:
        raise ValidationError(_("%(l)s的评分已经结束，评审团不能再调整") % {"l": period.label})
    return period


@transaction.atomic
def period_juror_add(*, actor, period: Period, user, party: str) -> PeriodJuror:
    """Seat someone on an open period's jury (only this period). A person removed earlier gets their seat
    back, with the sheets they had written."""
    period = _open_for_jury(actor, period)
    if party not in Party.values:
        raise ValidationError({"party": [_("请选择评委代表的一方")]})
    seat = PeriodJuror.objects.filter(period=period, user=user).first()
    if seat is not None and seat.active:
        raise ValidationError({"user": [_("%(u)s 已是本期评审团成员") % {"u": user.display_name}]})
    if seat is None:
        seat = PeriodJuror.objects.create(period=period, user=user, party=party, added_by=actor)
    else:
        seat.active, seat.party, seat.removed_at, seat.removed_by = True, party, None, None
        seat.added_by = actor
        seat.save(update_fields=["active", "party", "removed_at", "removed_by", "added_by"])
    PeriodEvent.objects.create(period=period, action=PeriodEvent.Action.JUROR_ADD, actor=actor,
                               reason=f"{user.display_name}（{seat.get_party_display()}）"[:300], round=period.round)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=period, detail={"juror_add": user.pk})
    return seat


@transaction.atomic
def period_juror_remove(*, actor, period: Period, seat: PeriodJuror) -> PeriodJuror:
    """Take a seat off an open period's jury. The row and its sheets stay; the sheets no longer count."""
    period = _open_for_jury(actor, period)
    seat = PeriodJuror.objects.select_for_update().select_related("user").get(pk=seat.pk, period=period)
    if not seat.active:
        raise ValidationError(_("%(u)s 已不在本期评审团") % {"u": seat.user.display_name})
    seat.active, seat.removed_at, seat.removed_by = False, timezone.now(), actor
    seat.save(update_fields=["active", "removed_at", "removed_by"])
    PeriodEvent.objects.create(period=period, action=PeriodEvent.Action.JUROR_REMOVE, actor=actor,
                               reason=f"{seat.user.display_name}（{seat.get_party_display()}）"[:300],
                               round=period.round)
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=period, detail={"juror_remove": seat.user_id})
    return seat
