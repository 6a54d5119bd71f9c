"""四单: offering (服务清单) → resident orders 点单 → community dispatches 派单 → organisation
accepts 接单 or declines → done → resident rates 评单."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.notify import notify
from gongzhi.accounts.services import audit_record
from gongzhi.core.errors import Conflict
from gongzhi.people.models import Organisation, OrganisationMember

from ..models import OrderEvent, Rating, ServiceOffering, ServiceOrder
from ..models_orders import OrderStatus
from ..permissions import can_act_for_org, is_staff_for, resident_households
from ..selectors_wishes import dispatch_orgs_for_order
from ..services.intake import resolve_place

OS = OrderStatus
ORDER_TRANSITIONS = {
    OS.ORDERED: {OS.DISPATCHED, OS.CANCELLED},
    OS.DISPATCHED: {OS.ACCEPTED, OS.DECLINED, OS.CANCELLED},
    OS.DECLINED: {OS.DISPATCHED, OS.CANCELLED},
    OS.ACCEPTED: {OS.DONE},
    OS.DONE: {OS.RATED},
    OS.RATED: set(),
    OS.CANCELLED: set(),
}
URL = "/tickets/orders/"


def _lock(order: ServiceOrder) -> ServiceOrder:
    return ServiceOrder.objects.select_for_update().get(pk=order.pk)


def _move(order: ServiceOrder, to: str, *, actor, note: str = "", **fields) -> ServiceOrder:
    if to not in ORDER_TRANSITIONS[order.status]:
        raise Conflict(_("订单不能从“%(a)s”变为“%(b)s”") % {"a": order.get_status_display(), "b": OS(to).label},
                       code="bad_transition", status=order.status)
    OrderEvent.objects.create(order=order, actor=actor, from_status=order.status, to_status=to, note=note[:300])
    fields["status"] = to
    for k, v in fields.items():
        setattr(order, k, v)
    order.save(update_fields=[*fields, "updated_at"])
    return order


def _org_users(org: Organisation) -> list:
    return [m.user for m in OrganisationMember.objects.filter(organisation=org).select_related("user")]


def _org_covers(organisation: Organisation, community) -> bool:
    """The organisation is based in or above the community, or serves a place in or above it."""
    paths = [organisation.community.path, *organisation.serves.values_list("path", flat=True)]
    return any(community.path.startswith(p) or p.startswith(community.path) for p in paths)


@transaction.atomic
def offering_create(*, actor, organisation: Organisation, community, title: str, description: str = "",
                    request=None) -> ServiceOffering:
    if not (can_act_for_org(actor, organisation) or is_staff_for(actor, community.path)):
        raise PermissionDenied
    if not _org_covers(organisation, community):
        raise ValidationError(_("该组织不在这个社区服务，不能在此发布服务项目"))
    title = (title or "").strip()
    if len(title) < 2:
        raise ValidationError({"title": [_("请填写服务项目名称")]})
    offering = ServiceOffering.objects.create(organisation=organisation, community=community, title=title[:100],
                                              description=(description or "").strip()[:2000], created_by=actor)
    # Offerings have no workflow of their own: the audit log is their history row (who, when, what).
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=offering,
                 detail={"organisation": organisation.pk, "community": community.pk}, request=request)
    return offering


@transaction.atomic
def offering_set_active(*, actor, offering: ServiceOffering, active: bool, request=None) -> ServiceOffering:
    """上架/下架: a withdrawn offering takes no new orders; those already placed go on."""
    offering = ServiceOffering.objects.select_for_update().select_related("organisation", "community").get(
        pk=offering.pk)
    if not (can_act_for_org(actor, offering.organisation) or is_staff_for(actor, offering.community.path)):
        raise PermissionDenied
    if offering.active != active:
        offering.active = active
        offering.save(update_fields=["active"])
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=offering, detail={"active": active},
                     request=request)
    return offering


@transaction.atomic
def order_create(*, actor, offering: ServiceOffering, note: str = "") -> ServiceOrder:
    if not offering.active:
        raise ValidationError(_("该服务项目已下架"))
    homes = [h for h in resident_households(actor)
             if h.node_path.startswith(offering.community.path)]
    if not homes:
        raise PermissionDenied(_("只能预约本人所在社区的服务"))
    place = resolve_place(household=homes[0])
    order = ServiceOrder.objects.create(offering=offering, community=place["community"], household=homes[0],
                                        node_path=place["node_path"], resident=actor, note=(note or "").strip()[:300])
    OrderEvent.objects.create(order=order, actor=actor, from_status="", to_status=OS.ORDERED, note=offering.title)
    return order


@transaction.atomic
def order_dispatch(*, actor, order: ServiceOrder, organisation: Organisation | None = None, note: str = "") -> ServiceOrder:
    order = _lock(order)
    if not is_staff_for(actor, order.node_path):
        raise PermissionDenied
    organisation = organisation or (order.offering.organisation if order.offering_id else None)
    if organisation is None:
        raise ValidationError({"organisation": [_("请选择接单组织")]})
    if not dispatch_orgs_for_order(actor, order).filter(pk=organisation.pk).exists():
        raise PermissionDenied(_("只能派单给本辖区或服务该地点的组织"))
    _move(order, OS.DISPATCHED, actor=actor, note=note or organisation.name, organisation=organisation, decline_reason="")
    notify(_org_users(organisation), title=_("社区派单：%(t)s") % {"t": order.offering.title if order.offering_id else order.note},
           url=URL, kind="order")
    return order


@transaction.atomic
def order_accept(*, actor, order: ServiceOrder) -> ServiceOrder:
    order = _lock(order)
    if not can_act_for_org(actor, order.organisation):
        raise PermissionDenied
    _move(order, OS.ACCEPTED, actor=actor)
    notify([order.resident], title=_("您预约的服务已被接单"), url=URL, kind="order")
    return order


@transaction.atomic
def order_decline(*, actor, order: ServiceOrder, reason: str) -> ServiceOrder:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": [_("拒单必须填写原因")]})
    order = _lock(order)
    if not can_act_for_org(actor, order.organisation):
        raise PermissionDenied
    _move(order, OS.DECLINED, actor=actor, note=reason, decline_reason=reason[:200])
    return order


@transaction.atomic
def order_done(*, actor, order: ServiceOrder, result: str) -> ServiceOrder:
    result = (result or "").strip()
    if len(result) < 2:
        raise ValidationError({"result": [_("请填写服务情况")]})
    order = _lock(order)
    if not can_act_for_org(actor, order.organisation):
        raise PermissionDenied
    _move(order, OS.DONE, actor=actor, note=result, result=result[:300])
    notify([order.resident], title=_("服务已完成，请评价"), url=URL, kind="order")
    return order


@transaction.atomic
def order_rate(*, actor, order: ServiceOrder, rating: str, comment: str = "") -> ServiceOrder:
    if rating not in Rating.values:
        raise ValidationError({"rating": [_("请选择满意、基本满意或不满意")]})
    order = _lock(order)
    if order.resident_id != actor.pk:
        raise PermissionDenied
    _move(order, OS.RATED, actor=actor, note=comment, rating=rating, comment=(comment or "").strip()[:300])
    return order


@transaction.atomic
def order_cancel(*, actor, order: ServiceOrder, reason: str = "") -> ServiceOrder:
    order = _lock(order)
    if not (order.resident_id == actor.pk or is_staff_for(actor, order.node_path)):
        raise PermissionDenied
    return _move(order, OS.CANCELLED, actor=actor, note=reason)
