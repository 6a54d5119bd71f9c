"""微积分: a points account per resident, an append-only ledger, earning rules per community
(versioned), expiry, and the exchange (积分超市)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.people.models import Organisation, Resident
from gongzhi.territory.models import Node


class EarnKind(models.TextChoices):
    """What a points rule pays for. The event that happens grants the points (never typed by hand)."""

    VOLUNTEER_HOUR = "volunteer_hour", _("志愿服务（每小时）")
    MEETING = "meeting", _("参加议事会议（每次）")
    VOTE = "vote", _("参与表决（每次）")
    WISH = "wish", _("完成微心愿（每个）")
    RED_FLAG = "red_flag", _("所在单元获流动红旗（每月）")
    DUTY = "duty", _("三长履职（每月）")
    MANUAL = "manual", _("人工奖励")


class RuleVersion(models.Model):
    """One version of a community's earning rules; the version whose effective_from is the latest on
    or before a day is the one in force that day. Versions are never edited once used: a new one is added."""

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="points_rule_versions",
                                  verbose_name=_("社区"))
    number = models.PositiveIntegerField(_("版本号"))
    effective_from = models.DateField(_("施行日期"))
    # Points earned in year Y expire at the end of year Y + expire_after_years (0 = never).
    expire_after_years = models.PositiveSmallIntegerField(_("积分有效期（年）"), default=1)
    adopted_by = models.CharField(_("依据"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("制定人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("积分规则版本")
        verbose_name_plural = _("积分规则版本")
        ordering = ["community_id", "-effective_from", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="points_rule_version_number"),
            models.UniqueConstraint(fields=["community", "effective_from"], name="points_rule_version_day"),
        ]

    def __str__(self) -> str:
        return f"{self.community} 第{self.number}版"


class EarningRule(models.Model):
    version = models.ForeignKey(RuleVersion, on_delete=models.CASCADE, related_name="rules", verbose_name=_("版本"))
    kind = models.CharField(_("项目"), max_length=16, choices=EarnKind.choices)
    points = models.PositiveIntegerField(_("积分"))
    monthly_cap = models.PositiveIntegerField(_("每月上限"), null=True, blank=True)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        ordering = ["version_id", "kind"]
        constraints = [models.UniqueConstraint(fields=["version", "kind"], name="points_rule_kind_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.points}"


class Account(models.Model):
    """A resident's points account. `balance` is the sum of its entries (check_points verifies it) and
    never goes below zero (a database constraint, and every debit is a conditional update)."""

    resident = models.OneToOneField(Resident, on_delete=models.PROTECT, related_name="points_account",
                                    verbose_name=_("居民"))
    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="points_accounts",
                                  verbose_name=_("社区"))
    balance = models.IntegerField(_("余额"), default=0)
    public_consent = models.BooleanField(_("同意在公示栏展示"), default=False)
    created_at = models.DateTimeField(_("开户时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        constraints = [models.CheckConstraint(condition=Q(balance__gte=0), name="points_balance_not_negative")]

    def __str__(self) -> str:
        return f"{self.resident} · {self.balance}"


class EntryKind(models.TextChoices):
    EARN = "earn", _("获得")
    REDEEM = "redeem", _("兑换")
    EXPIRE = "expire", _("过期")
    CORRECT = "correct", _("更正")


class Entry(models.Model):
    """One line of the append-only ledger. `source_key` names what caused it (the check-out, the order,
    the expiry of a year …): one source, at most one entry."""

    # Indexes are kept to what the reads use: every row written maintains each of them, and the yearly
    # expiry writes one row per account of the city (docs/points-bench.md). The account's own index is
    # the two composites below; the mostly-empty references get partial indexes (for PROTECT's checks).
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries", verbose_name=_("账户"),
                                db_index=False)
    amount = models.IntegerField(_("积分"))
    kind = models.CharField(_("类型"), max_length=8, choices=EntryKind.choices)
    rule = models.CharField(_("项目"), max_length=16, choices=EarnKind.choices, blank=True)
    rule_version = models.ForeignKey(RuleVersion, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("规则版本"), db_index=False)
    source_key = models.CharField(_("来源"), max_length=80)  # unique: constraint below (no LIKE index)
    reverses = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("冲正的记录"), db_index=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("经办人"), db_index=False)
    created_at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("积分记录")
        verbose_name_plural = _("积分记录")
        ordering = ["-created_at", "-id"]
        # The monthly caps read one account's month (account, created_at range, then the rule): the
        # first index serves them too.
        indexes = [models.Index(fields=["account", "-created_at", "-id"]),
                   models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="points_entry_actor"),
                   models.Index(fields=["rule_version"], condition=Q(rule_version__isnull=False),
                                name="points_entry_rule_version")]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="points_entry_not_zero"),
                       models.UniqueConstraint(fields=["source_key"], name="points_entry_source_once"),
                       # one reversal per entry
                       models.UniqueConstraint(fields=["reverses"], condition=Q(reverses__isnull=False),
                                               name="points_entry_reversed_once")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount:+d} {self.source_key}"


class YearCredit(models.Model):
    """The points credited to an account in one (local) calendar year: the sum of its positive entries of
    that year, kept in the same transaction as each of them (services._post). The expiry reads these few
    rows per account instead of every entry; check_points verifies them against the ledger."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="year_credits")
    year = models.PositiveSmallIntegerField(_("年度"))
    credited = models.BigIntegerField(_("获得积分"), default=0)

    class Meta:
        verbose_name = _("年度积分合计")
        verbose_name_plural = _("年度积分合计")
        constraints = [models.UniqueConstraint(fields=["account", "year"], name="points_year_credit_once")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.year} {self.credited}"


class ExpiryRun(models.Model):
    """The expiry of one community's points earned in one year has been run (once)."""

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("积分年度"))
    entries = models.PositiveIntegerField(_("过期记录数"), default=0)
    points = models.PositiveBigIntegerField(_("过期积分"), default=0)
    ran_at = models.DateTimeField(_("执行时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("积分过期批次")
        verbose_name_plural = _("积分过期批次")
        constraints = [models.UniqueConstraint(fields=["community", "year"], name="points_expiry_once")]

    def __str__(self) -> str:
        return f"{self.community_id} {self.year}"


class DutyRun(models.Model):
    """The month's 三长 duty points have been granted (once; the periodic job skips a month it has done)."""

    month = models.DateField(_("履职月份"), unique=True)  # the month's first day
    entries = models.PositiveIntegerField(_("记录数"), default=0)
    ran_at = models.DateTimeField(_("执行时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("三长履职积分批次")
        verbose_name_plural = _("三长履职积分批次")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class Item(models.Model):
    """A thing in the exchange: goods with stock, or a service an organisation offers (stock optional)."""

    class Kind(models.TextChoices):
        GOODS = "goods", _("物资")
        SERVICE = "service", _("服务")

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="points_items", verbose_name=_("社区"))
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices, default=Kind.GOODS)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="points_items", verbose_name=_("提供单位"))
    description = models.CharField(_("说明"), max_length=200, blank=True)
    price = models.PositiveIntegerField(_("所需积分"))
    stock = models.PositiveIntegerField(_("库存"), null=True, blank=True, help_text=_("留空表示不限（服务类）"))
    per_person_limit = models.PositiveIntegerField(_("每人限兑"), null=True, blank=True)
    active = models.BooleanField(_("上架"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("兑换物品")
        verbose_name_plural = _("兑换物品")
        ordering = ["community_id", "price", "id"]
        constraints = [models.CheckConstraint(condition=Q(price__gt=0), name="points_item_price_positive"),
                       models.CheckConstraint(condition=Q(stock__isnull=True) | Q(stock__gte=0),
                                              name="points_item_stock_not_negative")]

    def __str__(self) -> str:
        return self.name


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "placed", _("待领取")
        COLLECTED = "collected", _("已领取")
        CANCELLED = "cancelled", _("已取消")

    class Channel(models.TextChoices):
        PHONE = "phone", _("手机下单")
        COUNTER = "counter", _("柜台兑换")

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="orders", verbose_name=_("物品"))
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="orders", verbose_name=_("账户"))
    quantity = models.PositiveIntegerField(_("数量"))
    points = models.PositiveIntegerField(_("积分"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PLACED)
    channel = models.CharField(_("方式"), max_length=8, choices=Channel.choices)
    client_key = models.CharField(_("提交编号"), max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("下单人"))
    created_at = models.DateTimeField(_("下单时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("兑换订单")
        verbose_name_plural = _("兑换订单")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "item", "status"]), models.Index(fields=["item", "status"])]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}"


class OrderEvent(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.from_status}->{self.to_status}"
