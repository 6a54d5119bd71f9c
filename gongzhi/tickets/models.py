"""Resident demands: the category catalogue, tickets with their event history, attachments,
supervision (督办) and follow-up (回访) records, and the Open311 API keys.

Micro-wishes (微心愿) and the 四单 service orders live in models_wishes.py / models_orders.py and
are imported here so Django finds them."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.fields import EncryptedTextField
from gongzhi.core.paths import PathField
from gongzhi.people.models import Organisation
from gongzhi.territory.models import Grid, Household, Node

from .choices import Rating  # noqa: F401  (re-exported: tickets.models.Rating)


class HandlingLevel(models.TextChoices):
    """Where a matter is settled, lowest first: 小事不出楼栋、大事不出小区."""

    UNIT = "unit", _("单元")
    BUILDING = "building", _("楼栋/微网格")
    GRID = "grid", _("网格")
    COMPOUND = "compound", _("小区")
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道")
    DEPARTMENT = "department", _("职能部门/共建单位")


LEVEL_RANK = {lvl: i for i, lvl in enumerate(HandlingLevel.values)}


class Category(models.Model):
    """One entry of the configurable catalogue; an Open311 service (code = service_code).

    `area` is the street or community whose catalogue it belongs to; empty: the installation-wide
    catalogue, used where no area above the place keeps its own (catalogue.area_for)."""

    area = models.ForeignKey("territory.Node", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("所属街道/社区"))
    code = models.SlugField(_("编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=60)
    group = models.CharField(_("分组"), max_length=40, blank=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    response_hours = models.PositiveIntegerField(_("响应时限（小时）"), default=24)
    resolve_hours = models.PositiveIntegerField(_("办结时限（小时）"), default=72)
    working_days = models.BooleanField(_("按工作日计时"), default=False,
                                       help_text=_("勾选后，时限只计工作日：周一至周五，扣除工作日历中的法定节假日，"
                                                   "计入调休上班的周末。"))
    default_level = models.CharField(_("默认办理层级"), max_length=12, choices=HandlingLevel.choices,
                                     default=HandlingLevel.GRID)
    attributes = models.JSONField(_("Open311 附加字段"), default=list, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ["sort", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(resolve_hours__gte=models.F("response_hours")),
                                   name="category_resolve_after_response"),
            models.UniqueConstraint(fields=["code"], condition=Q(area__isnull=True), name="category_code_unique_builtin"),
            models.UniqueConstraint(fields=["area", "code"], name="category_code_unique_in_area"),
        ]

    def __str__(self) -> str:
        return self.name


class Kind(models.TextChoices):
    DEMAND = "demand", _("诉求/投诉")
    HAZARD = "hazard", _("隐患报告")
    OPINION = "opinion", _("意见建议")


class Channel(models.TextChoices):
    SELF = "self", _("居民自助")
    HOTLINE = "hotline", _("民情热线")
    CITY_12345 = "12345", _("12345转办")
    WECHAT = "wechat", _("微信群")
    VISIT = "visit", _("网格走访")
    WALK_IN = "walk_in", _("来访")
    SECRETARY = "secretary", _("有事儿找书记")
    OPEN311 = "open311", _("Open311 接口")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("待分办")
    DISPATCHED = "dispatched", _("已分办")
    ACCEPTED = "accepted", _("已受理")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("已办结")
    FOLLOWED_UP = "followed_up", _("已回访")
    CLOSED = "closed", _("已结案")
    REJECTED = "rejected", _("已退回")
    MERGED = "merged", _("已合并")
    REOPENED = "reopened", _("已重办")


# Statuses in which someone still owes the resident an answer (the SLA job looks at these).
OPEN_STATUSES = [Status.SUBMITTED, Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED]
HANDLER_STATUSES = [Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED]
DONE_STATUSES = [Status.RESOLVED, Status.FOLLOWED_UP, Status.CLOSED]
_OPEN_Q = Q(status__in=OPEN_STATUSES)


class Ticket(models.Model):
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.DEMAND)
    channel = models.CharField(_("来源渠道"), max_length=10, choices=Channel.choices)
    # NULL, not "", when absent: the unique constraints below treat NULLs as distinct.
    external_no = models.CharField(_("12345工单号"), max_length=40, null=True, blank=True)  # noqa: DJ001
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("分类"),
                                 db_index=False)
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("描述"))
    # Place: a household, a node (unit/building/compound) or a free address inside a community.
    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"),
                                  db_index=False)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets",
                                  verbose_name=_("户"), db_index=False)
    node = models.ForeignKey(Node, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets",
                             verbose_name=_("位置"), db_index=False)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    node_path = PathField(max_length=64, editable=False)
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False)
    micro_grid = models.ForeignKey(Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   db_index=False)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    # Who asked.
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="reported_tickets", verbose_name=_("诉求人账号"), db_index=False)
    reporter_name = models.CharField(_("诉求人"), max_length=50, blank=True)
    reporter_phone = EncryptedTextField(_("联系电话"), max_length=20, blank=True)  # sealed at rest; nothing looks it up
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("登记人"), db_index=False)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    open311_token = models.CharField(max_length=40, null=True, blank=True, editable=False)  # noqa: DJ001
    # Where it is in the loop.
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    handling_level = models.CharField(_("办理层级"), max_length=12, choices=HandlingLevel.choices, blank=True)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="handled_tickets", verbose_name=_("承办人"), db_index=False)
    handler_org = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="handled_tickets", verbose_name=_("承办单位"), db_index=False)
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="merged_tickets", verbose_name=_("并入"), db_index=False)
    # SLA: respond_by / resolve_by are fixed at intake (they feed the rates); due_at is the current
    # handler's deadline, the one the SLA job escalates on.
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    respond_by = models.DateTimeField(_("响应时限"))
    resolve_by = models.DateTimeField(_("办结时限"))
    due_at = models.DateTimeField(_("当前时限"), null=True, blank=True)
    responded_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    resolved_level = models.CharField(_("化解层级"), max_length=12, choices=HandlingLevel.choices, blank=True)
    result = models.TextField(_("办理结果"), blank=True)
    rating = models.CharField(_("满意度"), max_length=12, choices=Rating.choices, blank=True)
    escalations = models.PositiveSmallIntegerField(_("升级次数"), default=0)
    # Set by intake, cleared by the job that tells the community's dispatchers (services.announce):
    # the request that files a ticket only writes it.
    announce_pending = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("诉求工单")
        verbose_name_plural = _("诉求工单")
        ordering = ["-created_at", "-id"]
        # Every index costs each intake a write, and on 10 M rows with a small buffer cache a slow one
        # (docs/tickets.md, "Indexes"): the foreign keys are indexed only where a query or a frequent
        # delete check reads them; grid and reporter are the first columns of the composite indexes below;
        # category, community and filed_by are never filtered alone (deleting a category, community or
        # account, rare admin acts, scans the table).
        indexes = [
            # Covering on PostgreSQL: the rates (measures.ticket_measures) read only these columns, so
            # a street's year is an index-only scan instead of ~20k random heap reads. SQLite ignores
            # `include` (a plain index; `check --database` warns models.W040 there, harmless).
            models.Index(fields=["node_path", "created_at"], name="ticket_place_created_cov",
                         include=["status", "kind", "rating", "respond_by", "responded_at", "resolve_by",
                                  "resolved_at", "resolved_level"]),
            models.Index(fields=["handler", "due_at"], condition=_OPEN_Q & Q(handler__isnull=False),
                         name="ticket_open_handler_due"),
            models.Index(fields=["node_path", "due_at"], condition=_OPEN_Q, name="ticket_open_place_due"),
            models.Index(fields=["due_at"], condition=_OPEN_Q, name="ticket_open_due"),
            models.Index(fields=["reporter", "created_at"], condition=Q(reporter__isnull=False),
                         name="ticket_reporter_created"),
            models.Index(fields=["grid", "created_at"], name="ticket_grid_created"),
            # The follow-up list (resolved, not yet closed) under a place: new tickets never enter it.
            models.Index(fields=["node_path"], condition=Q(status__in=["resolved", "followed_up"]),
                         name="ticket_follow_up_place"),
            models.Index(fields=["id"], condition=Q(announce_pending=True), name="ticket_announce_pending"),
            # Newest first across the whole city: the public Open311 list (GET /requests). New rows
            # always land on its last page, so it costs intake almost nothing.
            models.Index(fields=["created_at", "id"], name="ticket_created"),
            # References that many rows leave empty (a new ticket has no handler yet): only the rows
            # that have one are indexed.
            models.Index(fields=["node"], condition=Q(node__isnull=False), name="ticket_node"),
            models.Index(fields=["household"], condition=Q(household__isnull=False), name="ticket_household"),
            models.Index(fields=["micro_grid"], condition=Q(micro_grid__isnull=False), name="ticket_micro_grid"),
            models.Index(fields=["handler"], condition=Q(handler__isnull=False), name="ticket_handler"),
            models.Index(fields=["handler_org"], condition=Q(handler_org__isnull=False), name="ticket_handler_org"),
            models.Index(fields=["merged_into"], condition=Q(merged_into__isnull=False), name="ticket_merged_into"),
        ]
        constraints = [
            # Constraints, not unique=True: that also gave each column a LIKE index nothing uses.
            # Partial: a ticket without a 12345 number, key or token adds nothing to these indexes.
            models.UniqueConstraint(fields=["external_no"], condition=Q(external_no__isnull=False),
                                    name="ticket_external_no_unique"),
            models.UniqueConstraint(fields=["idempotency_key"], condition=Q(idempotency_key__isnull=False),
                                    name="ticket_idempotency_key_unique"),
            models.UniqueConstraint(fields=["open311_token"], condition=Q(open311_token__isnull=False),
                                    name="ticket_open311_token_unique"),
            models.CheckConstraint(condition=Q(resolve_by__gte=models.F("respond_by")), name="ticket_sla_ordered"),
            models.CheckConstraint(condition=Q(status="merged") | Q(merged_into__isnull=True),
                                   name="ticket_merged_has_target"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now=None) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < (now or timezone.now())

    @property
    def handler_name(self) -> str:
        """Who holds the ticket: the handler's name, else the organisation's; "" before dispatch."""
        if self.handler_id:
            return self.handler.display_name
        return self.handler_org.name if self.handler_org_id else ""

    @property
    def handling_level_label(self) -> str:
        return str(self.get_handling_level_display())

    @property
    def place_label(self) -> str:
        if self.household_id:
            return str(self.household)
        if self.address:
            return self.address
        return self.node.name if self.node_id else self.community.name


class Action(models.TextChoices):
    SUBMIT = "submit", _("提交")
    DISPATCH = "dispatch", _("分办")
    REDISPATCH = "redispatch", _("改派")
    ESCALATE = "escalate", _("督办升级")
    ACCEPT = "accept", _("受理")
    START = "start", _("开始办理")
    RESOLVE = "resolve", _("办结")
    FOLLOW_UP = "follow_up", _("回访")
    CLOSE = "close", _("结案")
    REJECT = "reject", _("退回")
    MERGE = "merge", _("合并")
    REOPEN = "reopen", _("重办")
    NOTE = "note", _("备注")


class TicketEvent(models.Model):
    """One row per change of a ticket: who, when, from, to, note."""

    # Indexed by (ticket, at) below; a second index on ticket alone would only cost every write.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events", db_index=False)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("操作人"), db_index=False)  # never filtered on
    action = models.CharField(_("动作"), max_length=12, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, choices=Status.choices)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("工单记录")
        verbose_name_plural = _("工单记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"])]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.get_action_display()}"

    @property
    def actor_label(self) -> str:
        return self.actor.display_name if self.actor_id else str(_("系统"))


def _attachment_path(instance, filename: str) -> str:
    now = timezone.now()
    return f"tickets/{now:%Y/%m}/{instance.ticket_id}-{hashlib.sha1(filename.encode()).hexdigest()[:8]}{instance.ext}"


class Attachment(models.Model):
    """A photo on a ticket, stored under MEDIA_ROOT and served only through a permission-checked view."""

    class Stage(models.TextChoices):
        INTAKE = "intake", _("诉求照片")
        RESULT = "result", _("办理结果照片")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    stage = models.CharField(_("阶段"), max_length=8, choices=Stage.choices, default=Stage.INTAKE)
    file = models.FileField(_("文件"), upload_to=_attachment_path)
    ext = models.CharField(max_length=6)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    name = models.CharField(_("文件名"), max_length=120)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Supervision(models.Model):
    """督办: a missed deadline, recorded once (unique on ticket + missed deadline, so two SLA jobs
    running at once cannot both record it), and where the ticket went."""

    class Kind(models.TextChoices):
        RESPONSE = "response", _("超时未响应")
        RESOLUTION = "resolution", _("超时未办结")
        MANUAL = "manual", _("人工督办")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="supervisions")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    missed_deadline = models.DateTimeField(_("超过的时限"))
    created_at = models.DateTimeField(_("督办时间"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                           related_name="+", verbose_name=_("督办人"))
    from_level = models.CharField(_("原层级"), max_length=12, choices=HandlingLevel.choices, blank=True)
    to_level = models.CharField(_("升级至"), max_length=12, choices=HandlingLevel.choices, blank=True)
    from_handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("原承办人"))
    to_handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("新承办人"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("督办记录")
        verbose_name_plural = _("督办记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "missed_deadline"], name="supervision_once_per_deadline"),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.get_kind_display()}"


class FollowUp(models.Model):
    """回访: a staff call or the resident's own rating."""

    class Via(models.TextChoices):
        CALL = "call", _("电话回访")
        VISIT = "visit", _("上门回访")
        SELF = "self", _("居民评价")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="follow_ups")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("回访人"))
    via = models.CharField(_("方式"), max_length=6, choices=Via.choices)
    rating = models.CharField(_("满意度"), max_length=12, choices=Rating.choices)
    comment = models.CharField(_("意见"), max_length=500, blank=True)
    level = models.CharField(_("被评价层级"), max_length=12, choices=HandlingLevel.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.get_rating_display()}"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Open311Key(models.Model):
    """An Open311 api_key. Requests posted with it are filed by `user` into `community`."""

    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("前缀"), max_length=8)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("代表账号"))
    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+", verbose_name=_("默认社区"))
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Open311 密钥")
        verbose_name_plural = _("Open311 密钥")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"



class WorkCalendarDay(models.Model):
    """An exception to the Monday-to-Friday week in the official calendar (国务院办公厅 放假安排):
    a public holiday (is_workday=False) or a 调休 weekend working day (is_workday=True).
    A day without a row follows the week: Monday-Friday working, Saturday and Sunday not.
    Read by deadlines.WorkCalendar for categories that count working days only."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("上班"), default=False,
                                     help_text=_("勾选：调休上班日（周末上班）；不勾选：放假日。"))
    name = models.CharField(_("名称"), max_length=40, blank=True, help_text=_("如：国庆节、春节（调休上班）"))

    class Meta:
        verbose_name = _("工作日历（节假日/调休）")
        verbose_name_plural = _("工作日历（节假日/调休）")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {'班' if self.is_workday else '休'} {self.name}".rstrip()


from .models_orders import OrderEvent, ServiceOffering, ServiceOrder  # noqa: E402,F401
from .models_wishes import Wish, WishEvent  # noqa: E402,F401
