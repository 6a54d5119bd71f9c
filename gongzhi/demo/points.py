"""Demo data for 微积分: 官堰社区 (seed 004: "设立了'微积分'账户，以积分兑物资、积分兑服务") and 栗塘社区 get
earning rules, a stocked exchange with goods and services, and residents with balances and history
(三长 duty months and micro-wishes granted as events, redemptions, one cancelled order, one manual
award with its reason). The hour points come from the activities demo's check-outs.
Safe to run again: a community that has rules is skipped."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.demo.territory import GUANYAN, LITANG, node_by_code
from gongzhi.people.models import Organisation, Resident
from gongzhi.points import services
from gongzhi.points.models import EarnKind, Item, Order, RuleVersion

RULES = [
    services.RuleInput(EarnKind.VOLUNTEER_HOUR, 10, 200),
    services.RuleInput(EarnKind.MEETING, 5, 20),
    services.RuleInput(EarnKind.VOTE, 2, 10),
    services.RuleInput(EarnKind.WISH, 20, 60),
    services.RuleInput(EarnKind.RED_FLAG, 30, 30),
    services.RuleInput(EarnKind.DUTY, 50, 50),
]
GOODS = [("洗衣液", 60, 40, 2), ("食用油（5升）", 300, 20, 1), ("大米（10斤）", 200, 30, 1), ("毛巾", 30, 100, 4),
         ("抽纸（一提）", 40, 60, 3)]
SERVICES = [("免费理发（一次）", 20, "官堰社区志愿服务队"), ("家电清洗（一台）", 80, "官堰社区志愿服务队")]


def _staff(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def build_points(community, staff: User, *, today: datetime.date, seed: int = 4) -> list[str]:
    """Rules, exchange and residents' history for one community."""
    if RuleVersion.objects.filter(community=community).exists():
        return [f"· 微积分：{community.name}已有积分规则，跳过"]
    rnd = random.Random(seed)
    services.rule_version_create(actor=staff, community=community, effective_from=datetime.date(today.year - 1, 1, 1),
                                 rules=RULES, expire_after_years=1, adopted_by="社区居民议事会决议（演示）")
    items = [services.item_create(actor=staff, community=community, name=n, price=p, stock=s, per_person_limit=lim)
             for n, p, s, lim in GOODS]
    for name, price, org_name in SERVICES:
        org = Organisation.objects.filter(name=org_name).first()
        if org is not None and community.path.startswith(org.community.path):
            items.append(services.item_create(actor=staff, community=community, name=name, price=price,
                                              kind=Item.Kind.SERVICE, organisation=org, per_person_limit=2))
    residents = list(Resident.objects.filter(household__node_path__startswith=community.path, moved_out_on__isnull=True,
                                             birth_date__isnull=False).order_by("id")[:60])
    earned = redeemed = 0
    months = [(today.replace(day=1) - datetime.timedelta(days=30 * k)).replace(day=15) for k in range(1, 7)]
    for i, r in enumerate(residents):
        for m in months[: rnd.randint(1, 6)]:
            kind = EarnKind.DUTY if i % 5 == 0 else EarnKind.WISH
            e = services.earn(resident=r, kind=kind, source_key=f"demo:{kind}:{r.pk}:{m:%Y%m}", at=_at(m),
                              note="三长履职（演示）" if kind == EarnKind.DUTY else "完成微心愿（演示）")
            earned += e.amount if e else 0
    for i, r in enumerate(residents[:30]):
        acc = services.account_for(r)
        acc.refresh_from_db()
        item = items[i % len(GOODS)]
        if acc.balance >= item.price:
            o = services.redeem(actor=staff, item=item, account=acc, quantity=1, client_key=f"demo-order-{r.pk}",
                                channel=Order.Channel.COUNTER)
            redeemed += o.points
    if residents:
        first = residents[0]
        acc = services.account_for(first)
        acc.refresh_from_db()
        if acc.balance >= items[3].price and first.user_id:
            o = services.redeem(actor=first.user, item=items[3], account=acc, quantity=1, client_key=f"demo-cancel-{first.pk}")
            services.order_cancel(actor=first.user, order=o, reason="时间冲突，改天再领")
        services.manual_award(actor=staff, resident=first, amount=30, reason="协助社区防汛值守（演示）",
                              client_key=f"demo-award-{first.pk}")
        services.consent_set(actor=first.user, account=acc, consent=True) if first.user_id else None
    return [f"· 微积分：{community.name} 积分规则1版，积分超市物品{len(items)}种，{len(residents)}位居民获得{earned}积分、"
            f"兑换{redeemed}积分"]


def build(today: datetime.date | None = None) -> list[str]:
    today = today or timezone.localdate()
    lines: list[str] = []
    for code, username in ((GUANYAN, "demo_community"), (LITANG, "demo_litang")):
        community, staff = node_by_code(code), _staff(username)
        if community is None or staff is None:
            continue
        with transaction.atomic():
            lines += build_points(community, staff, today=today)
    return lines


def load(stdout=None) -> list[str]:
    return build()
