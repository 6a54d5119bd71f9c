"""JSON API of deliberation, mounted at /api/deliberation/. Conflicts (a second ballot, a vote not open, a
step that does not follow) answer 409 with a machine-readable `code`."""

import datetime
import functools
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from gongzhi.core.api import Pages
from gongzhi.territory.models import Household, Node
from gongzhi.territory.selectors import get_node
from gongzhi.tickets.models import Ticket

from . import selectors, services
from .models import Owner
from .permissions import can_manage_topic
from .services import Conflict
from .tally import tally

router = Router(tags=[_l("议事协商")])


class DeliberationConflictOut(Schema):
    detail: str
    code: str


def conflicts(fn):
    """A Conflict from a service becomes 409 {detail, code}."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Conflict as e:
            return Status(409, {"detail": e.messages[0], "code": e.code or "conflict"})

    return wrapper


class TopicOut(Schema):
    id: int
    title: str
    place_id: int
    place: str
    matter: str
    step: str
    step_label: str
    source: str
    plan_how: str
    plan_who: str
    plan_supervise: str
    options: list[str]
    budget: Decimal | None
    notice_until: datetime.date | None
    feedback: str
    feedback_published_at: datetime.datetime | None

    @staticmethod
    def resolve_place(obj):
        return obj.place.name

    @staticmethod
    def resolve_step_label(obj):
        return obj.get_step_display()


class TopicEventOut(Schema):
    at: datetime.datetime
    action: str
    from_step: str
    to_step: str
    note: str
    actor: str | None

    @staticmethod
    def resolve_actor(obj):
        return obj.actor.display_name if obj.actor else None


class TopicDetail(TopicOut):
    events: list[TopicEventOut]
    cosignatures: int

    @staticmethod
    def resolve_events(obj):
        return obj.history

    @staticmethod
    def resolve_cosignatures(obj):
        return obj.cosignatures.count()


class TopicIn(Schema):
    place_id: int
    title: str
    matter: str = "ordinary"
    plan_how: str = ""
    plan_who: str = ""
    plan_supervise: str = ""
    options: list[str] = []
    budget: Decimal | None = None
    participants: list[str] = []
    source: str = "staff"
    source_ticket_id: int | None = None
    source_note: str = ""


class ProposalIn(Schema):
    household_id: int
    title: str
    plan_how: str = ""
    options: list[str] = []


class DeliberationReasonIn(Schema):
    reason: str


class TextIn(Schema):
    text: str


class NoticeIn(Schema):
    days: int | None = None


class MeetingIn(Schema):
    kind: str
    starts_at: datetime.datetime
    location: str
    capacity: int | None = None
    name: str = ""


class InviteIn(Schema):
    name: str = ""
    party: str
    user_id: int | None = None


class SignInIn(Schema):
    token: str = ""
    attendance_id: int | None = None


class DecisionIn(Schema):
    text: str
    method: str = "consensus"
    vote_id: int | None = None


class ApplyIn(Schema):
    kind: str
    note: str = ""
    ticket_id: int | None = None
    task_owner: str = ""
    task_due: datetime.date | None = None


class VoteIn(Schema):
    form: str
    choices: str = "yes_no"
    secret: bool = True
    opens_at: datetime.datetime | None = None
    closes_at: datetime.datetime


class VoteOut(Schema):
    id: int
    topic_id: int
    form: str
    choices: str
    options: list[str]
    secret: bool
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    closed_at: datetime.datetime | None


class BallotIn(Schema):
    choice: str


class PaperIn(Schema):
    choice: str
    household_id: int | None = None
    owner_id: int | None = None


class HandsIn(Schema):
    counts: dict[str, int]


class RatingIn(Schema):
    stars: int


class OkOut(Schema):
    id: int
    step: str


def _ok(topic):
    topic.refresh_from_db()
    return {"id": topic.pk, "step": topic.step}


def _topic(request, pk):
    return selectors.topic_for(request.user, pk)


@router.get("/topics", response=list[TopicOut], summary=_l("我负责的议题（按区划、步骤筛选）"))
@paginate(Pages, page_size=50)
def topics(request, place_id: int | None = None, step: str | None = None):
    place = get_node(request.user, place_id) if place_id else None
    return selectors.staff_topics(request.user, place=place, step=step)


@router.get("/my/topics", response=list[TopicOut], summary=_l("我所在区划的公告、提议与结果"))
@paginate(Pages, page_size=50)
def my_topics(request):
    return selectors.resident_topics(request.user)


@router.post("/topics", response={201: TopicOut, 409: DeliberationConflictOut}, summary=_l("制定方案（新建议题）"))
@conflicts
def topic_create(request, data: TopicIn):
    place = get_node(request.user, data.place_id)
    ticket = get_object_or_404(Ticket, pk=data.source_ticket_id) if data.source_ticket_id else None
    d = data.dict(exclude={"place_id", "source_ticket_id"})
    return Status(201, services.topic_create(actor=request.user, place=place, source_ticket=ticket, **d))


@router.get("/topics/{pk}", response=TopicDetail)
def topic_detail(request, pk: int):
    topic = _topic(request, pk)
    topic.history = list(selectors.history(topic)) if can_manage_topic(request.user, topic) else []
    return topic


@router.post("/proposals", response={201: TopicOut, 409: DeliberationConflictOut}, summary=_l("居民提议（发起联署）"))
@conflicts
def propose(request, data: ProposalIn):
    household = get_object_or_404(Household, pk=data.household_id)
    return Status(201, services.topic_propose(actor=request.user, household=household, title=data.title,
                                       plan_how=data.plan_how, options=data.options))


def _step_endpoint(path, summary, schema=None):
    """POST path -> fn(request, topic, data) on a visible topic; answers its new step."""

    def register(fn):
        if schema is None:
            def view(request, pk: int):
                topic = _topic(request, pk)
                fn(request, topic, None)
                return Status(200, _ok(topic))
        else:
            def view(request, pk: int, data: schema):  # type: ignore[valid-type]
                topic = _topic(request, pk)
                fn(request, topic, data)
                return Status(200, _ok(topic))
        view.__name__ = view.__qualname__ = f"topic_{fn.__name__}"
        router.post(path, response={200: OkOut, 409: DeliberationConflictOut}, summary=summary)(conflicts(view))
        return fn

    return register


@_step_endpoint("/topics/{pk}/cosign", "联署（每户一次）")
def cosign(request, topic, data):
    services.topic_cosign(actor=request.user, topic=topic)


@_step_endpoint("/topics/{pk}/notice", "发布公告", NoticeIn)
def notice(request, topic, data):
    services.topic_publish_notice(actor=request.user, topic=topic, days=data.days)


@_step_endpoint("/topics/{pk}/comments", "公告期内发表意见", TextIn)
def comment(request, topic, data):
    services.comment_add(actor=request.user, topic=topic, text=data.text)


@_step_endpoint("/topics/{pk}/meeting", "安排协商会议", MeetingIn)
def meeting(request, topic, data):
    services.meeting_schedule(actor=request.user, topic=topic, **data.dict())


@_step_endpoint("/topics/{pk}/invitations", "邀请参会人", InviteIn)
def invite(request, topic, data):
    from gongzhi.accounts.models import User

    user = get_object_or_404(User, pk=data.user_id) if data.user_id else None
    services.attendance_invite(actor=request.user, topic=topic, name=data.name, party=data.party, user=user)


@_step_endpoint("/topics/{pk}/signup", "报名参会")
def signup(request, topic, data):
    services.attendance_signup(actor=request.user, topic=topic)


@_step_endpoint("/topics/{pk}/signin", "签到（扫码或由组织者签到）", SignInIn)
def signin(request, topic, data):
    attendance = None
    if data.attendance_id:
        meeting = selectors.meeting_of(topic)
        if meeting is None:
            raise Http404
        attendance = get_object_or_404(meeting.attendances, pk=data.attendance_id)
    services.attendance_sign_in(actor=request.user, topic=topic, attendance=attendance, token=data.token)


@_step_endpoint("/topics/{pk}/open", "开始组织协商")
def consult(request, topic, data):
    services.meeting_open(actor=request.user, topic=topic)


@_step_endpoint("/topics/{pk}/minutes", "会议记录", TextIn)
def minutes(request, topic, data):
    services.meeting_minutes(actor=request.user, topic=topic, minutes=data.text)


@_step_endpoint("/topics/{pk}/decision", "作出决定", DecisionIn)
def decide(request, topic, data):
    vote = get_object_or_404(topic.votes, pk=data.vote_id) if data.vote_id else None
    services.decision_record(actor=request.user, topic=topic, text=data.text, method=data.method, vote=vote)


@_step_endpoint("/topics/{pk}/apply", "结果运用", ApplyIn)
def apply(request, topic, data):
    ticket = get_object_or_404(Ticket, pk=data.ticket_id) if data.ticket_id else None
    services.apply_record(actor=request.user, topic=topic, kind=data.kind, note=data.note, ticket=ticket,
                          task_owner=data.task_owner, task_due=data.task_due)


@_step_endpoint("/topics/{pk}/feedback", "反馈公示（并办结）", TextIn)
def feedback(request, topic, data):
    services.feedback_publish(actor=request.user, topic=topic, text=data.text)


@_step_endpoint("/topics/{pk}/send-back", "退回上一步", DeliberationReasonIn)
def send_back(request, topic, data):
    services.topic_send_back(actor=request.user, topic=topic, reason=data.reason)


@_step_endpoint("/topics/{pk}/withdraw", "撤回议题", DeliberationReasonIn)
def withdraw(request, topic, data):
    services.topic_withdraw(actor=request.user, topic=topic, reason=data.reason)


@_step_endpoint("/topics/{pk}/rating", "评价结果（每户一次）", RatingIn)
def rate(request, topic, data):
    services.rating_add(actor=request.user, topic=topic, stars=data.stars)


@router.post("/topics/{pk}/votes", response={201: VoteOut, 409: DeliberationConflictOut}, summary=_l("发起表决"))
@conflicts
def vote_open(request, pk: int, data: VoteIn):
    topic = _topic(request, pk)
    return Status(201, services.vote_open(actor=request.user, topic=topic, **data.dict()))


@router.get("/votes/{pk}", response=VoteOut)
def vote_detail(request, pk: int):
    return selectors.vote_for(request.user, pk)


@router.get("/votes/{pk}/tally", summary=_l("计票结果（按人数与按面积）"))
def vote_tally(request, pk: int):
    return tally(selectors.vote_for(request.user, pk)).as_dict()


@router.post("/votes/{pk}/ballots", response={201: dict, 409: DeliberationConflictOut}, summary=_l("线上投票"))
@conflicts
def ballot(request, pk: int, data: BallotIn):
    vote = selectors.vote_for(request.user, pk)
    b = services.ballot_cast(actor=request.user, vote=vote, choice=data.choice)
    return Status(201, {"id": b.pk, "channel": b.channel})


@router.post("/votes/{pk}/paper", response={201: dict, 409: DeliberationConflictOut}, summary=_l("录入纸质选票"))
@conflicts
def paper(request, pk: int, data: PaperIn):
    vote = selectors.vote_for(request.user, pk)
    if not can_manage_topic(request.user, vote.topic):
        raise PermissionDenied
    household = get_object_or_404(Household, pk=data.household_id) if data.household_id else None
    owner = get_object_or_404(Owner, pk=data.owner_id) if data.owner_id else None
    b = services.ballot_enter_paper(actor=request.user, vote=vote, choice=data.choice, household=household, owner=owner)
    return Status(201, {"id": b.pk, "channel": b.channel})


@router.post("/votes/{pk}/hands", response={200: dict, 409: DeliberationConflictOut}, summary=_l("记录举手票数"))
@conflicts
def hands(request, pk: int, data: HandsIn):
    vote = selectors.vote_for(request.user, pk)
    services.vote_record_hands(actor=request.user, vote=vote, counts=data.counts)
    return Status(200, tally(vote).as_dict())


@router.post("/votes/{pk}/close", response={200: dict, 409: DeliberationConflictOut}, summary=_l("结束表决并计票"))
@conflicts
def close(request, pk: int):
    vote = selectors.vote_for(request.user, pk)
    vote = services.vote_close(actor=request.user, vote=vote)
    return Status(200, tally(vote).as_dict())


@router.post("/registers/{compound_id}", response={200: dict, 400: dict, 409: DeliberationConflictOut},
             summary=_l("导入业主名册（Excel）"))
@conflicts
def register_import(request, compound_id: int, file: UploadedFile = File(...)):  # noqa: B008
    compound = get_node(request.user, compound_id)
    from .services.register import MAX_BYTES

    if file.size > MAX_BYTES:
        return Status(400, {"detail": _("导入失败"), "errors": [{"row": None, "message": _("文件不能超过 10 MB")}]})
    register, errors = services.register_import(actor=request.user, compound=compound, data=file.read())
    if errors:
        return Status(400, {"detail": _("导入失败"), "errors": [{"row": e.row, "message": str(e.message)} for e in errors]})
    return Status(200, {"owners": register.owners.count(), "flats": register.flats.count()})


@router.get("/counts", summary=_l("议事统计：协商次数、决定事项、反馈事项"))
def counts(request, place_id: int | None = None):
    place = get_node(request.user, place_id) if place_id else None
    return selectors.counts(request.user, place)


class BoardOut(Schema):
    id: int
    title: str
    place: str
    step: str
    step_label: str
    plan_how: str
    notice_until: datetime.date | None
    meeting: str | None
    decision: str | None
    feedback: str
    feedback_published_at: datetime.datetime | None

    @staticmethod
    def resolve_place(obj):
        return obj.place.name

    @staticmethod
    def resolve_step_label(obj):
        return obj.get_step_display()

    @staticmethod
    def resolve_meeting(obj):
        m = selectors.meeting_of(obj)
        return f"{timezone.localtime(m.starts_at):%Y-%m-%d %H:%M} {m.location}" if m else None

    @staticmethod
    def resolve_decision(obj):
        d = getattr(obj, "decision", None) if hasattr(obj, "decision") else None
        return d.text if d else None


@router.get("/board/{node_id}", response=list[BoardOut], auth=None, summary=_l("公示栏（无需登录，不含个人信息）"))
@paginate(Pages, page_size=50)
def board(request, node_id: int):
    node = get_object_or_404(Node, pk=node_id)
    return selectors.board_topics(node)


class SettingsIn(Schema):
    notice_days: int
    cosign_threshold: int


@router.get("/places/{node_id}/settings", response=SettingsIn, summary=_l("区划的议事设置（公告天数、联署户数）"))
def settings_get(request, node_id: int):
    return services.place_settings(get_node(request.user, node_id))


@router.put("/places/{node_id}/settings", response=SettingsIn, summary=_l("修改区划的议事设置"))
def settings_put(request, node_id: int, data: SettingsIn):
    return services.settings_update(actor=request.user, node=get_node(request.user, node_id), **data.dict())


class CommentOut(Schema):
    id: int
    text: str
    at: datetime.datetime
    author: str | None


@router.get("/topics/{pk}/comments", response=list[CommentOut], summary=_l("公告期的居民意见（姓名仅工作人员可见）"))
@paginate(Pages, page_size=50)
def comments(request, pk: int):
    topic = _topic(request, pk)
    staff = can_manage_topic(request.user, topic)
    rows = topic.comments.select_related("author").order_by("at", "id")
    return [{"id": c.pk, "text": c.text, "at": c.at, "author": c.author.display_name if staff else None} for c in rows]


class AttendanceOut(Schema):
    id: int
    name: str
    party: str
    invited: bool
    signed_up_at: datetime.datetime | None
    signed_in_at: datetime.datetime | None


class MeetingOut(Schema):
    kind: str
    name: str
    starts_at: datetime.datetime
    location: str
    capacity: int | None
    minutes: str
    held_at: datetime.datetime | None
    signed_up: int
    signed_in: int
    attendances: list[AttendanceOut] | None = None
    signin_url: str | None = None


@router.get("/topics/{pk}/meeting", response=MeetingOut, summary=_l("协商会议（参会名单与签到码仅工作人员可见）"))
def meeting_detail(request, pk: int):
    from django.urls import reverse

    topic = _topic(request, pk)
    m = selectors.meeting_of(topic)
    if m is None:
        raise Http404
    rows = list(m.attendances.all())
    out = {"kind": m.kind, "name": m.name, "starts_at": m.starts_at, "location": m.location, "capacity": m.capacity,
           "minutes": m.minutes, "held_at": m.held_at, "signed_up": sum(1 for a in rows if a.signed_up_at),
           "signed_in": sum(1 for a in rows if a.signed_in_at)}
    if can_manage_topic(request.user, topic):
        out["attendances"] = rows
        out["signin_url"] = request.build_absolute_uri(
            reverse("deliberation:signin", args=[topic.pk, services.signin_token(m)]))
    return out


@router.get("/topics/{pk}/votes", response=list[VoteOut], summary=_l("议题的表决"))
@paginate(Pages, page_size=100)
def topic_votes(request, pk: int):
    return list(_topic(request, pk).votes.order_by("id"))
