"""The closed loop after intake: dispatch 分办, accept, resolve, follow-up 回访, close; reject,
merge, reopen; manual supervision 督办. Each function locks the row, checks permission, applies one
transition from workflow.TRANSITIONS (one event row) and tells who needs to know."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.errors import Conflict

from .. import notices
from ..attachments import save_photos, validate_photos
from ..deadlines import fresh_window
from ..models import (
    Action,
    Attachment,
    FollowUp,
    HandlingLevel,
    Rating,
    Status,
    Supervision,
    Ticket,
)
from ..permissions import (
    can_close_ticket,
    can_dispatch_ticket,
    can_follow_up_ticket,
    can_handle_ticket,
    can_rate_ticket,
    can_supervise_ticket,
)
from ..routing import Route, candidates, first_route, route_at_or_above
from ..workflow import apply_transition, lock_ticket, record_note


def _route_fields(route: Route) -> dict:
    return {"handler": route.user, "handler_org": route.org, "handling_level": route.level}


def _pick_route(ticket: Ticket, *, level: str = "", user_id: int | None = None, org_id: int | None = None) -> Route:
    if user_id or org_id:
        for r in candidates(ticket):
            if (user_id and r.user is not None and r.user.pk == user_id and not org_id) or (
                    org_id and r.org is not None and r.org.pk == org_id):
                return r
        raise ValidationError({"handler": [_("所选承办人不负责该地点")]})
    if level:
        if level not in HandlingLevel.values:
            raise ValidationError({"level": [_("办理层级无效")]})
        route = route_at_or_above(ticket, level)
    else:
        route = first_route(ticket)
    if route is None:
        raise ValidationError({"handler": [_("该地点在此层级及以上没有可承办的人员，请先配置网格与角色")]})
    return route


@transaction.atomic
def ticket_dispatch(*, actor, ticket: Ticket, level: str = "", user_id: int | None = None, org_id: int | None = None,
                    note: str = "", now=None) -> Ticket:
    """分办 (or 改派 when it already has a handler): by category and place, or to a chosen level/person."""
    now = now or timezone.now()
    ticket = lock_ticket(ticket)
    if not can_dispatch_ticket(actor, ticket):
        raise PermissionDenied
    route = _pick_route(ticket, level=level, user_id=user_id, org_id=org_id)
    first = ticket.status == Status.SUBMITTED
    fields = _route_fields(route)
    fields["due_at"] = ticket.respond_by if (first and ticket.respond_by > now) else fresh_window(
        ticket.category, now, resolve=False)
    old = notices.handler_users(ticket)
    apply_transition(ticket, Status.DISPATCHED, actor=actor, action=Action.DISPATCH if first else Action.REDISPATCH,
                     note=(note or "").strip()[:500] or route.label, now=now,
                     data={"level": route.level, "handler": route.user.pk if route.user else None,
                           "org": route.org.pk if route.org else None}, fields=fields)
    notices.assigned(ticket, note)
    if not first:
        notices.tell([u for u in old if u not in notices.handler_users(ticket)], ticket, _("工单已改派他人"))
    return ticket


@transaction.atomic
def ticket_accept(*, actor, ticket: Ticket, note: str = "", now=None) -> Ticket:
    now = now or timezone.now()
    ticket = lock_ticket(ticket)
    if not can_handle_ticket(actor, ticket):
        raise PermissionDenied
    fields = {"due_at": ticket.resolve_by if ticket.resolve_by > now else fresh_window(ticket.category, now, resolve=True)}
    if ticket.handler_id is None:
        fields["handler"] = actor  # an organisation's member takes it on
    if ticket.responded_at is None:
        fields["responded_at"] = now
    apply_transition(ticket, Status.ACCEPTED, actor=actor, action=Action.ACCEPT, note=note[:500], fields=fields, now=now)
    notices.progress(ticket, _("您的诉求已受理"))
    return ticket


@transaction.atomic
def ticket_start(*, actor, ticket: Ticket, note: str = "") -> Ticket:
    ticket = lock_ticket(ticket)
    if not can_handle_ticket(actor, ticket):
        raise PermissionDenied
    apply_transition(ticket, Status.IN_PROGRESS, actor=actor, action=Action.START, note=note[:500])
    return ticket


def ticket_resolve(*, actor, ticket: Ticket, result: str, photos=(), now=None) -> Ticket:
    result = (result or "").strip()
    if len(result) < 2:
        raise ValidationError({"result": [_("请填写办理结果")]})
    checked = validate_photos(photos)
    return _resolve(actor=actor, ticket=ticket, result=result[:2000], checked=checked, now=now or timezone.now())


@transaction.atomic
def _resolve(*, actor, ticket, result, checked, now) -> Ticket:
    ticket = lock_ticket(ticket)
    if not can_handle_ticket(actor, ticket):
        raise PermissionDenied
    apply_transition(ticket, Status.RESOLVED, actor=actor, action=Action.RESOLVE, note=result, now=now,
                     fields={"result": result, "resolved_at": now, "resolved_level": ticket.handling_level,
                             "due_at": None})
    save_photos(ticket, checked, actor=actor, stage=Attachment.Stage.RESULT)
    notices.progress(ticket, _("您的诉求已办结，请评价"), result)
    return ticket


@transaction.atomic
def ticket_reject(*, actor, ticket: Ticket, reason: str) -> Ticket:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": [_("退回必须填写原因")]})
    ticket = lock_ticket(ticket)
    if not can_dispatch_ticket(actor, ticket):
        raise PermissionDenied
    apply_transition(ticket, Status.REJECTED, actor=actor, action=Action.REJECT, note=reason[:500],
                     fields={"due_at": None, "closed_at": timezone.now()})
    notices.progress(ticket, _("您的诉求已退回"), reason)
    return ticket


@transaction.atomic
def ticket_merge(*, actor, ticket: Ticket, into: Ticket, note: str = "") -> Ticket:
    """Merge a duplicate into the surviving ticket; the duplicate's reporter follows the survivor."""
    if ticket.pk == into.pk:
        raise ValidationError({"into": [_("不能与自身合并")]})
    first, second = sorted([ticket.pk, into.pk])
    locked = {t.pk: t for t in (lock_ticket(first), lock_ticket(second))}
    ticket, into = locked[ticket.pk], locked[into.pk]
    if not (can_dispatch_ticket(actor, ticket) and can_dispatch_ticket(actor, into)):
        raise PermissionDenied
    if into.status in (Status.MERGED, Status.REJECTED):
        raise ValidationError({"into": [_("目标工单已合并或已退回，不能并入")]})
    if into.community_id != ticket.community_id:
        raise ValidationError({"into": [_("只能合并同一社区的工单")]})
    apply_transition(ticket, Status.MERGED, actor=actor, action=Action.MERGE,
                     note=note[:500] or _("并入 #%(pk)s") % {"pk": into.pk}, data={"into": into.pk},
                     fields={"merged_into": into, "due_at": None, "closed_at": timezone.now()})
    record_note(into, actor=actor, action=Action.MERGE, note=_("合并了重复工单 #%(pk)s") % {"pk": ticket.pk},
                data={"merged": ticket.pk})
    notices.progress(ticket, _("您的诉求与他人反映的同一事项合并办理"), _("跟随工单 #%(pk)s") % {"pk": into.pk})
    return ticket


def _reopen_fields(ticket: Ticket, now) -> dict:
    """Unsatisfied: back to the last handler's level (the same person if still answerable)."""
    level = ticket.resolved_level or ticket.handling_level or HandlingLevel.COMMUNITY
    route = route_at_or_above(ticket, level, prefer_user_id=ticket.handler_id)
    fields = {"due_at": fresh_window(ticket.category, now, resolve=False), "resolved_at": None}
    if route is not None:
        fields.update(_route_fields(route))
    return fields


@transaction.atomic
def ticket_follow_up(*, actor, ticket: Ticket, rating: str, comment: str = "", via: str = FollowUp.Via.CALL,
                     now=None) -> Ticket:
    """回访 by staff (call/visit) or the resident's own rating (via=self). Unsatisfied reopens."""
    now = now or timezone.now()
    if rating not in Rating.values:
        raise ValidationError({"rating": [_("请选择满意、基本满意或不满意")]})
    comment = (comment or "").strip()[:500]
    if rating == Rating.UNSATISFIED and len(comment) < 2:
        raise ValidationError({"comment": [_("不满意时请说明原因")]})
    if via not in FollowUp.Via.values:
        raise ValidationError({"via": [_("回访方式无效")]})
    ticket = lock_ticket(ticket)
    allowed = can_rate_ticket(actor, ticket) if via == FollowUp.Via.SELF else can_follow_up_ticket(actor, ticket)
    if not allowed:
        if ticket.status != Status.RESOLVED:
            raise Conflict(_("只有已办结的工单可以回访评价"), code="bad_transition", status=ticket.status)
        raise PermissionDenied
    FollowUp.objects.create(ticket=ticket, by=actor, via=via, rating=rating, comment=comment,
                            level=ticket.resolved_level, created_at=now)
    note = f"{Rating(rating).label}{'：' + comment if comment else ''}"
    if rating == Rating.UNSATISFIED:
        fields = _reopen_fields(ticket, now)
        fields["rating"] = rating
        apply_transition(ticket, Status.REOPENED, actor=actor, action=Action.REOPEN, note=note, now=now,
                         data={"rating": rating}, fields=fields)
        notices.tell(notices.handler_users(ticket), ticket, _("回访不满意，工单已重办"), comment)
    else:
        apply_transition(ticket, Status.FOLLOWED_UP, actor=actor, action=Action.FOLLOW_UP, note=note, now=now,
                         data={"rating": rating}, fields={"rating": rating})
    return ticket


@transaction.atomic
def ticket_close(*, actor, ticket: Ticket, note: str = "", now=None) -> Ticket:
    now = now or timezone.now()
    ticket = lock_ticket(ticket)
    if not can_close_ticket(actor, ticket):
        if ticket.status != Status.FOLLOWED_UP:
            raise Conflict(_("回访之后才能结案"), code="bad_transition", status=ticket.status)
        raise PermissionDenied
    apply_transition(ticket, Status.CLOSED, actor=actor, action=Action.CLOSE, note=note[:500], now=now,
                     fields={"closed_at": now})
    notices.progress(ticket, _("您的诉求已结案"))
    return ticket


@transaction.atomic
def ticket_supervise(*, actor, ticket: Ticket, note: str, now=None) -> Supervision:
    """Manual 督办 by staff: a record and a reminder to the handler (the SLA job escalates on its own)."""
    now = now or timezone.now()
    note = (note or "").strip()
    if len(note) < 2:
        raise ValidationError({"note": [_("请填写督办意见")]})
    ticket = lock_ticket(ticket)
    if not can_supervise_ticket(actor, ticket):
        raise PermissionDenied
    sup = Supervision.objects.create(ticket=ticket, kind=Supervision.Kind.MANUAL, missed_deadline=now, by=actor,
                                     from_level=ticket.handling_level, to_level=ticket.handling_level,
                                     from_handler=ticket.handler, to_handler=ticket.handler, note=note[:200])
    record_note(ticket, actor=actor, note=_("督办：%(n)s") % {"n": note[:200]}, action=Action.NOTE)
    notices.tell(notices.handler_users(ticket), ticket, _("您承办的工单被督办"), note, kind="supervision")
    return sup

