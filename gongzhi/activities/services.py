"""Every write for activities. Sign-ups serialise on the shift's row lock, so a shift never holds
more confirmed volunteers than its capacity; a cancellation promotes the first on the waitlist.
Check-out grants the hour points through points.services.earn (source key = the sign-up)."""

import datetime
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.notify import notify
from gongzhi.accounts.services import audit_record
from gongzhi.core.errors import Conflict
from gongzhi.core.masking import mask_id_number
from gongzhi.core.text import has_control_chars
from gongzhi.people.models import KeyGroup, Resident
from gongzhi.points import services as points
from gongzhi.points.models import EarnKind, Entry
from gongzhi.territory.models import Level, Node
from gongzhi.territory.permissions import can_manage_node
from gongzhi.tickets.attachments import validate_photos

from . import codes
from .issuers import Issuer
from .models import (
    Activity,
    Beneficiary,
    Certificate,
    HoursCorrection,
    Kind,
    Photo,
    Shift,
    SignUp,
    VolunteerRecord,
)
from .permissions import can_create_activity, can_run_activity, in_organisation_area, is_team_member

CLIENT_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
QUARTER = 15
EARLY_CHECKIN = datetime.timedelta(hours=1)
MAX_MINUTES = 24 * 60


def _key(client_key: str) -> str:
    client_key = (client_key or "").strip()
    if not CLIENT_KEY.match(client_key):
        raise ValidationError({"client_key": [_("提交编号无效，请刷新页面后重试")]})
    return client_key


def _repeat(existing, mine: bool):
    """A form sent twice gets the first row back; a key someone else's row holds is refused, never
    answered with their row."""
    if existing is not None and not mine:
        raise ValidationError({"client_key": [_("提交编号已被使用，请刷新页面后重试")]})
    return existing


def quarter_minutes(start: datetime.datetime, end: datetime.datetime) -> int:
    """The actual time between check-in and check-out, rounded down to the quarter hour."""
    minutes = max(0, int((end - start).total_seconds() // 60))
    return min(MAX_MINUTES, minutes - minutes % QUARTER)


@dataclass
class ShiftInput:
    name: str
    capacity: int


@transaction.atomic
def activity_create(*, actor, community: Node, title: str, kind: str, start_at: datetime.datetime,
                    end_at: datetime.datetime, shifts: list[ShiftInput], client_key: str, address: str = "",
                    place: Node | None = None, description: str = "", organiser=None,
                    audience: str = Activity.Audience.PUBLIC, serves_groups: list[str] | None = None,
                    serves_node: Node | None = None, cancel_cutoff_hours: int = 2, photos=None) -> Activity:
    client_key = _key(client_key)
    existing = Activity.objects.filter(client_key=client_key).first()
    if existing is not None:
        return _repeat(existing, existing.created_by_id == actor.pk)
    if not can_create_activity(actor, community, organiser):
        raise PermissionDenied(_("只有社区工作人员或组织负责人可以发布活动"))
    errors: dict[str, list[str]] = {}
    if community.level != Level.COMMUNITY:
        errors["community"] = [_("活动须属于一个社区")]
    if not (title or "").strip():
        errors["title"] = [_("请填写活动名称")]
    if kind not in Kind.values:
        errors["kind"] = [_("请选择活动类型")]
    if not start_at or not end_at or end_at <= start_at:
        errors["end_at"] = [_("结束时间须晚于开始时间")]
    elif end_at - start_at > datetime.timedelta(days=7):
        errors["end_at"] = [_("一次活动不超过7天，长期服务请分次发布")]
    elif start_at.year < 2000 or end_at.year > 2100:
        errors["start_at"] = [_("时间无效")]
    if audience not in Activity.Audience.values:
        errors["audience"] = [_("请选择参加方式")]
    elif audience == Activity.Audience.INVITED and organiser is None:
        errors["audience"] = [_("仅限队伍成员的活动须选择组织单位（队伍）")]
    bad_groups = [g for g in (serves_groups or []) if g not in KeyGroup.values]
    if bad_groups:
        errors["serves_groups"] = [_("未知的服务人群")]
    if not shifts:
        errors["shifts"] = [_("至少设置一个岗位或班次")]
    for s in shifts:
        if not (s.name or "").strip():
            errors.setdefault("shifts", []).append(_("岗位名称不能为空"))
        if not isinstance(s.capacity, int) or not 0 < s.capacity <= 1000:
            errors.setdefault("shifts", []).append(_("每个岗位人数须在1到1000之间"))
    if len(shifts) > 20:
        errors["shifts"] = [_("岗位最多20个")]
    if not 0 <= (cancel_cutoff_hours if isinstance(cancel_cutoff_hours, int) else -1) <= 168:
        errors["cancel_cutoff_hours"] = [_("取消截止须在0到168小时之间")]
    for field, node in (("place", place), ("serves_node", serves_node)):
        if node is not None and not node.path.startswith(community.path):
            errors[field] = [_("地点须在本社区内")]
    if organiser is not None and not in_organisation_area(organiser, community, community=True):
        errors["organiser"] = [_("组织单位不在本社区或所在街道，也不服务本社区")]
    elif organiser is not None and not can_manage_node(actor, community):
        # An organisation's head (not staff) holds it only where the organisation is based or serves.
        for field, node in (("place", place), ("serves_node", serves_node)):
            if node is not None and field not in errors and not in_organisation_area(organiser, node):
                errors[field] = [_("地点须在本组织所在或服务的区域内")]
    checked = []
    if photos:
        try:
            checked = validate_photos(photos)
        except ValidationError as e:
            errors.update(e.message_dict)
    if errors:
        raise ValidationError(errors)
    activity = Activity.objects.create(
        community=community, title=title.strip()[:80], kind=kind, start_at=start_at, end_at=end_at,
        address=(address or "").strip()[:120], place=place, description=(description or "").strip()[:4000],
        organiser=organiser, audience=audience, serves_groups=sorted(set(serves_groups or [])),
        serves_node=serves_node, cancel_cutoff_hours=cancel_cutoff_hours, created_by=actor, client_key=client_key)
    Shift.objects.bulk_create([Shift(activity=activity, name=s.name.strip()[:40], capacity=s.capacity) for s in shifts])
    for f, ext, ctype in checked:
        p = Photo(activity=activity, content_type=ctype, uploaded_by=actor)
        p.file.save(f"a{activity.pk}{ext}", f, save=False)
        p.save()
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=activity)
    return activity


@transaction.atomic
def activity_cancel(*, actor, activity: Activity, reason: str) -> Activity:
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if not can_run_activity(actor, activity):
        raise PermissionDenied
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写取消原因")]})
    if activity.status == Activity.Status.CANCELLED:
        return activity
    if SignUp.objects.filter(activity=activity, checked_in_at__isnull=False).exists():
        raise Conflict(_("已有人签到，活动不能取消"), code="started")
    activity.status = Activity.Status.CANCELLED
    activity.save(update_fields=["status"])
    live = list(SignUp.objects.filter(activity=activity).exclude(status=SignUp.Status.CANCELLED).select_related("user"))
    notify([s.user for s in live], _("活动已取消：%(t)s") % {"t": activity.title}, reason.strip()[:200],
           url=f"/activities/{activity.pk}/", kind="activity")
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=activity, detail={"cancelled": reason.strip()[:200]})
    return activity


def _resident_of(user) -> Resident:
    resident = getattr(user, "resident", None)
    if resident is None or resident.moved_out_on is not None:
        raise PermissionDenied(_("您的账号还没有关联居民信息，请联系社区"))
    return resident


def can_join(user, activity: Activity, resident: Resident) -> bool:
    if activity.audience == Activity.Audience.INVITED:
        return is_team_member(user, activity)
    # public: residents of the community (and its street's other communities may be invited by link)
    return resident.household.node_path.startswith(activity.community.path[:-4]) or can_run_activity(user, activity)


@transaction.atomic
def signup_create(*, actor, shift: Shift) -> SignUp:
    """Sign up for a shift: confirmed while there is room, otherwise on the waitlist (as long again as
    the capacity); `full` beyond that. Signing up twice is refused with `duplicate` (acts once)."""
    resident = _resident_of(actor)
    shift = Shift.objects.select_for_update().select_related("activity__community").get(pk=shift.pk)
    activity = shift.activity
    if activity.status != Activity.Status.OPEN:
        raise Conflict(_("活动已取消"), code="cancelled")
    if timezone.now() >= activity.end_at:
        raise Conflict(_("活动已结束，不能报名"), code="ended")
    if not can_join(actor, activity, resident):
        raise PermissionDenied(_("这个活动仅限队伍成员参加"))
    mine = SignUp.objects.filter(activity=activity, resident=resident).exclude(status=SignUp.Status.CANCELLED).first()
    if mine is not None:
        raise Conflict(_("您已报名这个活动（%(s)s）") % {"s": mine.get_status_display()}, code="duplicate")
    counts = {s: 0 for s in SignUp.Status.values}
    for status in SignUp.objects.filter(shift=shift).exclude(status=SignUp.Status.CANCELLED).values_list("status", flat=True):
        counts[status] += 1
    if counts[SignUp.Status.CONFIRMED] < shift.capacity:
        status = SignUp.Status.CONFIRMED
    elif counts[SignUp.Status.WAITLIST] < shift.capacity:
        status = SignUp.Status.WAITLIST
    else:
        raise Conflict(_("名额已满，候补也已满"), code="full")
    try:
        with transaction.atomic():
            signup = SignUp.objects.create(shift=shift, activity=activity, resident=resident, user=actor, status=status)
    except IntegrityError:
        raise Conflict(_("您已报名这个活动"), code="duplicate") from None
    title = (_("报名成功：%(t)s") if status == SignUp.Status.CONFIRMED else _("已进入候补：%(t)s")) % {"t": activity.title}
    notify([actor], title, f"{shift.name} · {timezone.localtime(activity.start_at):%Y-%m-%d %H:%M}",
           url=f"/activities/{activity.pk}/", kind="activity")
    return signup


def cancel_deadline(activity: Activity) -> datetime.datetime:
    return activity.start_at - datetime.timedelta(hours=activity.cancel_cutoff_hours)


@transaction.atomic
def signup_cancel(*, actor, signup: SignUp) -> SignUp:
    """The volunteer cancels until the cut-off (the organiser at any time before check-in); a freed
    place goes to the first on the waitlist, who is told."""
    shift = Shift.objects.select_for_update().select_related("activity").get(pk=signup.shift_id)
    signup = SignUp.objects.select_for_update().get(pk=signup.pk)
    activity = shift.activity
    runs = can_run_activity(actor, activity)
    if signup.user_id != actor.pk and not runs:
        raise PermissionDenied
    if signup.status == SignUp.Status.CANCELLED:
        return signup
    if signup.checked_in_at is not None:
        raise Conflict(_("已签到，不能取消报名"), code="checked_in")
    if not runs and timezone.now() > cancel_deadline(activity):
        raise Conflict(_("已过取消截止时间（活动开始前%(h)s小时）") % {"h": activity.cancel_cutoff_hours},
                       code="cutoff_passed")
    was = signup.status
    signup.status = SignUp.Status.CANCELLED
    signup.cancelled_at = timezone.now()
    signup.save(update_fields=["status", "cancelled_at"])
    if was == SignUp.Status.CONFIRMED:
        nxt = (SignUp.objects.select_for_update().filter(shift=shift, status=SignUp.Status.WAITLIST)
               .order_by("created_at", "id").select_related("user").first())
        if nxt is not None:
            nxt.status = SignUp.Status.CONFIRMED
            nxt.save(update_fields=["status"])
            notify([nxt.user], _("候补转正：%(t)s") % {"t": activity.title},
                   _("有人取消了报名，您已由候补转为正式报名"), url=f"/activities/{activity.pk}/", kind="activity")
    return signup


def _grant_hours(signup: SignUp, at) -> None:
    if signup.minutes:
        points.earn(resident=signup.resident, kind=EarnKind.VOLUNTEER_HOUR,
                    source_key=f"activity-signup:{signup.pk}:v{signup.corrections}", minutes=signup.minutes, at=at,
                    note=_("志愿服务：%(t)s") % {"t": signup.activity.title})


def _check(signup: SignUp, now, by=None, expect: str | None = None) -> str:
    """Check in, or (already in) check out. Returns 'in' or 'out'. With `expect` ('in'/'out', what the
    button said), a form sent twice does not turn a check-in into a check-out."""
    activity = signup.activity
    state = "in" if signup.checked_in_at is None else "out"
    if expect in ("in", "out") and expect != state:
        raise Conflict(_("已签到，请勿重复提交") if expect == "in" else _("还没有签到"), code="already_done")
    if signup.status != SignUp.Status.CONFIRMED:
        raise Conflict(_("您不在正式报名名单中（%(s)s）") % {"s": signup.get_status_display()}, code="not_confirmed")
    if activity.status != Activity.Status.OPEN:
        raise Conflict(_("活动已取消"), code="cancelled")
    if signup.checked_in_at is None:
        if now < activity.start_at - EARLY_CHECKIN or now > activity.end_at:
            raise Conflict(_("不在签到时间内（活动开始前1小时至结束）"), code="not_now")
        signup.checked_in_at, signup.checked_by = now, by
        signup.save(update_fields=["checked_in_at", "checked_by"])
        return "in"
    if signup.checked_out_at is not None:
        raise Conflict(_("已签退，服务时长已记录"), code="already_out")
    signup.checked_out_at = now
    signup.minutes = quarter_minutes(signup.checked_in_at, now)
    signup.save(update_fields=["checked_out_at", "minutes"])
    _grant_hours(signup, now)
    return "out"


@transaction.atomic
def scan(*, actor, token: str, expect: str | None = None) -> tuple[SignUp, str]:
    """The volunteer opened the check-in link their phone read from the organiser's screen."""
    activity_id = codes.activity_from_token(token)
    if activity_id is None:
        raise Conflict(_("签到码已过期或无效，请重新扫描组织者手机上的二维码"), code="bad_code")
    resident = _resident_of(actor)
    signup = (SignUp.objects.select_for_update().select_related("activity", "resident")
              .filter(activity_id=activity_id, resident=resident).exclude(status=SignUp.Status.CANCELLED).first())
    if signup is None:
        raise Conflict(_("您没有报名这个活动"), code="not_signed_up")
    return signup, _check(signup, timezone.now(), expect=expect)


@transaction.atomic
def tick(*, actor, signup: SignUp, now=None, expect: str | None = None) -> str:
    """The organiser ticks a name on the list: check in, or check out. Never one's own."""
    signup = SignUp.objects.select_for_update().select_related("activity", "resident").get(pk=signup.pk)
    if not can_run_activity(actor, signup.activity):
        raise PermissionDenied
    if signup.user_id == actor.pk:
        raise PermissionDenied(_("不能为自己签到或记录时长"))
    return _check(signup, now or timezone.now(), by=actor, expect=expect)


@transaction.atomic
def hours_correct(*, actor, signup: SignUp, minutes: int, reason: str) -> SignUp:
    """The organiser corrects the hours with a reason (recorded); the points follow: the old grant is
    reversed and the new one granted. Volunteers cannot touch their own hours."""
    signup = SignUp.objects.select_for_update().select_related("activity", "resident").get(pk=signup.pk)
    if not can_run_activity(actor, signup.activity):
        raise PermissionDenied
    if signup.user_id == actor.pk:
        raise PermissionDenied(_("不能修改自己的服务时长"))
    errors = {}
    if not isinstance(minutes, int) or not 0 <= minutes <= MAX_MINUTES or minutes % QUARTER:
        errors["minutes"] = [_("时长须在0到1440分钟之间，且为15分钟的整数倍")]
    if not (reason or "").strip():
        errors["reason"] = [_("请填写更正理由")]
    if signup.status != SignUp.Status.CONFIRMED:
        errors["minutes"] = [_("只有正式报名的人员才有服务时长")]
    if errors:
        raise ValidationError(errors)
    if signup.minutes == minutes and signup.checked_out_at is not None:
        return signup  # nothing to correct (or the same form sent twice)
    old_entry = Entry.objects.filter(source_key=f"activity-signup:{signup.pk}:v{signup.corrections}").first()
    if old_entry is not None:
        points.entry_reverse(actor=actor, entry=old_entry, reason=_("服务时长更正：%(r)s") % {"r": reason.strip()},
                             check_permission=False)
    HoursCorrection.objects.create(signup=signup, old_minutes=signup.minutes, new_minutes=minutes,
                                   reason=reason.strip()[:200], actor=actor)
    now = timezone.now()
    signup.minutes = minutes
    signup.corrections += 1
    if signup.checked_in_at is None:
        signup.checked_in_at, signup.checked_by = signup.activity.start_at, actor
    if signup.checked_out_at is None:
        signup.checked_out_at = now
    signup.save(update_fields=["minutes", "corrections", "checked_in_at", "checked_out_at", "checked_by"])
    _grant_hours(signup, now)
    return signup


@transaction.atomic
def beneficiaries_record(*, actor, activity: Activity, count: int | None = None, names: list[str] = ()) -> Activity:
    """People served: a number (unnamed) and/or names."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if not can_run_activity(actor, activity):
        raise PermissionDenied
    names = [n.strip()[:50] for n in names if n and n.strip()]
    if count is not None and (not isinstance(count, int) or not 0 <= count <= 100_000):
        raise ValidationError({"count": [_("服务人数须在0到100000之间")]})
    if len(names) > 500:
        raise ValidationError({"names": [_("一次最多登记500个姓名")]})
    if count is not None:
        activity.served_count = count
        activity.save(update_fields=["served_count"])
    Beneficiary.objects.bulk_create([Beneficiary(activity=activity, name=n, added_by=actor) for n in names])
    return activity


def service_lines(resident: Resident, *, organiser=None, community=None, date_from, date_to) -> list[dict]:
    """The resident's recorded service with one issuer (an organisation, or the community's own
    activities) in a period: one line per activity."""
    tz = timezone.get_current_timezone()
    qs = (SignUp.objects.filter(resident=resident, status=SignUp.Status.CONFIRMED, minutes__gt=0,
                                activity__start_at__gte=datetime.datetime.combine(date_from, datetime.time(), tz),
                                activity__start_at__lt=datetime.datetime.combine(date_to + datetime.timedelta(days=1),
                                                                                 datetime.time(), tz))
          .select_related("activity", "shift").order_by("activity__start_at", "id"))
    qs = qs.filter(activity__organiser=organiser) if organiser is not None else qs.filter(
        activity__organiser__isnull=True, activity__community=community)
    return [{"date": timezone.localtime(s.activity.start_at).date().isoformat(), "activity": s.activity.title,
             "kind": s.activity.get_kind_display(), "content": s.shift.name, "minutes": s.minutes,
             "hours": f"{s.minutes / 60:.2f}"} for s in qs]


@transaction.atomic
def certificate_issue(*, actor, resident: Resident, date_from: datetime.date, date_to: datetime.date,
                      client_key: str, organiser=None, community: Node | None = None) -> Certificate:
    """谁记录谁证明: the organiser (an organisation, or the community for its own activities) issues a
    certificate of the service it recorded. The same form twice issues one."""
    client_key = _key(client_key)
    existing = Certificate.objects.filter(client_key=client_key).first()
    if existing is not None:
        return _repeat(existing, existing.issued_by_id == actor.pk and existing.resident_id == resident.pk)
    community = community or (organiser.community if organiser else None)
    if community is None:
        raise ValidationError(_("请指定出具单位"))
    if not can_create_activity(actor, community, organiser):
        raise PermissionDenied(_("只有记录服务的组织方可以出具证明"))
    if not isinstance(date_from, datetime.date) or not isinstance(date_to, datetime.date) or date_to < date_from:
        raise ValidationError({"date_to": [_("截止日期须不早于起始日期")]})
    if date_to > timezone.localdate() or date_from.year < 2000:
        raise ValidationError({"date_to": [_("证明期间须在今天以前")]})
    lines = service_lines(resident, organiser=organiser, community=community, date_from=date_from, date_to=date_to)
    if not lines:
        raise Conflict(_("该期间没有本单位记录的志愿服务"), code="no_service")
    issuer = organiser.name if organiser else community.name
    records = record_lines(resident, Issuer(community, organiser), date_from=date_from, date_to=date_to)
    cert = Certificate.objects.create(
        number=f"ZY{timezone.localdate():%Y%m%d}{secrets.token_hex(4).upper()}", resident=resident,
        name=resident.name, masked_id=mask_id_number(resident.id_number) if resident.id_number else "",
        issuer=issuer, organiser=organiser, community=community, period_from=date_from, period_to=date_to,
        total_minutes=sum(x["minutes"] for x in lines), lines=lines, records=records, issued_by=actor,
        client_key=client_key)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=cert, label=f"志愿服务证明 {cert.number} {resident.name}")
    if resident.user_id:
        notify([resident.user], _("志愿服务证明已出具"), cert.number, url=f"/activities/certificates/{cert.pk}/",
               kind="activity")
    return cert


# --- Training, commendations and evaluations (培训、表彰、评价) -------------------------------------------

MAX_TRAINING_HOURS = Decimal("200")
TEXT_LIMITS = {"title": 100, "grantor": 100, "note": 200}


def _clean_text(value, field: str, errors: dict, *, required: bool = False) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        errors[field] = [_("内容格式有误")]
    elif has_control_chars(text):
        errors[field] = [_("不能包含控制字符或换行")]
    elif len(text) > TEXT_LIMITS[field]:
        errors[field] = [_("不超过%(n)s个字") % {"n": TEXT_LIMITS[field]}]
    elif required and len(text) < 2:
        errors[field] = [_("请填写名称（至少2个字）")]
    return text


def _clean_hours(kind: str, hours, errors: dict) -> Decimal | None:
    if kind != VolunteerRecord.Kind.TRAINING:
        # Only training has hours; a commendation or an evaluation names which, a bad kind has its own error.
        if hours not in (None, "", 0) and kind in VolunteerRecord.Kind.values:
            errors["hours"] = [_("%(k)s记录不填时长") % {"k": VolunteerRecord.Kind(kind).label}]
        return None
    try:
        h = Decimal(str(hours).strip()) if hours not in (None, "") and not isinstance(hours, bool) else None
    except (InvalidOperation, ValueError):
        h = None
    if h is None or not h.is_finite():
        errors["hours"] = [_("请填写培训时长（小时）")]
    elif not Decimal(0) <= h <= MAX_TRAINING_HOURS or h != h.quantize(Decimal("0.01")):
        errors["hours"] = [_("培训时长须在0到200小时之间，最多两位小数")]
    else:
        return h.quantize(Decimal("0.01"))
    return None


@transaction.atomic
def volunteer_record_add(*, actor, issuer: Issuer, resident: Resident, kind: str, title: str, on: datetime.date,
                         client_key: str, hours=None, grantor: str = "", note: str = "") -> VolunteerRecord:
    """谁记录谁证明: the recording organiser (an organisation's head, or community staff) records a
    volunteer's training, commendation or evaluation. Validated whole, nothing written on error; the same
    form twice records once."""
    client_key = _key(client_key)
    existing = VolunteerRecord.objects.filter(client_key=client_key).first()
    if existing is not None:
        return _repeat(existing, existing.recorded_by_id == actor.pk and existing.resident_id == resident.pk)
    if not issuer.may_record(actor):
        raise PermissionDenied(_("只有记录志愿服务的组织方可以记录培训、表彰与评价"))
    if not Resident.objects.filter(issuer.volunteers_q(residents=True), pk=resident.pk).exists():
        raise PermissionDenied(_("这位志愿者不在本单位的志愿者名单中"))
    errors: dict[str, list[str]] = {}
    if kind not in VolunteerRecord.Kind.values:
        errors["kind"] = [_("请选择培训、表彰或评价")]
    title = _clean_text(title, "title", errors, required=True)
    grantor = _clean_text(grantor, "grantor", errors)
    note = _clean_text(note, "note", errors)
    if not isinstance(on, datetime.date) or isinstance(on, datetime.datetime):
        errors["on"] = [_("请填写日期")]
    elif on > timezone.localdate():
        errors["on"] = [_("日期不能晚于今天")]
    elif on.year < 2000:
        errors["on"] = [_("日期无效")]
    h = _clean_hours(kind, hours, errors)
    if errors:
        raise ValidationError(errors)
    record = VolunteerRecord.objects.create(
        resident=resident, organiser=issuer.organiser, community=issuer.community, kind=kind, title=title, on=on,
        hours=h, grantor=grantor, note=note, recorded_by=actor, client_key=client_key)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=record,
                 label=f"{record.get_kind_display()} {resident.name} {title}")
    if resident.user_id:
        notify([resident.user], _("已记录您的%(k)s：%(t)s") % {"k": record.get_kind_display(), "t": title},
               issuer.name, url="/activities/mine/", kind="activity")
    return record


def record_lines(resident: Resident, issuer: Issuer, *, date_from: datetime.date, date_to: datetime.date) -> list[dict]:
    """The issuer's training, commendation and evaluation records of the volunteer in a period, for a
    certificate (every kind: `Certificate.trainings`, `commendations`, `evaluations` split them)."""
    rows = issuer.records().filter(resident=resident, on__gte=date_from, on__lte=date_to).order_by("kind", "on", "id")
    return [{"kind": r.kind, "date": r.on.isoformat(), "title": r.title,
             "hours": f"{r.hours:.2f}" if r.hours is not None else "", "grantor": r.grantor or issuer.name}
            for r in rows]
