"""Writes for visits, care plans and campaigns. Each use case: permission, validation with Chinese
messages, one transaction, an audit row; other apps are called through their services."""

import datetime
import hashlib
import re
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import AuditLog, User
from gongzhi.accounts.notify import notify
from gongzhi.accounts.services import audit_record
from gongzhi.core.validators import normalize_phone, validate_phone
from gongzhi.people import services as people
from gongzhi.people.models import KeyGroup, Relation, Resident, ResidentTag
from gongzhi.people.permissions import can_edit_household_people
from gongzhi.territory.models import Grid, Household, Level, Node, Role, RoleAssignment
from gongzhi.territory.services import community_of
from gongzhi.tickets import catalogue
from gongzhi.tickets.attachments import validate_photos
from gongzhi.tickets.models import Category, Channel, Kind
from gongzhi.tickets.services.intake import ticket_submit
from gongzhi.tickets.services.wishes import wish_create

from .models import (
    Campaign,
    CampaignHousehold,
    CareDue,
    CareRole,
    CareRule,
    FindingTag,
    HouseholdChange,
    Outcome,
    Visit,
    VisitFollowUp,
    VisitKind,
    VisitPhoto,
    VisitTag,
)
from .permissions import can_manage_care, can_visit_household

# Kinds of visit that count as a care visit (a patrol passing by does not).
CARE_KINDS = {VisitKind.HOME, VisitKind.PHONE, VisitKind.KNOCK, VisitKind.WALK_IN}
MAX_BACKDATE_DAYS = 31
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Conflict(Exception):
    """The request cannot be applied to the current state (API: 409 with `code`)."""

    def __init__(self, code: str, message: str, data: dict | None = None):
        super().__init__(message)
        self.code, self.message, self.data = code, message, data or {}


def _text(value, limit: int) -> str:
    return _CONTROL.sub("", str(value or "")).strip()[:limit]


def place_of(household: Household) -> dict:
    """The place columns copied onto visits, dues and campaign rows."""
    micro = household.micro_grid
    community = micro.community if Grid.community.is_cached(micro) else community_of(household.node)
    return {"household": household, "community_id": community.pk, "node_path": household.node_path,
            "grid_id": micro.parent_id, "micro_grid_id": micro.pk}


def household_version(household: Household) -> str:
    """A short token that changes whenever the household record or one of its residents changes: the
    phone sends the one it saw, and a proposed change against an older one is a conflict."""
    return household_versions([household])[household.pk]


def household_versions(households: Iterable[Household]) -> dict[int, str]:
    """`household_version` of many households in one query (the 今天 page's list)."""
    households = list(households)
    latest = {row["household_id"]: row for row in (
        Resident.objects.filter(household_id__in=[h.pk for h in households]).order_by()
        .values("household_id").annotate(m=Max("updated_at"), n=Max("id")))}
    out = {}
    for h in households:
        row = latest.get(h.pk, {"m": None, "n": None})
        raw = f"{h.updated_at.isoformat()}|{row['m'].isoformat() if row['m'] else ''}|{row['n'] or 0}"
        out[h.pk] = hashlib.sha1(raw.encode()).hexdigest()[:12]
    return out


# --- visits -----------------------------------------------------------------------------------------

def _clean_changes(household: Household, changes: Iterable[dict]) -> list[dict]:
    out = []
    residents = {r.pk: r for r in Resident.objects.filter(household=household, moved_out_on__isnull=True)}
    for raw in changes or ():
        kind = (raw or {}).get("kind")
        if kind not in HouseholdChange.Kind.values:
            raise ValidationError({"changes": [_("变更类型无效")]})
        item = {"kind": kind, "resident": None, "data": {}, "new_phone": ""}
        if kind in (HouseholdChange.Kind.PHONE, HouseholdChange.Kind.MOVE_OUT):
            try:
                item["resident"] = residents[int(raw.get("resident_id"))]
            except (KeyError, TypeError, ValueError):
                raise ValidationError({"changes": [_("请选择本户的在册居民")]}) from None
        if kind == HouseholdChange.Kind.PHONE:
            phone = normalize_phone(raw.get("phone") or "")
            try:
                validate_phone(phone)
            except ValidationError:
                raise ValidationError({"changes": [_("新的联系电话格式不正确")]}) from None
            item["new_phone"] = phone  # its own sealed column, never in the JSON
        elif kind == HouseholdChange.Kind.MOVE_OUT:
            on = _date(raw.get("on")) or timezone.localdate()
            if on > timezone.localdate():
                raise ValidationError({"changes": [_("迁出日期不能晚于今天")]})
            item["data"] = {"on": on.isoformat()}
        else:
            name = _text(raw.get("name"), 50)
            if not name:
                raise ValidationError({"changes": [_("请填写新增人员的姓名")]})
            relation = raw.get("relation") or Relation.CHILD
            if relation not in Relation.values or relation == Relation.HEAD:
                raise ValidationError({"changes": [_("与户主关系无效")]})
            birth = _date(raw.get("birth_date"))
            if birth and birth > timezone.localdate():
                raise ValidationError({"changes": [_("出生日期不能晚于今天")]})
            item["data"] = {"name": name, "relation": relation, "birth_date": birth.isoformat() if birth else ""}
        out.append(item)
    if len(out) > 10:
        raise ValidationError({"changes": [_("一次最多提出10项户情变更")]})
    return out


def _date(value) -> datetime.date | None:
    if not value:
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValidationError(_("日期格式不正确")) from None


def visit_record(*, actor, household: Household, kind: str, visited_at: datetime.datetime | None = None,
                 tags: Iterable[str] = (), findings: str = "", met: str = "", persons_met: int = 1,
                 follow_up: str = "", resident: Resident | None = None, visitors: Iterable[User] = (),
                 outcome: str = Outcome.MET, campaign: Campaign | None = None, photos=(),
                 changes: Iterable[dict] = (), household_version_seen: str = "", client_key: str = "",
                 now: datetime.datetime | None = None) -> tuple[Visit, bool]:
    """Record a visit; returns (visit, created). A client key already used by this recorder returns
    the visit it recorded (created False): a phone re-sending its outbox gets the same answer."""
    now = now or timezone.now()
    key = f"{actor.pk}:{_text(client_key, 64)}" if _text(client_key, 64) else None
    if key and (existing := Visit.objects.filter(client_key=key).first()) is not None:
        return existing, False
    if not can_visit_household(actor, household):
        raise PermissionDenied(_("您不负责该户，不能登记走访"))
    errors: dict[str, list] = {}
    if kind not in VisitKind.values:
        errors["kind"] = [_("走访方式无效")]
    if outcome not in Outcome.values:
        errors["outcome"] = [_("走访结果无效")]
    tags = list(dict.fromkeys(t for t in tags if t))
    if any(t not in FindingTag.values for t in tags):
        errors["tags"] = [_("发现类别无效")]
    elif FindingTag.NONE in tags and len(tags) > 1:
        errors["tags"] = [_("“无异常”不能与其他发现类别同选")]
    visited_at = visited_at or now
    if visited_at > now + datetime.timedelta(minutes=10):
        errors["visited_at"] = [_("走访时间不能晚于现在")]
    elif visited_at < now - datetime.timedelta(days=MAX_BACKDATE_DAYS):
        errors["visited_at"] = [_("只能补录%(n)d天内的走访") % {"n": MAX_BACKDATE_DAYS}]
    findings = _text(findings, 2000)
    if outcome == Outcome.MET and not findings and not tags:
        errors["findings"] = [_("请填写发现情况或选择发现类别（如“无异常”）")]
    try:
        persons_met = int(persons_met)
    except (TypeError, ValueError):
        persons_met = -1
    if not 0 <= persons_met <= 50:
        errors["persons_met"] = [_("见到人数应在0至50之间")]
    if outcome == Outcome.NOBODY_HOME:
        persons_met = 0
    visitors = [u for u in visitors if u.pk != actor.pk]
    if len(visitors) > 10:
        errors["visitors"] = [_("同行人员最多10人")]
    elif any(not can_visit_household(u, household) for u in visitors):
        errors["visitors"] = [_("同行人员须是负责该户的人员")]
    if resident is not None and resident.household_id != household.pk:
        errors["resident"] = [_("走访对象不是该户的居民")]
    if campaign is not None and not CampaignHousehold.objects.filter(campaign=campaign, household=household).exists():
        errors["campaign"] = [_("该户不在此次敲门行动的范围内")]
    if errors:
        raise ValidationError(errors)
    checked = validate_photos(photos)
    cleaned_changes = _clean_changes(household, changes)
    if cleaned_changes and household_version_seen and household_version_seen != household_version(household):
        raise Conflict("household_changed", _("走访期间该户信息已被他人修改，请核对后重新提交户情变更"),
                       {"household_id": household.pk, "version": household_version(household)})
    place = place_of(household)
    visit = Visit(**place, resident=resident, visited_at=visited_at, kind=kind, outcome=outcome,
                  met=_text(met, 100), persons_met=persons_met, findings=findings, follow_up=_text(follow_up, 300),
                  campaign=campaign, recorded_by=actor, client_key=key, created_at=now)
    try:
        with transaction.atomic():
            visit.save(force_insert=True)
            visit.visitors.set({actor.pk, *(u.pk for u in visitors)})
            VisitTag.objects.bulk_create([VisitTag(visit=visit, tag=t) for t in tags])
            for f, ext, ctype in checked:
                p = VisitPhoto(visit=visit, ext=ext, content_type=ctype, size=f.size, name=(f.name or "photo")[:120])
                p.file.save(f.name or "photo", f, save=False)
                p.save()
            HouseholdChange.objects.bulk_create([
                HouseholdChange(visit=visit, household=household, resident=c["resident"], kind=c["kind"],
                                data=c["data"], new_phone=c["new_phone"], proposed_by=actor)
                for c in cleaned_changes])
            if outcome == Outcome.MET and kind in CARE_KINDS:
                _advance_dues(visit)
            if campaign is not None:
                _campaign_progress(campaign, household, visit)
            audit_record(actor=actor, action=AuditLog.Action.CREATE, target=visit,
                         detail={"household": household.pk, "kind": kind, "tags": tags,
                                 "changes": [c["kind"] for c in cleaned_changes]})
    except IntegrityError:
        if key and (existing := Visit.objects.filter(client_key=key).first()) is not None:
            return existing, False
        raise
    return visit, True


def _advance_dues(visit: Visit) -> int:
    """Close the open care dues of the residents met (all current residents when no one is named)
    and open the next, due `every_days` after this visit."""
    day = timezone.localtime(visit.visited_at).date()
    dues = CareDue.objects.select_for_update(of=("self",)).filter(household=visit.household, done_on__isnull=True)
    if visit.resident_id:
        dues = dues.filter(resident_id=visit.resident_id)
    dues = list(dues.select_related("rule"))
    nxt = []
    for d in dues:
        d.done_on, d.visit = day, visit
        nxt.append(CareDue(rule=d.rule, resident_id=d.resident_id, role=d.role, household_id=d.household_id,
                           community_id=d.community_id, node_path=d.node_path, grid_id=d.grid_id,
                           micro_grid_id=d.micro_grid_id, due_on=day + datetime.timedelta(days=d.rule.every_days)))
    if dues:
        CareDue.objects.bulk_update(dues, ["done_on", "visit"])
        CareDue.objects.bulk_create(nxt)
    return len(dues)


# --- what follows a finding --------------------------------------------------------------------------

TAG_CATEGORY = {FindingTag.HAZARD: "hazard", FindingTag.DISPUTE: "dispute", FindingTag.POLICY: "policy"}


def default_category(tag: str, path: str | None = None) -> Category | None:
    """The category suggested for a finding, from the catalogue that serves the place at `path`."""
    code = TAG_CATEGORY.get(tag)
    offered = sorted(catalogue.for_place(path), key=lambda c: (c.sort, c.code))
    return next((c for c in offered if code and c.code == code), None) or next(iter(offered), None)


@transaction.atomic
def visit_file_ticket(*, actor, visit: Visit, category: Category | None, tag: str = "", description: str = "",
                      now=None) -> VisitFollowUp:
    """A ticket (channel 网格走访) from a finding, linked to the visit and the household. Filing twice
    for the same finding returns the first (the ticket's own idempotency key)."""
    if not can_visit_household(actor, visit.household):
        raise PermissionDenied
    if tag and tag not in FindingTag.values:
        raise ValidationError({"tag": [_("发现类别无效")]})
    description = _text(description, 2000) or visit.findings
    ticket = ticket_submit(actor=actor, channel=Channel.VISIT, category=category, description=description,
                           kind=Kind.HAZARD if tag == FindingTag.HAZARD else Kind.DEMAND, household=visit.household,
                           idempotency_key=f"visit-{visit.pk}-{tag or 'x'}", now=now)
    follow, created = VisitFollowUp.objects.get_or_create(ticket=ticket, defaults={
        "visit": visit, "tag": tag, "created_by": actor})
    if created:
        audit_record(actor=actor, action=AuditLog.Action.CREATE, target=visit, detail={"ticket": ticket.pk})
    return follow


@transaction.atomic
def visit_file_wish(*, actor, visit: Visit, title: str, resident_name: str = "") -> VisitFollowUp:
    """A micro-wish from a finding, posted on the resident's behalf for the visited household."""
    if not can_visit_household(actor, visit.household):
        raise PermissionDenied
    if VisitFollowUp.objects.filter(visit=visit, wish__isnull=False, wish__title=_text(title, 100)).exists():
        return VisitFollowUp.objects.filter(visit=visit, wish__title=_text(title, 100)).first()
    name = _text(resident_name, 50) or (visit.resident.name if visit.resident_id else "") or visit.met
    wish = wish_create(actor=actor, title=_text(title, 100), description=visit.findings, household=visit.household,
                       resident_name=name)
    follow = VisitFollowUp.objects.create(visit=visit, wish=wish, tag=FindingTag.NEED, created_by=actor)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=visit, detail={"wish": wish.pk})
    return follow


# --- household changes seen at the door ------------------------------------------------------------

def can_decide_change(user, change: HouseholdChange) -> bool:
    return change.status == HouseholdChange.Status.PROPOSED and can_edit_household_people(user, change.household)


@transaction.atomic
def change_apply(*, actor, change: HouseholdChange) -> HouseholdChange:
    """Apply a proposed change through the people services (their permission check and audit)."""
    change = HouseholdChange.objects.select_for_update(of=("self",)).select_related("household__node", "household__micro_grid",
                                                                          "resident").get(pk=change.pk)
    if change.status != HouseholdChange.Status.PROPOSED:
        raise Conflict("already_decided", _("该变更已处理"))
    if not can_edit_household_people(actor, change.household):
        raise PermissionDenied(_("您无权修改该户信息"))
    d = change.data
    if change.kind == HouseholdChange.Kind.PHONE:
        people.resident_update(actor=actor, resident=change.resident, phone=change.new_phone)
    elif change.kind == HouseholdChange.Kind.MOVE_OUT:
        if not change.resident.is_current:
            raise Conflict("already_moved_out", _("该居民已迁出"))
        people.resident_move_out(actor=actor, resident=change.resident, on=_date(d["on"]),
                                 note=_("走访发现迁出"))
        CareDue.objects.filter(resident=change.resident, done_on__isnull=True).delete()
    else:
        people.resident_create(actor=actor, household=change.household, name=d["name"], relation=d["relation"],
                               birth_date=_date(d.get("birth_date")))
    change.status, change.decided_by, change.decided_at = HouseholdChange.Status.APPLIED, actor, timezone.now()
    change.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=change.household,
                 detail={"visit_change": change.pk, "kind": change.kind, "applied": True})
    return change


@transaction.atomic
def change_reject(*, actor, change: HouseholdChange, reason: str) -> HouseholdChange:
    change = HouseholdChange.objects.select_for_update().select_related("household__micro_grid").get(pk=change.pk)
    if change.status != HouseholdChange.Status.PROPOSED:
        raise Conflict("already_decided", _("该变更已处理"))
    if not can_edit_household_people(actor, change.household):
        raise PermissionDenied(_("您无权修改该户信息"))
    reason = _text(reason, 200)
    if not reason:
        raise ValidationError({"reason": [_("请填写不采纳的原因")]})
    change.status, change.decided_by, change.decided_at, change.reason = (
        HouseholdChange.Status.REJECTED, actor, timezone.now(), reason)
    change.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=change.household,
                 detail={"visit_change": change.pk, "kind": change.kind, "applied": False})
    return change


# --- care plans -------------------------------------------------------------------------------------

@transaction.atomic
def care_rule_set(*, actor, community: Node, key_group: str, every_days: int, role: str = CareRole.GRID_WORKER,
                  active: bool = True) -> CareRule:
    if community.level != Level.COMMUNITY:
        raise ValidationError({"community": [_("关爱规则按社区设置")]})
    if not can_manage_care(actor, community):
        raise PermissionDenied
    errors = {}
    if key_group not in KeyGroup.values:
        errors["key_group"] = [_("重点人群无效")]
    if role not in CareRole.values:
        errors["role"] = [_("责任人无效")]
    try:
        every_days = int(every_days)
    except (TypeError, ValueError):
        every_days = 0
    if not 1 <= every_days <= 366:
        errors["every_days"] = [_("走访周期应在1至366天之间")]
    if errors:
        raise ValidationError(errors)
    rule, created = CareRule.objects.update_or_create(community=community, key_group=key_group, defaults={
        "every_days": every_days, "role": role, "active": active})
    CareDue.objects.filter(rule=rule, done_on__isnull=True).update(role=role)
    audit_record(actor=actor, action=AuditLog.Action.CREATE if created else AuditLog.Action.UPDATE, target=rule,
                 detail={"key_group": key_group, "every_days": every_days, "role": role, "active": active})
    care_sync(community=community)
    return rule


def care_sync(*, community: Node, today: datetime.date | None = None) -> int:
    """Give every current tagged resident of the community an open due under each active rule
    (first due today, or one period after their last visit), and drop the open dues that no rule or
    tag supports any more. Idempotent; returns how many dues were opened."""
    today = today or timezone.localdate()
    rules = {r.key_group: r for r in CareRule.objects.filter(community=community, active=True)}
    CareDue.objects.filter(community=community, done_on__isnull=True).exclude(rule__in=rules.values()).delete()
    tags = (ResidentTag.objects.filter(resident__household__node_path__under=community.path,
                                       resident__moved_out_on__isnull=True, tag__in=list(rules))
            .values_list("resident_id", "tag", "resident__household_id", "resident__household__node_path",
                         "resident__household__micro_grid_id", "resident__household__micro_grid__parent_id"))
    wanted = {(rid, rules[tag].pk): (hid, path, micro, grid) for rid, tag, hid, path, micro, grid in tags}
    open_rows = set(CareDue.objects.filter(community=community, done_on__isnull=True)
                    .values_list("resident_id", "rule_id"))
    stale = open_rows - set(wanted)
    for rid, rule_id in stale:
        CareDue.objects.filter(resident_id=rid, rule_id=rule_id, done_on__isnull=True).delete()
    last = dict(Visit.objects.filter(community=community, outcome=Outcome.MET, kind__in=CARE_KINDS)
                .values_list("household_id").annotate(m=Max("visited_at")).values_list("household_id", "m"))
    by_pk = {r.pk: r for r in rules.values()}
    new = []
    for (rid, rule_id), (hid, path, micro, grid) in wanted.items():
        if (rid, rule_id) in open_rows:
            continue
        rule = by_pk[rule_id]
        seen = last.get(hid)
        due = timezone.localtime(seen).date() + datetime.timedelta(days=rule.every_days) if seen else today
        new.append(CareDue(rule=rule, resident_id=rid, role=rule.role, household_id=hid, community=community,
                           node_path=path, grid_id=grid, micro_grid_id=micro, due_on=due))
    CareDue.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def report_overdue(*, now=None, limit: int = 500) -> int:
    """The periodic job's stage: tell each grid's heads about care visits that became overdue, once
    (each due is marked when reported). Returns how many dues were reported."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        dues = list(CareDue.objects.select_for_update(skip_locked=True)
                    .filter(done_on__isnull=True, due_on__lt=today, overdue_reported_at__isnull=True)
                    .order_by("due_on", "id")[:limit])
        if not dues:
            return 0
        by_grid: dict[int, int] = {}
        for d in dues:
            by_grid[d.grid_id] = by_grid.get(d.grid_id, 0) + 1
        heads: dict[int, list] = {}
        for ra in (RoleAssignment.objects.active(today).filter(role=Role.GRID_HEAD, grid_id__in=list(by_grid))
                   .select_related("user")):
            heads.setdefault(ra.grid_id, []).append(ra.user)
        grids = Grid.objects.in_bulk(list(by_grid))
        for grid_id, n in by_grid.items():
            notify(heads.get(grid_id, []), _("关爱走访逾期提醒"),
                   _("%(grid)s有%(n)d次重点人群关爱走访已逾期，请督促网格员尽快走访。")
                   % {"grid": grids[grid_id].name, "n": n}, url="/visits/?overdue=1", kind="visits")
        CareDue.objects.filter(pk__in=[d.pk for d in dues]).update(overdue_reported_at=now)
    return len(dues)


# --- campaigns --------------------------------------------------------------------------------------

@transaction.atomic
def campaign_create(*, actor, community: Node, name: str, deadline: datetime.date, node: Node | None = None,
                    grid: Grid | None = None, key_group: str = "", starts_on: datetime.date | None = None) -> Campaign:
    """A 敲门行动 over a compound or building (node), a grid, or the households of a key group."""
    if not can_manage_care(actor, community):
        raise PermissionDenied
    name = _text(name, 100)
    starts_on = starts_on or timezone.localdate()
    errors = {}
    if not name:
        errors["name"] = [_("请填写行动名称")]
    if deadline is None or deadline < starts_on:
        errors["deadline"] = [_("截止日期不能早于开始日期")]
    elif deadline > starts_on + datetime.timedelta(days=366):
        errors["deadline"] = [_("行动周期不能超过一年")]
    households = Household.objects.filter(node_path__under=community.path)
    if sum(x is not None and x != "" for x in (node, grid, key_group)) != 1:
        errors["target"] = [_("请在小区/楼栋、网格、重点人群中选择一种范围")]
    elif node is not None:
        if not node.path.startswith(community.path) or node.level not in (Level.COMPOUND, Level.BUILDING, Level.UNIT):
            errors["target"] = [_("请选择本社区的小区、楼栋或单元")]
        households, target, label = households.filter(node_path__under=node.path), Campaign.Target.NODE, node.name
    elif grid is not None:
        if grid.community_id != community.pk:
            errors["target"] = [_("请选择本社区的网格")]
        households, target, label = (households.filter(micro_grid__parent=grid) if grid.parent_id is None
                                     else households.filter(micro_grid=grid)), Campaign.Target.GRID, grid.name
    else:
        if key_group not in KeyGroup.values:
            errors["target"] = [_("重点人群无效")]
            label = ""
        else:
            label = str(KeyGroup(key_group).label)
        households = households.filter(residents__tags__tag=key_group, residents__moved_out_on__isnull=True)
        target = Campaign.Target.KEY_GROUP
    if errors:
        raise ValidationError(errors)
    rows = list(households.distinct().select_related("micro_grid").order_by("node_path", "number")[:5001])
    if not rows:
        raise ValidationError({"target": [_("该范围内没有住户")]})
    if len(rows) > 5000:
        raise ValidationError({"target": [_("一次行动最多5000户，请缩小范围")]})
    campaign = Campaign.objects.create(community=community, name=name, target=target, target_label=label[:100],
                                       starts_on=starts_on, deadline=deadline, created_by=actor)
    CampaignHousehold.objects.bulk_create([
        CampaignHousehold(campaign=campaign, household=h, community=community, node_path=h.node_path,
                          grid_id=h.micro_grid.parent_id, micro_grid_id=h.micro_grid_id) for h in rows])
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=campaign, detail={"households": len(rows)})
    return campaign


def _campaign_progress(campaign: Campaign, household: Household, visit: Visit) -> None:
    row = CampaignHousehold.objects.select_for_update().get(campaign=campaign, household=household)
    row.attempts += 1
    row.last_visit = visit
    if visit.outcome == Outcome.MET:
        row.state = CampaignHousehold.State.VISITED
    elif row.state != CampaignHousehold.State.VISITED:
        row.state = CampaignHousehold.State.NOBODY_HOME
    row.save(update_fields=["attempts", "last_visit", "state"])
