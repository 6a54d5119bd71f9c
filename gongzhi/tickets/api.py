"""JSON API for the same use cases as the pages, over the same services and selectors."""

import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _l
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.core.api import Pages, json_answer
from gongzhi.core.errors import Conflict
from gongzhi.core.masking import mask_phone
from gongzhi.people.models import Organisation
from gongzhi.territory import selectors as territory

from . import catalogue, selectors, services
from . import selectors_wishes as wsel
from .duplicates import suggest_duplicates
from .measures import period_bounds, ticket_measures
from .models import Channel, FollowUp, Kind, Supervision
from .models import Status as TicketStatus
from .models_wishes import WishStatus
from .permissions import is_worker_for, org_ids

router = Router(tags=[_l("诉求工单")])


def _run(fn):
    """Field errors flattened to a list of Chinese messages: core.api.validation_messages cannot read
    an error_dict yet (reported), and a list is what API clients show anyway."""
    try:
        return fn()
    except Conflict:
        raise  # 409 with its code (core.api)
    except ValidationError as e:
        raise ValidationError([str(m) for m in e.messages]) from None


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    group: str
    response_hours: int
    resolve_hours: int
    working_days: bool
    default_level: str


class TicketOut(Schema):
    id: int
    kind: str
    channel: str
    external_no: str | None
    category_id: int
    title: str
    description: str
    community_id: int
    household_id: int | None
    node_id: int | None
    address: str
    status: str
    handling_level: str
    handler_id: int | None
    handler_org_id: int | None
    merged_into_id: int | None
    created_at: datetime.datetime
    respond_by: datetime.datetime
    resolve_by: datetime.datetime
    due_at: datetime.datetime | None
    responded_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    result: str
    rating: str
    escalations: int
    handler_name: str = Field(description="承办人姓名或承办单位名称；未分办时为空")
    handling_level_label: str = Field(description="工单所在的办理层级（中文）")
    reporter_phone: str  # masked in lists; in full on a ticket's own answer for those who call back

    @staticmethod
    def resolve_reporter_phone(obj) -> str:
        if isinstance(obj, dict):  # _detail's answer, already decided (full or masked)
            return obj["reporter_phone"]
        return mask_phone(obj.reporter_phone)


class EventOut(Schema):
    at: datetime.datetime
    action: str
    from_status: str
    to_status: str
    note: str
    actor: str


class TicketDetail(TicketOut):
    events: list[EventOut]


class TicketIn(Schema):
    category: str
    description: str
    title: str = ""
    kind: str = Kind.DEMAND
    channel: str = Channel.SELF
    household_id: int | None = None
    node_id: int | None = None
    community_id: int | None = None
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    external_no: str = ""
    idempotency_key: str = ""


class ActionIn(Schema):
    note: str = ""
    reason: str = ""
    result: str = ""
    level: str = ""
    user_id: int | None = None
    org_id: int | None = None
    into: int | None = None
    rating: str = ""
    comment: str = ""
    via: str = FollowUp.Via.CALL


class DuplicateOut(Schema):
    id: int
    title: str
    status: str
    score: float


class WishOut(Schema):
    id: int
    title: str
    description: str
    status: str
    community_id: int
    resident_name: str
    claimed_by_id: int | None
    claimed_org_id: int | None
    created_at: datetime.datetime


class WishIn(Schema):
    title: str
    description: str = ""


class OrderOut(Schema):
    id: int
    offering_id: int | None
    status: str
    organisation_id: int | None
    note: str
    rating: str
    created_at: datetime.datetime


# TicketOut's fields are plain attributes of a ticket (reporter_phone is decided in _detail): read
# them directly; the answer is validated against the schema once, by ninja, on the way out.
_TICKET_FIELDS = [name for name in TicketOut.model_fields if name != "reporter_phone"]


def _detail(t, request, *, just_filed: bool = False) -> dict:
    data = {name: getattr(t, name) for name in _TICKET_FIELDS}
    if just_filed:  # the filer has just typed (or is) the number: nothing new is disclosed
        data["reporter_phone"] = t.reporter_phone
    else:
        data["reporter_phone"] = services.reporter_phones_shown(actor=request.user, tickets=[t], request=request,
                                                                channel="api")[t.pk]
    data["events"] = [{"at": e.at, "action": e.action, "from_status": e.from_status, "to_status": e.to_status,
                       "note": e.note, "actor": e.actor_label} for e in selectors.ticket_timeline(request.user, t)]
    return data


def _place(request, body: TicketIn) -> dict:
    """Place ids are looked up within what the user may know of (hidden and missing are both 404);
    the intake service then checks the user may file at that exact place (a household by id: the
    service looks it up, in the same statement as the insert where it can)."""
    u = request.user
    nodes = selectors.filing_nodes(u) if (body.node_id or body.community_id) else None
    return {
        "household_id": body.household_id,
        "node": get_object_or_404(nodes, pk=body.node_id) if body.node_id else None,
        "community": get_object_or_404(nodes, pk=body.community_id) if body.community_id else None,
    }


@router.get("/categories", response=list[CategoryOut], summary=_l("诉求分类目录"))
@paginate(Pages, page_size=100)
def categories(request, node_id: int | None = None, household_id: int | None = None):
    """The categories offered when filing at a place (a node or a household the user may file for);
    without one, the installation-wide catalogue."""
    path = None
    if household_id is not None:
        household = selectors.filing_household(request.user, household_id)
        if household is None:
            raise Http404
        path = household.node_path
    elif node_id is not None:
        path = get_object_or_404(selectors.filing_nodes(request.user), pk=node_id).path
    return catalogue.for_place(path)


@router.get("/", response=list[TicketOut], summary=_l("我可见的工单"))
@paginate(Pages, page_size=50)
def ticket_list(request, status: TicketStatus | None = None):
    qs = selectors.visible_tickets(request.user).select_related(*selectors.LIST_RELATED)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


@router.post("/", response={201: TicketDetail}, summary=_l("提交诉求（同一 idempotency_key 只建一单）"))
def ticket_create(request, body: TicketIn):
    t = _run(lambda: services.ticket_submit(
        actor=request.user, channel=body.channel, kind=body.kind, category=None, category_code=body.category,
        title=body.title,
        description=body.description, address=body.address, reporter_name=body.reporter_name,
        reporter_phone=body.reporter_phone, external_no=body.external_no, idempotency_key=body.idempotency_key,
        **_place(request, body)))
    # The busiest write: answered without a second pass through the schema (the answer is made of
    # TicketDetail's own fields; tests/test_api.py checks it matches).
    return json_answer(_detail(t, request, just_filed=t.filed_by_id == request.user.pk), status=201)


@router.get("/queue", response=list[TicketOut], summary=_l("我的待办（按时限排序）"))
@paginate(Pages, page_size=50)
def queue(request):
    return selectors.handler_queue(request.user)


@router.get("/board", response=list[TicketOut], summary=_l("分办台：辖区未办结工单"))
@paginate(Pages, page_size=50)
def board(request, status: TicketStatus | None = None, overdue: bool = False):
    return selectors.board(request.user, status=status or "", overdue=overdue)


@router.get("/overdue", response=list[TicketOut], summary=_l("节点之下的超时工单"))
@paginate(Pages, page_size=50)
def overdue(request, node_id: int):
    node = territory.get_node(request.user, node_id)
    return selectors.overdue_under(request.user, node.path)


@router.get("/duplicates", response=list[DuplicateOut], summary=_l("可能重复的诉求"))
@paginate(Pages, page_size=100)
def duplicates(request, node_id: int, text: str):
    node = get_object_or_404(selectors.filing_nodes(request.user), pk=node_id)
    if not is_worker_for(request.user, node.path):
        return []
    return [{"id": t.pk, "title": t.title, "status": t.status, "score": s}
            for t, s in suggest_duplicates(user=request.user, node_path=node.path, text=text)]


@router.get("/stats", summary=_l("三率与其他指标（口径见 docs/tickets-rates.md）"))
def stats(request, node_id: int, start: datetime.date | None = None, end: datetime.date | None = None):
    node = selectors.measures_node(request.user, node_id)
    s, e = _run(lambda: period_bounds(start, end))
    return ticket_measures(node, s, e).as_dict()


class SupervisionOut(Schema):
    id: int
    ticket_id: int
    ticket_title: str = Field(alias="ticket.title")
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    missed_deadline: datetime.datetime
    created_at: datetime.datetime
    by: str = Field(description="督办人；系统自动督办时为空")
    from_level: str
    to_level: str
    from_handler: str
    to_handler: str
    note: str

    @staticmethod
    def resolve_by(obj: Supervision) -> str:
        return obj.by.display_name if obj.by_id else ""

    @staticmethod
    def resolve_from_handler(obj: Supervision) -> str:
        return obj.from_handler.display_name if obj.from_handler_id else ""

    @staticmethod
    def resolve_to_handler(obj: Supervision) -> str:
        return obj.to_handler.display_name if obj.to_handler_id else ""


@router.get("/supervisions", response=list[SupervisionOut], summary=_l("督办记录（我可见的工单）"))
@paginate(Pages, page_size=50)
def supervisions(request):
    return selectors.supervision_list(request.user)


@router.get("/{int:pk}/supervisions", response=list[SupervisionOut], summary=_l("一张工单的督办记录"))
@paginate(Pages, page_size=50)
def ticket_supervisions(request, pk: int):
    return selectors.supervision_list(request.user).filter(ticket=selectors.get_ticket(request.user, pk))


@router.get("/{int:pk}", response=TicketDetail)
def ticket_detail(request, pk: int):
    return _detail(selectors.get_ticket(request.user, pk), request)


@router.post("/{int:pk}/{action}", response=TicketDetail, summary=_l("工单操作：dispatch/accept/start/resolve/reject/merge/follow-up/rate/close/supervise"))
def ticket_action(request, pk: int, action: str, body: ActionIn):
    t = selectors.get_ticket(request.user, pk)
    u = request.user
    calls = {
        "dispatch": lambda: services.ticket_dispatch(actor=u, ticket=t, level=body.level, user_id=body.user_id,
                                                     org_id=body.org_id, note=body.note),
        "accept": lambda: services.ticket_accept(actor=u, ticket=t, note=body.note),
        "start": lambda: services.ticket_start(actor=u, ticket=t, note=body.note),
        "resolve": lambda: services.ticket_resolve(actor=u, ticket=t, result=body.result),
        "reject": lambda: services.ticket_reject(actor=u, ticket=t, reason=body.reason),
        "merge": lambda: services.ticket_merge(actor=u, ticket=t, into=selectors.get_ticket(u, body.into or 0),
                                               note=body.note),
        "follow-up": lambda: services.ticket_follow_up(actor=u, ticket=t, rating=body.rating, comment=body.comment,
                                                       via=body.via),
        "rate": lambda: services.ticket_follow_up(actor=u, ticket=t, rating=body.rating, comment=body.comment,
                                                  via=FollowUp.Via.SELF),
        "close": lambda: services.ticket_close(actor=u, ticket=t, note=body.note),
        "supervise": lambda: services.ticket_supervise(actor=u, ticket=t, note=body.note),
    }
    if action not in calls:
                raise Http404
    _run(calls[action])
    return _detail(selectors.get_ticket(u, pk), request)


@router.get("/wishes", response=list[WishOut], summary=_l("心愿墙"))
@paginate(Pages, page_size=50)
def wishes(request, status: WishStatus = WishStatus.OPEN):
    return wsel.wall(request.user, status=status)


@router.post("/wishes", response={201: WishOut}, summary=_l("发布心愿"))
def wish_create(request, body: WishIn):
    return Status(201, _run(lambda: services.wish_create(actor=request.user, title=body.title, description=body.description)))


@router.post("/wishes/{int:pk}/{action}", response=WishOut, summary=_l("心愿：claim/fulfil/confirm"))
def wish_action(request, pk: int, action: str, body: ActionIn):
    w = wsel.get_wish(request.user, pk)
    org = (get_object_or_404(Organisation, pk=body.org_id, pk__in=org_ids(request.user))  # only one's own
           if body.org_id else None)
    calls = {
        "claim": lambda: services.wish_claim(actor=request.user, wish=w, organisation=org),
        "fulfil": lambda: services.wish_fulfil(actor=request.user, wish=w, note=body.note),
        "confirm": lambda: services.wish_confirm(actor=request.user, wish=w),
    }
    if action not in calls:
                raise Http404
    return _run(calls[action])


@router.get("/orders", response=list[OrderOut], summary=_l("四单：订单"))
@paginate(Pages, page_size=50)
def orders(request):
    return wsel.visible_orders(request.user)


@router.post("/offerings/{int:pk}/order", response={201: OrderOut}, summary=_l("居民点单"))
def order_create(request, pk: int, body: ActionIn):
    offering = wsel.get_offering(request.user, pk)
    return Status(201, _run(lambda: services.order_create(actor=request.user, offering=offering, note=body.note)))


@router.post("/orders/{int:pk}/{action}", response=OrderOut, summary=_l("订单：dispatch/accept/decline/done/rate/cancel"))
def order_action(request, pk: int, action: str, body: ActionIn):
    o = wsel.get_order(request.user, pk)
    u = request.user
    org = wsel.get_dispatch_org(u, o, body.org_id) if body.org_id else None
    calls = {
        "dispatch": lambda: services.order_dispatch(actor=u, order=o, organisation=org, note=body.note),
        "accept": lambda: services.order_accept(actor=u, order=o),
        "decline": lambda: services.order_decline(actor=u, order=o, reason=body.reason),
        "done": lambda: services.order_done(actor=u, order=o, result=body.result),
        "rate": lambda: services.order_rate(actor=u, order=o, rating=body.rating, comment=body.comment),
        "cancel": lambda: services.order_cancel(actor=u, order=o, reason=body.reason),
    }
    if action not in calls:
                raise Http404
    return _run(calls[action])
