"""Writes to rule sets, versions, items and juries."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import audit_record
from gongzhi.territory.models import Level, Node
from gongzhi.territory.permissions import can_manage_node

from ..models import (
    Category,
    CompoundType,
    ItemKind,
    Juror,
    Party,
    PeriodKind,
    RuleItem,
    RuleSet,
    RuleVersion,
    SetKind,
    SubjectType,
)
from ..periods_calendar import check_day
from ..permissions import can_manage_rule_set

# Which places may carry a rule set for which subjects.
SUBJECT_NODE_LEVELS = {
    SubjectType.UNIT: {Level.COMMUNITY, Level.COMPOUND, Level.BUILDING},
    SubjectType.BUILDING: {Level.COMMUNITY, Level.COMPOUND},
    SubjectType.COMPOUND: {Level.STREET, Level.COMMUNITY},
    SubjectType.HOUSEHOLD: {Level.COMMUNITY, Level.COMPOUND, Level.BUILDING},
    SubjectType.PROPERTY: {Level.COUNTY, Level.STREET, Level.COMMUNITY, Level.COMPOUND},
}


def _choice(value: str, choices, field: str, message: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: [message]})
    return value


@transaction.atomic
def rule_set_create(*, actor, node: Node, name: str, subject_type: str, kind: str = SetKind.RANKING,
                    period_kind: str = PeriodKind.MONTH, compound_type: str = "", description: str = "") -> RuleSet:
    if not can_manage_node(actor, node):
        raise PermissionDenied(_("您不能管理该区划的评分细则"))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("请填写名称")]})
    _choice(subject_type, SubjectType, "subject_type", _("请选择评比对象"))
    _choice(kind, SetKind, "kind", _("请选择评比类型"))
    _choice(period_kind, PeriodKind, "period_kind", _("请选择考评周期"))
    if compound_type:
        _choice(compound_type, CompoundType, "compound_type", _("小区类型无效"))
    if node.level not in SUBJECT_NODE_LEVELS[SubjectType(subject_type)]:
        raise ValidationError({"node": [_("“%(l)s”下不能评比“%(s)s”") % {
            "l": node.get_level_display(), "s": SubjectType(subject_type).label}]})
    if RuleSet.objects.filter(node=node, name=name).exists():
        raise ValidationError({"name": [_("该区划已有同名评分细则")]})
    rs = RuleSet.objects.create(node=node, name=name, kind=kind, subject_type=subject_type, period_kind=period_kind,
                                compound_type=compound_type, description=description, created_by=actor)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=rs)
    return rs


def _fmt(d: datetime.date | None) -> str:
    return d.isoformat() if d else _("长期")


VERSION_SETTINGS = ("base_points", "top_n", "top_title", "award_count", "award_subsidy_percent",
                    "role_subsidy_percent", "role_subsidy_extra_percent", "star_thresholds")


@transaction.atomic
def version_create(*, actor, rule_set: RuleSet, effective_from: datetime.date, adopted_by: str,
                   effective_to: datetime.date | None = None, adopted_on: datetime.date | None = None,
                   summary: str = "", copy_items: bool = True, decision=None, **settings) -> RuleVersion:
    """A new version from `effective_from`. The items (and settings not given) of the latest version are
    copied, each copy remembering the item it came from, so a revision is a small edit of a draft.

    An open-ended earlier version is ended the day before, unless a period already runs under it on or after
    that date. Any other overlap is refused."""
    rule_set = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    if not can_manage_rule_set(actor, rule_set):
        raise PermissionDenied(_("您不能修改这套评分细则"))
    check_day(effective_from, "effective_from")
    check_day(effective_to, "effective_to")
    check_day(adopted_on, "adopted_on")
    adopted_by = (adopted_by or "").strip() or (str(decision)[:200] if decision is not None else "")
    if decision is not None and not rule_set.node.path.startswith(decision.topic.place_path):
        raise ValidationError({"decision": [_("该议事决定不属于这套评分细则的区划")]})
    if not adopted_by:
        raise ValidationError({"adopted_by": [_("请填写通过本版本的会议或决定")]})
    if effective_to and effective_to < effective_from:
        raise ValidationError({"effective_to": [_("失效日期不能早于生效日期")]})
    unknown = set(settings) - set(VERSION_SETTINGS)
    if unknown:
        raise ValidationError(_("未知的设置：%(s)s") % {"s": ", ".join(sorted(unknown))})
    versions = list(rule_set.versions.order_by("effective_from"))
    to_end: RuleVersion | None = None
    for v in versions:
        new_end = effective_to or datetime.date.max
        old_end = v.effective_to or datetime.date.max
        if v.effective_from <= new_end and effective_from <= old_end:
            if v.effective_to is None and v.effective_from < effective_from:
                if v.periods.filter(start__gte=effective_from).exists():
                    raise ValidationError({"effective_from": [_(
                        "第%(n)s版已用于%(d)s及以后的考评期，新版本不能从%(d)s起生效") % {
                        "n": v.number, "d": effective_from.isoformat()}]})
                to_end = v
                continue
            raise ValidationError({"effective_from": [_(
                "生效期与第%(n)s版（%(a)s 至 %(b)s）重叠，请调整日期") % {
                "n": v.number, "a": _fmt(v.effective_from), "b": _fmt(v.effective_to)}]})
    latest = versions[-1] if versions else None
    values = {k: getattr(latest, k) for k in VERSION_SETTINGS} if latest else {}
    values.update(settings)
    if "top_title" not in values and rule_set.kind != SetKind.RANKING:
        values["top_title"] = ""
    _check_settings(values)
    if to_end is not None:
        to_end.effective_to = effective_from - datetime.timedelta(days=1)
        to_end.save(update_fields=["effective_to"])
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=to_end,
                     detail={"effective_to": to_end.effective_to.isoformat()})
    number = (rule_set.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    version = RuleVersion.objects.create(
        rule_set=rule_set, number=number, effective_from=effective_from, effective_to=effective_to,
        adopted_by=adopted_by, adopted_on=adopted_on, summary=summary, created_by=actor, decision=decision, **values)
    if copy_items and latest is not None:
        RuleItem.objects.bulk_create([
            RuleItem(version=version, position=i.position, kind=i.kind, category=i.category,
                     description=i.description, points=i.points, cap=i.cap, derived_from=i)
            for i in latest.items.all()
        ])
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=version,
                 detail={"effective_from": effective_from.isoformat(), "adopted_by": adopted_by})
    return version


def _setting_decimal(values: dict, key: str) -> Decimal:
    try:
        v = Decimal(str(values.get(key, 0)))
    except InvalidOperation:
        raise ValidationError({key: [_("请填写数字")]}) from None
    if not v.is_finite():
        raise ValidationError({key: [_("请填写数字")]})
    return v


def _check_settings(values: dict) -> None:
    """Every setting in its range, with a clear message (never an overflow or a NaN in the database)."""
    base = _setting_decimal(values, "base_points")
    if not Decimal("0") <= base < Decimal("100000") or base != base.quantize(Decimal("0.01")):
        raise ValidationError({"base_points": [_("基础分应在0至99999.99之间，最多两位小数")]})
    values["base_points"] = base.quantize(Decimal("0.01"))
    for k, top in (("top_n", 1000), ("award_count", 100)):
        v = values.get(k, 0)
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= top:
            raise ValidationError({k: [_("名额应为0至%(m)s的整数") % {"m": top}]})
    if len(str(values.get("top_title", "") or "")) > 30:
        raise ValidationError({"top_title": [_("表彰称号最多30个字")]})
    for k in ("award_subsidy_percent", "role_subsidy_percent", "role_subsidy_extra_percent"):
        v = _setting_decimal(values, k)
        if not Decimal("0") <= v <= Decimal("100") or v != v.quantize(Decimal("0.01")):
            raise ValidationError({k: [_("补贴比例应在0至100之间")]})
        values[k] = v
    if values["role_subsidy_percent"] + values["role_subsidy_extra_percent"] > Decimal("100"):
        raise ValidationError({"role_subsidy_extra_percent": [_("“三长”补贴合计不能超过100%")]})
    thresholds = values.get("star_thresholds", "")
    if thresholds:
        try:
            nums = [Decimal(x) for x in str(thresholds).split(",")]
        except InvalidOperation:
            raise ValidationError({"star_thresholds": [_("星级分数线应为逗号分隔的数字")]}) from None
        if not all(n.is_finite() and Decimal("0") <= n < Decimal("100000") for n in nums):
            raise ValidationError({"star_thresholds": [_("星级分数线应为0至99999之间的数字")]})
        if nums != sorted(nums) or len(nums) > 5:
            raise ValidationError({"star_thresholds": [_("星级分数线最多五个，且从低到高排列")]})


def _editable(actor, version: RuleVersion) -> RuleVersion:
    version = RuleVersion.objects.select_for_update().select_related("rule_set__node").get(pk=version.pk)
    if not can_manage_rule_set(actor, version.rule_set):
        raise PermissionDenied(_("您不能修改这套评分细则"))
    if version.periods.exists():
        raise ValidationError(_("第%(n)s版已用于考评，不能再修改；请新建一个版本") % {"n": version.number})
    return version


def _decimal(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({field: [_("请填写数字")]}) from None
    if not d.is_finite():
        raise ValidationError({field: [_("请填写数字")]})
    if d < 0 or d != d.quantize(Decimal("0.01")) or d >= Decimal("10000"):
        raise ValidationError({field: [_("分值应为不小于0的数，最多两位小数")]})
    return d.quantize(Decimal("0.01"))


def _clean_item(kind: str, category: str, description: str, points, cap) -> dict:
    _choice(kind, ItemKind, "kind", _("请选择条目类别"))
    _choice(category, Category, "category", _("请选择评分方面"))
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": [_("请填写条目内容")]})
    points, cap = _decimal(points, "points"), _decimal(cap, "cap")
    if kind in (ItemKind.SCORE, ItemKind.BONUS, ItemKind.DEDUCTION):
        if not points:
            raise ValidationError({"points": [_("评分、加分、扣分条目须填写大于0的分值")]})
        if cap is not None and cap < points:
            raise ValidationError({"cap": [_("每期上限不能小于单次分值")]})
    else:
        points = cap = None
    return {"kind": kind, "category": category, "description": description, "points": points, "cap": cap}


@transaction.atomic
def item_add(*, actor, version: RuleVersion, kind: str, category: str, description: str, points=None, cap=None,
             derived_from: RuleItem | None = None) -> RuleItem:
    version = _editable(actor, version)
    data = _clean_item(kind, category, description, points, cap)
    if derived_from is not None and derived_from.version.rule_set_id != version.rule_set_id:
        raise ValidationError({"derived_from": [_("只能修订同一套细则中的条目")]})
    position = (version.items.aggregate(m=Max("position"))["m"] or 0) + 1
    item = RuleItem.objects.create(version=version, position=position, derived_from=derived_from, **data)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=item, detail={"version": version.number})
    return item


@transaction.atomic
def item_revise(*, actor, item: RuleItem, description: str | None = None, points=None, cap=None,
                kind: str | None = None, category: str | None = None) -> RuleItem:
    """Change an item of a draft version. The changed item keeps its link to the earlier version's item, so
    the revision reads "A was changed to B"."""
    _editable(actor, item.version)
    item = RuleItem.objects.select_for_update().get(pk=item.pk)
    before = {"description": item.description, "points": str(item.points), "cap": str(item.cap), "kind": item.kind}
    data = _clean_item(kind or item.kind, category or item.category,
                       item.description if description is None else description,
                       item.points if points is None else points, item.cap if cap is None else cap)
    for k, v in data.items():
        setattr(item, k, v)
    item.save()
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=item, detail={"before": before})
    return item


@transaction.atomic
def item_remove(*, actor, item: RuleItem) -> None:
    _editable(actor, item.version)
    audit_record(actor=actor, action=AuditLog.Action.DELETE, target=item, detail={"version": item.version.number})
    item.delete()


@transaction.atomic
def juror_add(*, actor, rule_set: RuleSet, user, party: str, organisation=None) -> Juror:
    if not can_manage_rule_set(actor, rule_set):
        raise PermissionDenied(_("您不能管理这个评审团"))
    _choice(party, Party, "party", _("请选择评委代表的一方"))
    if Juror.objects.filter(rule_set=rule_set, user=user, active=True).exists():
        raise ValidationError({"user": [_("%(u)s 已是本评审团成员") % {"u": user.display_name}]})
    juror = Juror.objects.create(rule_set=rule_set, user=user, party=party, organisation=organisation, added_by=actor)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=juror)
    return juror


@transaction.atomic
def juror_remove(*, actor, juror: Juror) -> Juror:
    if not can_manage_rule_set(actor, juror.rule_set):
        raise PermissionDenied(_("您不能管理这个评审团"))
    Juror.objects.filter(pk=juror.pk, active=True).update(active=False, removed_by=actor, removed_at=timezone.now())
    juror.refresh_from_db()
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=juror, detail={"active": False})
    return juror
