"""Year-end awards (top N by red-flag months) and role-holder subsidies (三长)."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import audit_record
from gongzhi.territory.models import RoleAssignment

from ..models import Period, RoleSubsidy, RuleSet, SetKind, YearAward
from ..periods_calendar import check_year
from ..permissions import can_manage_rule_set
from ..selectors import ROLE_HOLDERS, year_standings
from .periods import version_in_force


@transaction.atomic
def awards_grant(*, actor, rule_set: RuleSet, year: int, subsidy_percent: Decimal | None = None) -> list[YearAward]:
    """Award the year's top N by red-flag months (ties: see selectors.year_standings). N and the subsidy come
    from the version in force at the end of the year unless a subsidy is given. Granted once per year."""
    check_year(year)
    rule_set = RuleSet.objects.select_for_update().select_related("node").get(pk=rule_set.pk)
    if not can_manage_rule_set(actor, rule_set):
        raise PermissionDenied(_("您不能授予这套细则的年度奖励"))
    if rule_set.kind != SetKind.RANKING:
        raise ValidationError(_("只有月度排名类评比才有按获旗次数的年度奖励"))
    if rule_set.awards.current().filter(year=year).exists():
        raise ValidationError(_("%(y)s年度的奖励已经授予") % {"y": year})
    periods = Period.objects.filter(rule_set=rule_set, start__year=year)
    if periods.filter(status=Period.Status.OPEN).exists():
        raise ValidationError(_("%(y)s年还有考评期在评分中，请先结束") % {"y": year})
    if not periods.exists():
        raise ValidationError(_("%(y)s年没有已结束的考评期") % {"y": year})
    version = version_in_force(rule_set, datetime.date(year, 12, 31)) or periods.order_by("-start").first().version
    if subsidy_percent is None:
        subsidy_percent = version.award_subsidy_percent
    subsidy_percent = Decimal(str(subsidy_percent))
    if not subsidy_percent.is_finite() or not Decimal("0") <= subsidy_percent <= Decimal("100"):
        raise ValidationError({"subsidy_percent": [_("补贴比例应在0至100之间")]})
    standings = [s for s in year_standings(rule_set, year) if s.flag_months > 0][: version.award_count]
    if not standings:
        raise ValidationError(_("%(y)s年没有获得%(t)s的对象") % {"y": year, "t": version.top_title})
    awards = [
        YearAward(rule_set=rule_set, year=year, rank=n, subject_key=s.key, label=s.label, node_id=s.node_id,
                  household_id=s.household_id, organisation_id=s.organisation_id, flag_months=s.flag_months,
                  year_total=s.year_total, subsidy_percent=subsidy_percent, granted_by=actor)
        for n, s in enumerate(standings, start=1)
    ]
    YearAward.objects.bulk_create(awards)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=rule_set,
                 detail={"awards": year, "subjects": [a.label for a in awards]})
    return list(rule_set.awards.current().filter(year=year).order_by("rank"))


REVOKE_REASON_MIN = 4


@transaction.atomic
def awards_revoke(*, actor, rule_set: RuleSet, year: int, reason: str, request=None) -> int:
    """Revoke every current award of the year (撤销年度奖励), e.g. after a period was reopened and its results
    changed. The rows stay, marked with who, when and why; the year can then be granted again."""
    check_year(year)
    rule_set = RuleSet.objects.select_for_update().select_related("node").get(pk=rule_set.pk)
    if not can_manage_rule_set(actor, rule_set):
        raise PermissionDenied(_("您不能撤销这套细则的年度奖励"))
    reason = (reason or "").strip()
    if len(reason) < REVOKE_REASON_MIN:
        raise ValidationError({"reason": [_("请填写撤销原因（至少%(n)s个字）") % {"n": REVOKE_REASON_MIN}]})
    current = rule_set.awards.current().filter(year=year)
    labels = list(current.order_by("rank").values_list("label", flat=True))
    if not labels:
        raise ValidationError(_("%(y)s年度没有可撤销的奖励") % {"y": year})
    # The rule set row lock serialises grant and revoke, so the rows read above are the ones updated here.
    revoked = current.update(revoked_at=timezone.now(), revoked_by=actor, revoke_reason=reason)
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=rule_set, request=request,
                 detail={"awards_revoked": year, "subjects": labels, "reason": reason})
    return revoked


@transaction.atomic
def role_subsidy_grant(*, actor, rule_set: RuleSet, year: int, assignment: RoleAssignment, note: str = "") -> RoleSubsidy:
    """Grant a compound/building/unit head the subsidy the rules set (seed 002: 10%, then 10% more)."""
    check_year(year)
    rule_set = RuleSet.objects.select_for_update().select_related("node").get(pk=rule_set.pk)
    if not can_manage_rule_set(actor, rule_set):
        raise PermissionDenied(_("您不能授予“三长”补贴"))
    if assignment.role not in ROLE_HOLDERS or assignment.node is None \
            or not assignment.node.path.startswith(rule_set.node.path):
        raise ValidationError({"assignment": [_("只能给本细则范围内的小区长、楼栋长、单元长授予补贴")]})
    version = version_in_force(rule_set, min(datetime.date(year, 12, 31), timezone.localdate())) \
        or version_in_force(rule_set, datetime.date(year, 12, 31))
    if version is None:
        raise ValidationError(_("%(y)s年没有生效的细则版本") % {"y": year})
    if version.role_subsidy_total <= 0:
        raise ValidationError(_("第%(n)s版细则没有规定“三长”补贴") % {"n": version.number})
    if RoleSubsidy.objects.filter(rule_set=rule_set, year=year, assignment=assignment).exists():
        raise ValidationError(_("%(u)s %(y)s年度的补贴已经授予") % {"u": assignment.user.display_name, "y": year})
    grant = RoleSubsidy.objects.create(
        rule_set=rule_set, version=version, year=year, assignment=assignment, user=assignment.user,
        base_percent=version.role_subsidy_percent, extra_percent=version.role_subsidy_extra_percent,
        percent=version.role_subsidy_total, note=(note or "").strip()[:300], granted_by=actor)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=rule_set,
                 detail={"role_subsidy": grant.pk, "user": assignment.user_id, "percent": str(grant.percent)})
    return grant
