"""Every write to the points accounts. Other apps call `earn` when their events happen (a check-out,
a meeting attended …); nothing else adds points except a recorded manual award by staff.

Locking order, everywhere: item (the exchange) before account. A debit is a conditional update under
the account's row lock, so a balance cannot go below zero even with many writers at once."""

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import AuditLog, User
from gongzhi.accounts.notify import Message, notify, notify_many
from gongzhi.accounts.services import audit_record
from gongzhi.core.errors import Conflict
from gongzhi.core.paths import ancestors_of
from gongzhi.people.models import Resident
from gongzhi.territory.models import Level, Node

from .models import (
    Account,
    EarningRule,
    EarnKind,
    Entry,
    EntryKind,
    Item,
    Order,
    OrderEvent,
    RuleVersion,
    YearCredit,
)
from .permissions import can_manage_points

CLIENT_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_POINTS = 1_000_000  # one entry, one price: a typo of extra zeros is refused, not booked
MAX_QUANTITY = 100


def _check_client_key(client_key: str) -> str:
    client_key = (client_key or "").strip()
    if not CLIENT_KEY.match(client_key):
        raise ValidationError({"client_key": [_("提交编号无效，请刷新页面后重试")]})
    return client_key


def community_of_path(node_path: str) -> Node | None:
    return Node.objects.filter(path__in=ancestors_of(node_path), level=Level.COMMUNITY).first()


def account_for(resident: Resident) -> Account:
    """The resident's account, opened on first use (two first uses at once open one)."""
    acc = Account.objects.filter(resident=resident).first()
    if acc is not None:
        return acc
    community = community_of_path(resident.household.node_path)
    if community is None:
        raise ValidationError(_("该居民不在任何社区下，无法开设积分账户"))
    try:
        with transaction.atomic():
            return Account.objects.create(resident=resident, community=community)
    except IntegrityError:
        return Account.objects.get(resident=resident)


def rule_version_in_force(community: Node | int, on: datetime.date) -> RuleVersion | None:
    """The community's (a node or its id) rule version in force on a day."""
    return (RuleVersion.objects.filter(community=community, effective_from__lte=on)
            .order_by("-effective_from", "-number").first())


def _month_window(at) -> tuple[datetime.datetime, datetime.datetime]:
    """The local calendar month holding `at`, as [start, end): what a monthly cap counts."""
    start = timezone.localtime(at).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return start, (start + datetime.timedelta(days=32)).replace(day=1)


def _post(account: Account, *, amount: int, kind: str, source_key: str, actor=None, rule: str = "",
          rule_version=None, reverses=None, note: str = "", at=None) -> Entry:
    """Book one entry on an account the caller has locked. A debit that would take the balance below
    zero is refused (Conflict 'insufficient_points') and nothing is written."""
    if amount < 0:
        moved = Account.objects.filter(pk=account.pk, balance__gte=-amount).update(balance=F("balance") + amount)
        if not moved:
            raise Conflict(_("积分不足"), code="insufficient_points")
    else:
        Account.objects.filter(pk=account.pk).update(balance=F("balance") + amount)
    account.balance += amount
    at = at or timezone.now()
    if amount > 0:  # the year's credit total (the expiry reads it), under the same account lock
        year = timezone.localtime(at).year
        if not YearCredit.objects.filter(account_id=account.pk, year=year).update(credited=F("credited") + amount):
            YearCredit.objects.create(account_id=account.pk, year=year, credited=amount)
    return Entry.objects.create(account=account, amount=amount, kind=kind, rule=rule, rule_version=rule_version,
                                source_key=source_key, reverses=reverses, note=note[:200], actor=actor,
                                created_at=at)


def _lock(account: Account) -> Account:
    return Account.objects.select_for_update().get(pk=account.pk)


def _month_earned(account: Account, rule: str, at) -> int:
    start, end = _month_window(at)
    total = (Entry.objects.filter(account=account, rule=rule, created_at__gte=start, created_at__lt=end)
             .aggregate(s=Sum("amount"))["s"])
    return total or 0


@transaction.atomic
def earn(*, resident: Resident, kind: str, source_key: str, quantity: int = 1, minutes: int | None = None,
         actor=None, at=None, note: str = "") -> Entry | None:
    """Grant the points the community's rule in force pays for one event. `quantity` counts the events
    (votes, months); for volunteer hours pass `minutes` (points = per-hour points × minutes ÷ 60, rounded
    down). The monthly cap trims the grant. Idempotent by source_key: the same event again returns its
    entry. None when no rule pays for it, or the cap is reached."""
    existing = Entry.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing
    at = at or timezone.now()
    account = _lock(account_for(resident))
    existing = Entry.objects.filter(source_key=source_key).first()  # a concurrent twin got here first
    if existing is not None:
        return existing
    version = rule_version_in_force(account.community, timezone.localdate(at))
    rule = EarningRule.objects.filter(version=version, kind=kind).first() if version else None
    if rule is None:
        return None
    amount = rule.points * minutes // 60 if minutes is not None else rule.points * quantity
    if rule.monthly_cap is not None:
        amount = min(amount, max(0, rule.monthly_cap - _month_earned(account, kind, at)))
    if amount <= 0:
        return None
    entry = _post(account, amount=amount, kind=EntryKind.EARN, source_key=source_key, actor=actor, rule=kind,
                  rule_version=version, note=note, at=at)
    if resident.user_id:
        notify([resident.user], _("获得%(n)s积分") % {"n": amount}, note or EarnKind(kind).label,
               url="/points/", kind="points")
    return entry


BATCH = 500  # grants per round trip of earn_many: keeps every IN list well inside SQLite's variable limit


@transaction.atomic
def earn_many(*, grants: list[tuple[Resident, str]], kind: str, at=None, quantity: int = 1, actor=None,
              note: str = "") -> list[Entry]:
    """`earn` for many residents at once (a red flag for a whole unit, the month's 三长 duty): the same
    rule, cap and idempotency, with a number of queries that depends on the batches, communities and
    distinct amounts, never on the number of residents. `grants` are (resident, source_key) pairs (the
    residents' households loaded). Returns the entries booked now (a source already booked books nothing)."""
    out: list[Entry] = []
    unique = list({key: (resident, key) for resident, key in grants}.values())
    for i in range(0, len(unique), BATCH):
        out += _earn_batch(unique[i:i + BATCH], kind=kind, at=at or timezone.now(), quantity=quantity, actor=actor,
                           note=note)
    return out


def _open_accounts(residents: list[Resident]) -> None:
    """Open the missing accounts of these residents (two openings at once open one)."""
    have = set(Account.objects.filter(resident__in=residents).values_list("resident_id", flat=True))
    missing = [r for r in residents if r.pk not in have]
    if not missing:
        return
    paths = {p for r in missing for p in ancestors_of(r.household.node_path)}
    communities = {n.path: n for n in Node.objects.filter(path__in=paths, level=Level.COMMUNITY)}
    rows = []
    for r in missing:
        community = next((communities[p] for p in ancestors_of(r.household.node_path) if p in communities), None)
        if community is not None:  # a resident outside every community has no account, so no points
            rows.append(Account(resident=r, community=community))
    Account.objects.bulk_create(rows, ignore_conflicts=True)


def _earn_batch(grants: list[tuple[Resident, str]], *, kind: str, at, quantity: int, actor, note: str) -> list[Entry]:
    keys = [key for _r, key in grants]
    done = set(Entry.objects.filter(source_key__in=keys).values_list("source_key", flat=True))
    grants = [(r, key) for r, key in grants if key not in done]
    if not grants:
        return []
    _open_accounts(list({r.pk: r for r, _k in grants}.values()))
    # Row locks in id order (no deadlock between two batches), then the keys again: a concurrent twin
    # that got here first has booked them.
    accounts = {a.resident_id: a for a in Account.objects.select_for_update().order_by("pk")
                .filter(resident_id__in=[r.pk for r, _k in grants])}
    done = set(Entry.objects.filter(source_key__in=[k for _r, k in grants]).values_list("source_key", flat=True))
    day = timezone.localdate(at)
    rules: dict[int, tuple[RuleVersion, EarningRule] | None] = {}
    for community_id in {a.community_id for a in accounts.values()}:
        version = rule_version_in_force(community_id, day)
        rule = EarningRule.objects.filter(version=version, kind=kind).first() if version else None
        rules[community_id] = (version, rule) if rule else None
    start, end = _month_window(at)
    earned = dict(Entry.objects.filter(account__in=accounts.values(), rule=kind, created_at__gte=start, created_at__lt=end)
                  .order_by().values("account_id").annotate(s=Sum("amount")).values_list("account_id", "s"))
    entries: list[Entry] = []
    for resident, key in grants:
        account = accounts.get(resident.pk)
        if key in done or account is None or rules.get(account.community_id) is None:
            continue
        version, rule = rules[account.community_id]
        amount = rule.points * quantity
        if rule.monthly_cap is not None:
            amount = min(amount, max(0, rule.monthly_cap - earned.get(account.pk, 0)))
        if amount <= 0:
            continue
        earned[account.pk] = earned.get(account.pk, 0) + amount
        entries.append(Entry(account=account, amount=amount, kind=EntryKind.EARN, rule=kind, rule_version=version,
                             source_key=key, note=note[:200], actor=actor, created_at=at))
    if not entries:
        return []
    Entry.objects.bulk_create(entries)
    moved: dict[int, int] = {}
    for e in entries:
        moved[e.account_id] = moved.get(e.account_id, 0) + e.amount
    by_amount: dict[int, list[int]] = {}
    for account_id, amount in moved.items():
        by_amount.setdefault(amount, []).append(account_id)
    year = timezone.localtime(at).year
    credited = set(YearCredit.objects.filter(account_id__in=moved, year=year).values_list("account_id", flat=True))
    for amount, ids in by_amount.items():  # one UPDATE per distinct amount (usually one: the rule's points)
        Account.objects.filter(pk__in=ids).update(balance=F("balance") + amount)
        YearCredit.objects.filter(account_id__in=[i for i in ids if i in credited], year=year).update(
            credited=F("credited") + amount)
    YearCredit.objects.bulk_create([YearCredit(account_id=i, year=year, credited=amount)
                                    for i, amount in moved.items() if i not in credited])
    users = {r.pk: r.user_id for r, _k in grants if r.user_id}
    active = {u.pk: u for u in User.objects.filter(pk__in=users.values(), is_active=True)}
    by_account = {a.pk: a.resident_id for a in accounts.values()}
    notify_many([([active[users[by_account[e.account_id]]]],
                  Message(title=_("获得%(n)s积分") % {"n": e.amount}, body=note or EarnKind(kind).label, url="/points/",
                          kind="points"))
                 for e in entries if users.get(by_account[e.account_id]) in active])
    return entries


@transaction.atomic
def manual_award(*, actor, resident: Resident, amount: int, reason: str, client_key: str) -> Entry:
    """A recorded award by staff with a reason; the same form twice books once."""
    client_key = _check_client_key(client_key)
    key = f"manual:{client_key}"
    existing = Entry.objects.filter(source_key=key).first()
    if existing is not None:
        return existing
    reason = (reason or "").strip()
    errors = {}
    if not isinstance(amount, int) or not 0 < amount <= 10_000:
        errors["amount"] = [_("奖励积分须在1到10000之间")]
    if not reason:
        errors["reason"] = [_("请填写奖励理由")]
    if errors:
        raise ValidationError(errors)
    account = _lock(account_for(resident))
    if not can_manage_points(actor, account.community):
        raise PermissionDenied(_("只有本社区工作人员可以人工奖励积分"))
    entry = _post(account, amount=amount, kind=EntryKind.EARN, rule=EarnKind.MANUAL, source_key=key, actor=actor,
                  note=reason)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=entry, label=f"人工奖励 {resident.name} {amount}",
                 detail={"reason": reason})
    return entry


@transaction.atomic
def entry_reverse(*, actor, entry: Entry, reason: str, check_permission: bool = True) -> Entry:
    """Correct an entry with its reversing entry (nothing is edited or deleted). A reversal that would
    take the balance below zero is refused."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写更正理由")]})
    account = _lock(entry.account)
    if check_permission and not can_manage_points(actor, account.community):
        raise PermissionDenied(_("只有本社区工作人员可以更正积分"))
    if entry.reverses_id is not None:
        raise Conflict(_("冲正记录不能再冲正"), code="not_reversible")
    if Entry.objects.filter(reverses=entry).exists():
        raise Conflict(_("这条记录已经更正过"), code="already_reversed")
    try:
        with transaction.atomic():
            out = _post(account, amount=-entry.amount, kind=EntryKind.CORRECT, rule=entry.rule,
                        source_key=f"reverse:{entry.pk}", reverses=entry, actor=actor, note=reason)
    except IntegrityError:
        raise Conflict(_("这条记录已经更正过"), code="already_reversed") from None
    except Conflict:
        raise Conflict(_("积分余额不足，无法冲正这条记录"), code="insufficient_points") from None
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=out, label=f"冲正积分记录 {entry.pk}",
                 detail={"reason": reason})
    return out


@transaction.atomic
def consent_set(*, actor, account: Account, consent: bool) -> Account:
    if account.resident.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("只有本人可以设置是否公示"))
    Account.objects.filter(pk=account.pk).update(public_consent=bool(consent))
    account.public_consent = bool(consent)
    return account


# --- Earning rules ---------------------------------------------------------------------------------

@dataclass
class RuleInput:
    kind: str
    points: int
    monthly_cap: int | None = None


@transaction.atomic
def rule_version_create(*, actor, community: Node, effective_from: datetime.date, rules: list[RuleInput],
                        expire_after_years: int = 1, adopted_by: str = "") -> RuleVersion:
    """A new version of a community's earning rules (the old ones stay for the entries that cite them)."""
    if not can_manage_points(actor, community):
        raise PermissionDenied(_("只有本社区工作人员可以制定积分规则"))
    errors: dict[str, list[str]] = {}
    if community.level != Level.COMMUNITY:
        errors["community"] = [_("积分规则按社区制定")]
    if not isinstance(effective_from, datetime.date) or not datetime.date(2000, 1, 1) <= effective_from <= datetime.date(2100, 1, 1):
        errors["effective_from"] = [_("施行日期无效")]
    if not 0 <= expire_after_years <= 10:
        errors["expire_after_years"] = [_("积分有效期须在0到10年之间（0表示不过期）")]
    seen = set()
    for r in rules:
        if r.kind not in EarnKind.values or r.kind == EarnKind.MANUAL:
            errors.setdefault("rules", []).append(_("未知的积分项目：%(k)s") % {"k": r.kind})
        elif r.kind in seen:
            errors.setdefault("rules", []).append(_("积分项目重复：%(k)s") % {"k": EarnKind(r.kind).label})
        seen.add(r.kind)
        if not 0 < r.points <= 10_000:
            errors.setdefault("rules", []).append(_("每项积分须在1到10000之间"))
        if r.monthly_cap is not None and not 0 < r.monthly_cap <= 100_000:
            errors.setdefault("rules", []).append(_("每月上限须在1到100000之间，或留空"))
    if not rules:
        errors["rules"] = [_("至少填写一项积分规则")]
    if not errors and RuleVersion.objects.filter(community=community, effective_from=effective_from).exists():
        errors["effective_from"] = [_("这一天已有施行的规则版本，请换一个施行日期")]
    if errors:
        raise ValidationError(errors)
    last = RuleVersion.objects.select_for_update().filter(community=community).order_by("-number").first()
    version = RuleVersion.objects.create(community=community, number=(last.number + 1) if last else 1,
                                         effective_from=effective_from, expire_after_years=expire_after_years,
                                         adopted_by=adopted_by.strip()[:200], created_by=actor)
    EarningRule.objects.bulk_create([EarningRule(version=version, kind=r.kind, points=r.points,
                                                 monthly_cap=r.monthly_cap) for r in rules])
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=version, label=str(version))
    return version


# --- The exchange ------------------------------------------------------------------------------------

def _item_errors(name, price, stock, per_person_limit) -> dict:
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("请填写名称")]
    if not isinstance(price, int) or not 0 < price <= MAX_POINTS:
        errors["price"] = [_("所需积分须在1到1000000之间")]
    if stock is not None and (not isinstance(stock, int) or not 0 <= stock <= 1_000_000):
        errors["stock"] = [_("库存须在0到1000000之间，服务类可留空")]
    if per_person_limit is not None and (not isinstance(per_person_limit, int) or not 0 < per_person_limit <= 1000):
        errors["per_person_limit"] = [_("每人限兑须在1到1000之间，或留空")]
    return errors


@transaction.atomic
def item_create(*, actor, community: Node, name: str, price: int, kind: str = Item.Kind.GOODS,
                stock: int | None = None, per_person_limit: int | None = None, organisation=None,
                description: str = "") -> Item:
    if not can_manage_points(actor, community):
        raise PermissionDenied(_("只有本社区工作人员可以管理积分超市"))
    errors = _item_errors(name, price, stock, per_person_limit)
    if kind not in Item.Kind.values:
        errors["kind"] = [_("类型无效")]
    if organisation is not None and not (community.path.startswith(organisation.community.path)
                                         or organisation.community.path.startswith(community.path)):
        errors["organisation"] = [_("提供单位不属于本社区")]
    if errors:
        raise ValidationError(errors)
    item = Item.objects.create(community=community, name=name.strip()[:60], price=price, kind=kind, stock=stock,
                               per_person_limit=per_person_limit, organisation=organisation,
                               description=(description or "").strip()[:200])
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=item)
    return item


@transaction.atomic
def item_update(*, actor, item: Item, price: int | None = None, add_stock: int = 0, active: bool | None = None,
                per_person_limit: int | None = None) -> Item:
    """Change the price, the limit, on/off shelf, or add (or with a negative number, take off) stock."""
    item = Item.objects.select_for_update().get(pk=item.pk)
    if not can_manage_points(actor, item.community):
        raise PermissionDenied(_("只有本社区工作人员可以管理积分超市"))
    new_price = item.price if price is None else price
    errors = _item_errors(item.name, new_price, None, per_person_limit)
    if not isinstance(add_stock, int) or abs(add_stock) > 1_000_000:
        errors["add_stock"] = [_("入库数量无效")]
    elif add_stock and item.stock is None:
        errors["add_stock"] = [_("不限库存的服务不需要入库")]
    elif add_stock and item.stock + add_stock < 0:
        errors["add_stock"] = [_("出库数量超过现有库存（%(n)s）") % {"n": item.stock}]
    if errors:
        raise ValidationError(errors)
    before = {"price": item.price, "stock": item.stock, "active": item.active, "limit": item.per_person_limit}
    item.price = new_price
    item.per_person_limit = per_person_limit
    if add_stock:
        item.stock += add_stock
    if active is not None:
        item.active = active
    item.save()
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=item,
                 detail={"before": before, "add_stock": add_stock})
    return item


@transaction.atomic
def redeem(*, actor, item: Item, account: Account, quantity: int, client_key: str,
           channel: str = Order.Channel.PHONE) -> Order:
    """Order an item with points: stock, per-person limit and balance are checked and taken in one
    transaction (the item's row lock, then the account's). On the phone the resident orders for
    themself and collects at the counter; at the counter staff redeem and hand over at once.
    The same client_key twice gives the first order back."""
    client_key = _check_client_key(client_key)
    existing = Order.objects.filter(client_key=client_key).select_related("item").first()
    if existing is not None:
        if existing.account_id != account.pk or existing.created_by_id != actor.pk:
            raise ValidationError({"client_key": [_("提交编号已被使用，请刷新页面后重试")]})
        return existing
    if not isinstance(quantity, int) or not 0 < quantity <= MAX_QUANTITY:
        raise ValidationError({"quantity": [_("数量须在1到100之间")]})
    if channel == Order.Channel.COUNTER:
        if not can_manage_points(actor, item.community):
            raise PermissionDenied(_("只有本社区工作人员可以在柜台兑换"))
    elif account.resident.user_id != actor.pk:
        raise PermissionDenied(_("只能为自己兑换"))
    item = Item.objects.select_for_update().get(pk=item.pk)
    if not item.active:
        raise Conflict(_("该物品已下架"), code="inactive")
    if item.community_id != account.community_id:
        raise Conflict(_("只能兑换本社区积分超市的物品"), code="other_community")
    if item.stock is not None and item.stock < quantity:
        raise Conflict(_("库存不足"), code="out_of_stock")
    account = _lock(account)
    if item.per_person_limit is not None:
        taken = (Order.objects.filter(item=item, account=account).exclude(status=Order.Status.CANCELLED)
                 .aggregate(s=Sum("quantity"))["s"] or 0)
        if taken + quantity > item.per_person_limit:
            raise Conflict(_("超过每人限兑数量（%(n)s）") % {"n": item.per_person_limit}, code="limit_reached")
    cost = item.price * quantity
    if account.balance < cost:
        raise Conflict(_("积分不足"), code="insufficient_points")
    status = Order.Status.COLLECTED if channel == Order.Channel.COUNTER else Order.Status.PLACED
    try:
        with transaction.atomic():
            order = Order.objects.create(item=item, account=account, quantity=quantity, points=cost, status=status,
                                         channel=channel, client_key=client_key, created_by=actor)
    except IntegrityError:  # the same key from a concurrent twin
        return Order.objects.get(client_key=client_key)
    if item.stock is not None:
        Item.objects.filter(pk=item.pk).update(stock=F("stock") - quantity)
        item.stock -= quantity
    _post(account, amount=-cost, kind=EntryKind.REDEEM, source_key=f"order:{order.pk}", actor=actor,
          note=f"{item.name} × {quantity}")
    OrderEvent.objects.create(order=order, actor=actor, to_status=status, note=order.get_channel_display())
    return order


@transaction.atomic
def order_collect(*, actor, order: Order) -> Order:
    order = Order.objects.select_for_update().select_related("item").get(pk=order.pk)
    if not can_manage_points(actor, order.item.community):
        raise PermissionDenied(_("只有本社区工作人员可以发放"))
    if order.status != Order.Status.PLACED:
        raise Conflict(_("订单已%(s)s，不能再发放") % {"s": order.get_status_display()}, code="not_placed")
    OrderEvent.objects.create(order=order, actor=actor, from_status=order.status, to_status=Order.Status.COLLECTED)
    order.status = Order.Status.COLLECTED
    order.save(update_fields=["status"])
    return order


@transaction.atomic
def order_cancel(*, actor, order: Order, reason: str = "") -> Order:
    """An order not yet collected is cancelled by its resident or by staff: the points come back as a
    correcting entry and the stock is put back."""
    item = Item.objects.select_for_update().get(pk=order.item_id)
    order = Order.objects.select_for_update().select_related("account__resident").get(pk=order.pk)
    is_owner = order.account.resident.user_id == actor.pk
    if not (is_owner or can_manage_points(actor, item.community)):
        raise PermissionDenied(_("没有权限取消这个订单"))
    if order.status != Order.Status.PLACED:
        raise Conflict(_("订单已%(s)s，不能取消") % {"s": order.get_status_display()}, code="not_placed")
    account = _lock(order.account)
    if item.stock is not None:
        Item.objects.filter(pk=item.pk).update(stock=F("stock") + order.quantity)
    _post(account, amount=order.points, kind=EntryKind.CORRECT, source_key=f"order-cancel:{order.pk}", actor=actor,
          note=_("取消兑换：%(i)s × %(n)s") % {"i": item.name, "n": order.quantity})
    OrderEvent.objects.create(order=order, actor=actor, from_status=order.status, to_status=Order.Status.CANCELLED,
                              note=(reason or "").strip()[:200])
    order.status = Order.Status.CANCELLED
    order.save(update_fields=["status"])
    return order
