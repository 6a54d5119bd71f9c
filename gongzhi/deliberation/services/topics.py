"""Writes on topics: the five steps, proposals and co-signatures, comments, meetings, decisions,
application and feedback. Each use case is one function in one transaction."""

import datetime
from decimal import Decimal

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import audit_record
from gongzhi.core.paths import ancestors_of
from gongzhi.territory.models import Household, Node

from ..models import (
    ApplyKind,
    Attendance,
    Comment,
    CoSignature,
    Decision,
    DecisionMethod,
    Matter,
    Meeting,
    Party,
    PlaceSettings,
    Rating,
    Source,
    Step,
    Topic,
)
from ..permissions import can_cosign_topic, can_manage_place, can_manage_topic, households_in_place
from .rewards import grant_meeting
from .workflow import BACK, Conflict, apply_step, lock_topic, record

SIGNIN_SALT = "gongzhi.deliberation.signin"
SIGNIN_MAX_AGE = 6 * 3600


def place_settings(node: Node) -> PlaceSettings:
    """The place's own settings, else the nearest ancestor's, else the defaults (unsaved)."""
    rows = {s.node.path: s for s in PlaceSettings.objects.filter(node__path__in=ancestors_of(node.path))
            .select_related("node")}
    for path in sorted(rows, key=len, reverse=True):
        return rows[path]
    return PlaceSettings(node=node)


def deciding_place(node: Node) -> Node:
    """Where a matter of this place is decided: its compound, else its community."""
    place = node
    while place.level not in ("compound", "community", "street", "county", "city", "province") and place.parent_id:
        place = place.parent
    return place


@transaction.atomic
def settings_update(*, actor, node: Node, notice_days: int, cosign_threshold: int) -> PlaceSettings:
    if not can_manage_place(actor, node):
        raise PermissionDenied
    if not 1 <= notice_days <= 90:
        raise ValidationError({"notice_days": [_("公告天数应在 1 至 90 天之间")]})
    if not 1 <= cosign_threshold <= 10000:
        raise ValidationError({"cosign_threshold": [_("联署户数应在 1 至 10000 之间")]})
    obj, _created = PlaceSettings.objects.update_or_create(
        node=node, defaults={"notice_days": notice_days, "cosign_threshold": cosign_threshold})
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=node,
                 detail={"notice_days": notice_days, "cosign_threshold": cosign_threshold})
    return obj


def _clean_plan(title: str, options, budget, matter: str, place: Node) -> tuple[str, list[str], Decimal | None]:
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = [_("请填写议题")]
    elif len(title) > 120:
        errors["title"] = [_("议题不能超过 120 字")]
    options = [str(o).strip() for o in (options or []) if str(o).strip()]
    if len(options) > 20 or any(len(o) > 100 for o in options):
        errors["options"] = [_("备选方案最多 20 项，每项不超过 100 字")]
    if len(set(options)) != len(options):
        errors["options"] = [_("备选方案不能重复")]
    if budget not in (None, ""):
        try:
            budget = Decimal(str(budget)).quantize(Decimal("0.01"))
        except Exception:  # noqa: BLE001 - any junk is the same mistake
            errors["budget"] = [_("预算应为金额")]
        else:
            if budget < 0 or budget >= Decimal("1e10"):
                errors["budget"] = [_("预算应在 0 至 99.99 亿元之间")]
    else:
        budget = None
    if matter not in Matter.values:
        errors["matter"] = [_("事项类别有误")]
    elif matter != Matter.ORDINARY and place.level != "compound":
        errors["matter"] = [_("业主共同决定事项只能在小区议定")]
    if errors:
        raise ValidationError(errors)
    return title, options, budget


@transaction.atomic
def topic_create(*, actor, place: Node, title: str, matter: str = Matter.ORDINARY, plan_how: str = "",
                 plan_who: str = "", plan_supervise: str = "", options=None, budget=None,
                 participants=None, source: str = Source.STAFF, source_ticket=None, source_note: str = "") -> Topic:
    """Step 1 (制定方案) by staff: from a ticket, a rule revision, a need, or their own."""
    if not can_manage_place(actor, place):
        raise PermissionDenied
    title, options, budget = _clean_plan(title, options, budget, matter, place)
    if source not in Source.values or source == Source.PROPOSAL:
        raise ValidationError({"source": [_("来源有误")]})
    if source == Source.TICKET:
        if source_ticket is None:
            raise ValidationError({"source_ticket": [_("请指明来源工单")]})
        if not source_ticket.node_path.startswith(place.path) and not place.path.startswith(source_ticket.community.path):
            raise ValidationError({"source_ticket": [_("来源工单不在本议题的区划内")]})
    participants = [p for p in (participants or []) if p in Party.values]
    topic = Topic.objects.create(
        place=place, place_path=place.path, title=title, matter=matter, plan_how=plan_how.strip(),
        plan_who=plan_who.strip(), plan_supervise=plan_supervise.strip(), options=options, budget=budget,
        participants=participants, source=source, source_ticket=source_ticket if source == Source.TICKET else None,
        source_note=source_note.strip()[:200], step=Step.DRAFT, created_by=actor)
    record(topic, actor=actor, action="created", data={"source": source})
    return topic


@transaction.atomic
def topic_update_plan(*, actor, topic: Topic, **plan) -> Topic:
    topic = lock_topic(topic)
    if not can_manage_topic(actor, topic):
        raise PermissionDenied
    if topic.step != Step.DRAFT:
        raise Conflict(_("只有制定方案阶段可以修改方案"), code="not_draft")
    title, options, budget = _clean_plan(plan.get("title", topic.title), plan.get("options", topic.options),
                                         plan.get("budget", topic.budget), plan.get("matter", topic.matter),
                                         topic.place)
    topic.title, topic.options, topic.budget = title, options, budget
    topic.matter = plan.get("matter", topic.matter)
    for name in ("plan_how", "plan_who", "plan_supervise"):
        if name in plan:
            setattr(topic, name, (plan[name] or "").strip())
    if "participants" in plan:
        topic.participants = [p for p in plan["participants"] if p in Party.values]
    topic.save()
    record(topic, actor=actor, action="plan_updated")
    return topic


@transaction.atomic
def topic_propose(*, actor, household: Household, title: str, plan_how: str = "", options=None) -> Topic:
    """A resident's proposal: it becomes a topic (draft) once enough households of the place co-sign."""
    from gongzhi.tickets.permissions import resident_households

    if household not in resident_households(actor):
        raise PermissionDenied
    place = deciding_place(household.node)
    title, options, _budget = _clean_plan(title, options, None, Matter.ORDINARY, place)
    topic = Topic.objects.create(place=place, place_path=place.path, title=title, plan_how=(plan_how or "").strip(),
                                 options=options, source=Source.PROPOSAL, proposer_household=household,
                                 step=Step.PROPOSAL, created_by=actor)
    record(topic, actor=actor, action="proposed")
    CoSignature.objects.create(topic=topic, household=household, user=actor)
    _promote_if_enough(topic, actor)
    return topic


def _promote_if_enough(topic: Topic, actor) -> None:
    need = place_settings(topic.place).cosign_threshold
    have = topic.cosignatures.count()
    if have >= need:
        apply_step(topic, Step.DRAFT, actor=actor, action="cosign_reached",
                   note=_("%(n)d 户联署，达到 %(need)d 户门槛，转为议题") % {"n": have, "need": need})


@transaction.atomic
def topic_cosign(*, actor, topic: Topic) -> CoSignature:
    topic = lock_topic(topic)
    if topic.step != Step.PROPOSAL:
        raise Conflict(_("该提议已不在联署阶段"), code="not_proposal")
    if not can_cosign_topic(actor, topic):
        raise PermissionDenied(_("只有本区划的居民可以联署"))
    signed = set(topic.cosignatures.values_list("household_id", flat=True))
    household = next((h for h in households_in_place(actor, topic) if h.pk not in signed), None)
    if household is None:
        raise Conflict(_("您家已联署过该提议，每户只能联署一次"), code="already_cosigned")
    try:
        with transaction.atomic():
            sig = CoSignature.objects.create(topic=topic, household=household, user=actor)
    except IntegrityError:
        raise Conflict(_("您家已联署过该提议，每户只能联署一次"), code="already_cosigned") from None
    _promote_if_enough(topic, actor)
    return sig


@transaction.atomic
def topic_publish_notice(*, actor, topic: Topic, days: int | None = None) -> Topic:
    """Step 2: the notice hangs on the place's board at least the place's minimum before the meeting."""
    topic = lock_topic(topic)
    if not can_manage_topic(actor, topic):
        raise PermissionDenied
    minimum = place_settings(topic.place).notice_days
    days = minimum if days is None else days
    if days < minimum or days > 90:
        raise ValidationError({"days": [_("公告期不能少于 %(n)d 天，也不能超过 90 天") % {"n": minimum}]})
    if not topic.plan_how and not topic.options:
        raise ValidationError({"plan_how": [_("请先写明方案（如何做）或备选方案")]})
    now = timezone.now()
    apply_step(topic, Step.NOTICE, actor=actor, action="notice_published",
               fields={"notice_published_at": now, "notice_until": timezone.localdate(now) + datetime.timedelta(days=days)})
    return topic


@transaction.atomic
def comment_add(*, actor, topic: Topic, text: str) -> Comment:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("请填写意见")]})
    if len(text) > 1000:
        raise ValidationError({"text": [_("意见不能超过 1000 字")]})
    topic = Topic.objects.get(pk=topic.pk)
    if topic.step != Step.NOTICE:
        raise Conflict(_("只能在公告期内发表意见"), code="not_notice")
    if not households_in_place(actor, topic) and not can_manage_topic(actor, topic):
        raise PermissionDenied(_("只有本区划的居民可以发表意见"))
    return Comment.objects.create(topic=topic, author=actor, text=text)


def _clean_meeting(place_topic: Topic, kind: str, starts_at, location: str, capacity) -> dict:
    from ..models import MeetingKind

    errors = {}
    if kind not in MeetingKind.values:
        errors["kind"] = [_("会议形式有误")]
    if starts_at is None:
        errors["starts_at"] = [_("请填写会议时间")]
    elif place_topic.notice_until and timezone.localtime(starts_at).date() < place_topic.notice_until:
        errors["starts_at"] = [_("会议时间不能早于公告期满（%(d)s）") % {"d": place_topic.notice_until}]
    location = (location or "").strip()
    if not location:
        errors["location"] = [_("请填写会议地点")]
    if capacity is not None and not (1 <= int(capacity) <= 100000):
        errors["capacity"] = [_("名额应在 1 至 100000 之间")]
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "starts_at": starts_at, "location": location[:120], "capacity": capacity}


@transaction.atomic
def meeting_schedule(*, actor, topic: Topic, kind: str, starts_at, location: str, capacity=None,
                     name: str = "") -> Meeting:
    topic = lock_topic(topic)
    if not can_manage_topic(actor, topic):
        raise PermissionDenied
    if topic.step not in (Step.DRAFT, Step.NOTICE):
        raise Conflict(_("协商会议应在公告期内安排"), code="bad_step")
    values = _clean_meeting(topic, kind, starts_at, location, capacity)
    meeting, _created = Meeting.objects.update_or_create(topic=topic, defaults={**values, "name": name.strip()[:60]})
    record(topic, actor=actor, action="meeting_scheduled",
           data={"kind": kind, "starts_at": timezone.localtime(starts_at).isoformat(), "location": values["location"]})
    return meeting


@transaction.atomic
def meeting_open(*, actor, topic: Topic) -> Topic:
    """Step 3 begins: the notice period is over (or the meeting has a date after it)."""
    topic = lock_topic(topic)
    if not can_manage_topic(actor, topic):
        raise PermissionDenied
    if not hasattr(topic, "meeting"):
        raise ValidationError(_("请先安排协商会议"))
    if topic.notice_until and timezone.localdate() < topic.notice_until:
        raise Conflict(_("公告期至 %(d)s，期满后才能开始协商") % {"d": topic.notice_until}, code="notice_not_over")
    apply_step(topic, Step.CONSULTATION, actor=actor, action="consultation_started")
    return topic


def _meeting_for(topic: Topic) -> Meeting:
    try:
        return topic.meeting
    except Meeting.DoesNotExist:
        raise ValidationError(_("请先安排协商会议")) from None


@transaction.atomic
def attendance_invite(*, actor, topic: Topic, name: str, party: str, user=None) -> Attendance:
    if not can_manage_topic(actor, topic):
        raise PermissionDenied
    meeting = _meeting_for(topic)
    name = (name or "").strip() or (user.display_name if user else "")
    if not name:
        raise ValidationError({"name": [_("请填写姓名")]})
    if party not in Party.values:
        raise ValidationError({"party": [_("参会方有误")]})
    if user is not None and meeting.attendances.filter(user=user).exists():
        raise Conflict(_("此人已在名单中"), code="already_invited")
    return Attendance.objects.create(meeting=meeting, user=user, name=name[:60], party=party, invited=True)


@transaction.atomic
def attendance_signup(*, actor, topic: Topic) -> Attendance:
    """A resident of the place signs up, within the capacity (the topic's lock serialises sign-ups)."""
    topic = lock_topic(topic)
    if topic.step not in (Step.NOTICE, Step.CONSULTATION):
        raise Conflict(_("现在不能报名"), code="bad_step")
    if not households_in_place(actor, topic):
        raise PermissionDenied(_("只有本区划的居民可以报名"))
    meeting = _meeting_for(topic)
    existing = meeting.attendances.filter(user=actor).first()
    if existing and existing.signed_up_at:
        raise Conflict(_("您已报名"), code="already_signed_up")
    if meeting.capacity and meeting.attendances.filter(signed_up_at__isnull=False).count() >= meeting.capacity:
        raise Conflict(_("名额已满"), code="full")
    if existing:
        existing.signed_up_at = timezone.now()
        existing.save(update_fields=["signed_up_at"])
        return existing
    return Attendance.objects.create(meeting=meeting, user=actor, name=actor.display_name, party=Party.RESIDENT,
                                     signed_up_at=timezone.now())


def signin_token(meeting: Meeting) -> str:
    """A signed code for the meeting's sign-in link; it expires SIGNIN_MAX_AGE after it was made."""
    return signing.dumps({"m": meeting.pk}, salt=SIGNIN_SALT)


@transaction.atomic
def attendance_sign_in(*, actor, topic: Topic, attendance: Attendance | None = None, token: str = "") -> Attendance:
    """Sign-in on the organiser's phone (attendance given) or by the attendee scanning the code (token)."""
    topic = lock_topic(topic)
    meeting = _meeting_for(topic)
    if topic.step not in (Step.NOTICE, Step.CONSULTATION):
        raise Conflict(_("会议不在签到时间"), code="bad_step")
    if attendance is not None:
        if not can_manage_topic(actor, topic):
            raise PermissionDenied
        if attendance.meeting_id != meeting.pk:
            raise ValidationError(_("此人不在本次会议名单中"))
    else:
        try:
            data = signing.loads(token, salt=SIGNIN_SALT, max_age=SIGNIN_MAX_AGE)
        except signing.SignatureExpired:
            raise Conflict(_("签到码已过期，请重新扫码"), code="code_expired") from None
        except signing.BadSignature:
            raise ValidationError(_("签到码无效")) from None
        if data.get("m") != meeting.pk:
            raise ValidationError(_("签到码无效"))
        if not households_in_place(actor, topic) and not can_manage_topic(actor, topic):
            invited = meeting.attendances.filter(user=actor).exists()
            if not invited:
                raise PermissionDenied(_("您不在本次会议的邀请名单中"))
        attendance = meeting.attendances.filter(user=actor).first() or Attendance(
            meeting=meeting, user=actor, name=actor.display_name, party=Party.RESIDENT)
    if attendance.signed_in_at:
        raise Conflict(_("已签到"), code="already_signed_in")
    attendance.signed_in_at = timezone.now()
    attendance.signed_in_by = actor
    attendance.save()
    grant_meeting(attendance, topic)  # 微积分: attending the meeting earns, once per meeting and resident
    return attendance


@transaction.atomic
def meeting_minutes(*, actor, topic: Topic, minutes: str) -> Meeting:
    topic = lock_topic(topic)
    if not can_manage_topic(actor, topic):
        raise PermissionDenied
    if topic.step != Step.CONSULTATION:
        raise Conflict(_("会议记录在组织协商阶段填写"), code="bad_step")
    meeting = _meeting_for(topic)
    meeting.minutes = (minutes or "").strip()
    meeting.held_at = meeting.held_at or timezone.now()
    meeting.save(update_fields=["minutes", "held_at"])
    record(topic, actor=actor, action="minutes")
    return meeting


@transaction.atomic
def decision_record(*, actor, topic: Topic, text: str, method: str = DecisionMethod.CONSENSUS, vote=None) -> Decision:
    """The decision ends step 3: a consensus recorded by the chair, or a closed vote (owners' matters only so)."""
    topic = lock_topic(topic)
    if not can_manage_topic(actor, topic):
        raise PermissionDenied
    if topic.step != Step.CONSULTATION:
        raise Conflict(_("只有组织协商阶段可以作出决定"), code="bad_step")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("请填写决定内容")]})
    if method == DecisionMethod.CONSENSUS and topic.is_owner_matter:
        raise ValidationError({"method": [_("业主共同决定事项须经业主表决")]})
    if method == DecisionMethod.VOTE:
        if vote is not None:
            vote = type(vote).objects.get(pk=vote.pk)  # its state now, not as the caller loaded it
        if vote is None or vote.topic_id != topic.pk or vote.closed_at is None:
            raise ValidationError({"vote": [_("请先结束表决并计票")]})
    meeting = _meeting_for(topic)
    if meeting.held_at is None:
        meeting.held_at = timezone.now()
        meeting.save(update_fields=["held_at"])
    Decision.objects.filter(topic=topic).delete()  # sent back and decided again: the new decision stands
    decision = Decision.objects.create(topic=topic, method=method, text=text, vote=vote, decided_by=actor)
    apply_step(topic, Step.APPLY, actor=actor, action="decided", note=text)
    return decision


@transaction.atomic
def apply_record(*, actor, topic: Topic, kind: str, note: str = "", ticket=None, task_owner: str = "",
                 task_due: datetime.date | None = None) -> Decision:
    """Step 4: what carries the decision out. A rule version links itself from evaluation's side."""
    topic = lock_topic(topic)
    if not can_manage_topic(actor, topic):
        raise PermissionDenied
    if topic.step != Step.APPLY:
        raise Conflict(_("只有结果运用阶段可以登记落实"), code="bad_step")
    decision = topic.decision
    if kind not in ApplyKind.values:
        raise ValidationError({"kind": [_("落实方式有误")]})
    if kind == ApplyKind.TICKET and ticket is None:
        raise ValidationError({"ticket": [_("请选择落实工单")]})
    if kind == ApplyKind.TASK:
        if not task_owner.strip():
            raise ValidationError({"task_owner": [_("请填写责任人")]})
        if task_due is None:
            raise ValidationError({"task_due": [_("请填写完成期限")]})
        if task_due < timezone.localdate(decision.decided_at):
            raise ValidationError({"task_due": [_("完成期限不能早于决定日期")]})
    decision.apply_kind = kind
    decision.apply_ticket = ticket if kind == ApplyKind.TICKET else None
    decision.task_owner = task_owner.strip()[:60] if kind == ApplyKind.TASK else ""
    decision.task_due = task_due if kind == ApplyKind.TASK else None
    decision.apply_note = (note or "").strip()
    decision.save()
    apply_step(topic, Step.FEEDBACK, actor=actor, action="applied", note=decision.apply_note,
               data={"kind": kind, "ticket": ticket.pk if ticket else None, "task_owner": decision.task_owner,
                     "task_due": task_due.isoformat() if task_due else None})
    return decision


@transaction.atomic
def feedback_publish(*, actor, topic: Topic, text: str) -> Topic:
    """Step 5: what was done goes on the board with its date, and the topic closes."""
    topic = lock_topic(topic)
    if not can_manage_topic(actor, topic):
        raise PermissionDenied
    if topic.step != Step.FEEDBACK:
        raise Conflict(_("只有反馈公示阶段可以发布反馈"), code="bad_step")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("请填写反馈内容")]})
    topic.feedback = text
    topic.feedback_published_at = timezone.now()
    topic.save(update_fields=["feedback", "feedback_published_at"])
    apply_step(topic, Step.CLOSED, actor=actor, action="feedback_published", note=text)
    return topic


@transaction.atomic
def topic_send_back(*, actor, topic: Topic, reason: str) -> Topic:
    topic = lock_topic(topic)
    if not can_manage_topic(actor, topic):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写退回原因")]})
    if topic.step not in BACK:
        raise Conflict(_("当前步骤不能退回"), code="bad_transition")
    apply_step(topic, BACK[topic.step], actor=actor, action="sent_back", note=reason)
    return topic


@transaction.atomic
def topic_withdraw(*, actor, topic: Topic, reason: str) -> Topic:
    topic = lock_topic(topic)
    if not can_manage_topic(actor, topic):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写撤回原因")]})
    apply_step(topic, Step.WITHDRAWN, actor=actor, action="withdrawn", note=reason)
    return topic


@transaction.atomic
def rating_add(*, actor, topic: Topic, stars: int) -> Rating:
    topic = Topic.objects.get(pk=topic.pk)
    if topic.step != Step.CLOSED:
        raise Conflict(_("反馈公示后才能评价"), code="bad_step")
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise ValidationError({"stars": [_("评价应为 1 至 5 星")]})
    households = households_in_place(actor, topic)
    if not households:
        raise PermissionDenied(_("只有本区划的居民可以评价"))
    try:
        with transaction.atomic():
            return Rating.objects.create(topic=topic, household=households[0], user=actor, stars=stars)
    except IntegrityError:
        raise Conflict(_("您家已评价过"), code="already_rated") from None
