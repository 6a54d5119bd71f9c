"""JSON API for the points accounts and the exchange. Conflicts (积分不足, 库存不足, 限兑 …) answer 409
with a machine-readable `code`."""

import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _l
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.core.api import Pages
from gongzhi.people.models import Resident

from . import selectors, services
from .codes import account_id_from_code, personal_code
from .models import Account, Entry, Item, Order
from .permissions import can_manage_points

router = Router(tags=[_l("微积分与积分超市")])
ERRORS = {400: dict, 403: dict, 404: dict, 409: dict}


class EntryOut(Schema):
    id: int
    amount: int
    kind: str
    rule: str
    note: str
    source_key: str
    created_at: datetime.datetime


class AccountOut(Schema):
    id: int
    balance: int
    public_consent: bool
    personal_code: str
    entries: list[EntryOut]


class PointsItemOut(Schema):
    id: int
    name: str
    kind: str
    price: int
    stock: int | None
    per_person_limit: int | None
    description: str
    active: bool


class PointsOrderOut(Schema):
    id: int
    item_id: int
    item_name: str
    quantity: int
    points: int
    status: str
    channel: str
    created_at: datetime.datetime


class OrderIn(Schema):
    quantity: int = 1
    client_key: str


class CounterIn(Schema):
    code: str
    item_id: int
    quantity: int = 1
    client_key: str


class AwardIn(Schema):
    resident_id: int
    amount: int
    reason: str
    client_key: str


class PointsReasonIn(Schema):
    reason: str = ""


class PointsRuleIn(Schema):
    kind: str
    points: int
    monthly_cap: int | None = None


class PointsVersionIn(Schema):
    effective_from: datetime.date
    expire_after_years: int = 1
    adopted_by: str = ""
    rules: list[PointsRuleIn]


class PointsVersionOut(Schema):
    id: int
    number: int
    effective_from: datetime.date
    expire_after_years: int
    rules: list[PointsRuleIn]


class PointsItemIn(Schema):
    name: str
    price: int
    kind: str = "goods"
    stock: int | None = None
    per_person_limit: int | None = None
    description: str = ""


def _order_out(o: Order) -> dict:
    return {"id": o.pk, "item_id": o.item_id, "item_name": o.item.name, "quantity": o.quantity, "points": o.points,
            "status": o.status, "channel": o.channel, "created_at": o.created_at}


def _mine(request) -> Account:
    acc = selectors.my_account(request.auth)
    if acc is None:
        raise Http404
    return acc


def _staff_community(request, pk: int):
    community = selectors.staff_communities(request.auth).filter(pk=pk).first()
    if community is None or not can_manage_points(request.auth, community):
        raise Http404
    return community


@router.get("/me", response={200: AccountOut, 404: dict}, summary=_l("我的积分：余额、居民码和最近20条记录"))
def me(request):
    acc = _mine(request)
    account, entries = selectors.account_summary(acc.pk)
    return {"id": account.pk, "balance": account.balance, "public_consent": account.public_consent,
            "personal_code": personal_code(account.pk), "entries": entries}


@router.get("/me/entries", response=list[EntryOut], summary=_l("我的全部积分记录（分页）"))
@paginate(Pages, page_size=50)
def my_entries(request):
    return selectors.account_entries(_mine(request))


@router.get("/me/orders", response=list[PointsOrderOut], summary=_l("我的兑换订单（分页）"))
@paginate(Pages, page_size=50)
def my_orders(request):
    return [_order_out(o) for o in selectors.my_orders(_mine(request))[:500]]


@router.get("/items", response=list[PointsItemOut], summary=_l("本社区积分超市的物品（分页）"))
@paginate(Pages, page_size=50)
def items(request):
    return selectors.items_for_account(_mine(request))


@router.post("/items/{pk}/orders", response={201: PointsOrderOut, **ERRORS}, summary=_l("手机下单兑换（相同 client_key 只兑一次）"))
def order(request, pk: int, data: OrderIn):
    acc = _mine(request)
    item = get_object_or_404(selectors.items_for_account(acc), pk=pk)
    o = services.redeem(actor=request.auth, item=item, account=acc, quantity=data.quantity, client_key=data.client_key)
    return Status(201, _order_out(o))


@router.post("/orders/{pk}/cancel", response={200: PointsOrderOut, **ERRORS}, summary=_l("取消未领取的兑换（积分和库存退回）"))
def order_cancel(request, pk: int, data: PointsReasonIn):
    o = Order.objects.select_related("item", "account__resident").filter(pk=pk).first()
    if o is None or not (o.account.resident.user_id == request.auth.pk or can_manage_points(request.auth, o.item.community)):
        raise Http404
    return _order_out(services.order_cancel(actor=request.auth, order=o, reason=data.reason))


@router.post("/orders/{pk}/collect", response={200: PointsOrderOut, **ERRORS}, summary=_l("柜台发放手机订单"))
def order_collect(request, pk: int):
    o = get_object_or_404(Order.objects.select_related("item"), pk=pk)
    if not can_manage_points(request.auth, o.item.community):
        raise Http404
    return _order_out(services.order_collect(actor=request.auth, order=o))


@router.post("/counter", response={201: PointsOrderOut, **ERRORS}, summary=_l("柜台扫居民码兑换"))
def counter(request, data: CounterIn):
    item = get_object_or_404(Item, pk=data.item_id)
    if not can_manage_points(request.auth, item.community):
        raise Http404
    acc = Account.objects.filter(pk=account_id_from_code(data.code) or 0).first()
    if acc is None:
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        raise ValidationError({"code": [_("居民码无效或已过期")]})
    o = services.redeem(actor=request.auth, item=item, account=acc, quantity=data.quantity, client_key=data.client_key,
                        channel=Order.Channel.COUNTER)
    return Status(201, _order_out(o))


@router.post("/awards", response={201: EntryOut, **ERRORS}, summary=_l("人工奖励（须填理由，记入审计）"))
def award(request, data: AwardIn):
    resident = get_object_or_404(Resident, pk=data.resident_id)
    community = services.community_of_path(resident.household.node_path)
    if community is None or not can_manage_points(request.auth, community):
        raise Http404
    return Status(201, services.manual_award(actor=request.auth, resident=resident, amount=data.amount,
                                             reason=data.reason, client_key=data.client_key))


@router.post("/entries/{pk}/reverse", response={201: EntryOut, **ERRORS}, summary=_l("冲正一条积分记录"))
def reverse(request, pk: int, data: PointsReasonIn):
    entry = get_object_or_404(Entry.objects.select_related("account__community"), pk=pk)
    if not can_manage_points(request.auth, entry.account.community):
        raise Http404
    return Status(201, services.entry_reverse(actor=request.auth, entry=entry, reason=data.reason))


@router.get("/communities/{pk}/rules", response=list[PointsVersionOut], summary=_l("社区积分规则各版本"))
@paginate(Pages, page_size=100)
def rules(request, pk: int):
    community = _staff_community(request, pk)
    return [{"id": v.pk, "number": v.number, "effective_from": v.effective_from, "expire_after_years": v.expire_after_years,
             "rules": [{"kind": r.kind, "points": r.points, "monthly_cap": r.monthly_cap} for r in v.rules.all()]}
            for v in selectors.rule_versions(community)[:100]]


@router.post("/communities/{pk}/rules", response={201: dict, **ERRORS}, summary=_l("发布新版积分规则"))
def rules_create(request, pk: int, data: PointsVersionIn):
    community = _staff_community(request, pk)
    v = services.rule_version_create(actor=request.auth, community=community, effective_from=data.effective_from,
                                     expire_after_years=data.expire_after_years, adopted_by=data.adopted_by,
                                     rules=[services.RuleInput(r.kind, r.points, r.monthly_cap) for r in data.rules])
    return Status(201, {"id": v.pk, "number": v.number})


@router.get("/communities/{pk}/items", response=list[PointsItemOut], summary=_l("积分超市物品与库存（工作人员）"))
@paginate(Pages, page_size=100)
def community_items(request, pk: int):
    return selectors.community_items(_staff_community(request, pk))


@router.post("/communities/{pk}/items", response={201: PointsItemOut, **ERRORS}, summary=_l("上架物品"))
def item_create(request, pk: int, data: PointsItemIn):
    community = _staff_community(request, pk)
    return Status(201, services.item_create(actor=request.auth, community=community, **data.dict()))
