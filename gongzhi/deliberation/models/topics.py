import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.paths import PathField
from gongzhi.territory.models import Household, Node


class PlaceSettings(models.Model):
    """Per place: how long a notice hangs before its meeting, how many households must co-sign a proposal."""

    node = models.OneToOneField(Node, on_delete=models.CASCADE, related_name="deliberation_settings",
                                verbose_name=_("区划"))
    notice_days = models.PositiveSmallIntegerField(_("公告最短天数"), default=7)
    cosign_threshold = models.PositiveSmallIntegerField(_("提议联署户数"), default=10)

    class Meta:
        verbose_name = _("议事设置")
        verbose_name_plural = _("议事设置")
        constraints = [
            models.CheckConstraint(condition=Q(notice_days__lte=90), name="delib_notice_days_range"),
            models.CheckConstraint(condition=Q(cosign_threshold__gte=1), name="delib_cosign_threshold_min"),
        ]

    def __str__(self) -> str:
        return self.node.name


class Step(models.TextChoices):
    PROPOSAL = "proposal", _("居民提议（联署中）")
    DRAFT = "draft", _("制定方案")
    NOTICE = "notice", _("发布公告")
    CONSULTATION = "consultation", _("组织协商")
    APPLY = "apply", _("结果运用")
    FEEDBACK = "feedback", _("反馈公示")
    CLOSED = "closed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")


class Source(models.TextChoices):
    STAFF = "staff", _("工作人员提出")
    TICKET = "ticket", _("居民诉求")
    PROPOSAL = "proposal", _("居民联署提议")
    RULE_REVISION = "rule_revision", _("考评细则修订")
    NEED = "need", _("需求清单")


class Matter(models.TextChoices):
    ORDINARY = "ordinary", _("一般社区事务")
    # Civil Code Art. 278 (1)-(9): only the owners decide these.
    PROCEDURE_RULES = "procedure_rules", _("制定和修改业主大会议事规则")
    COVENANT = "covenant", _("制定和修改管理规约")
    COMMITTEE = "committee", _("选举业主委员会或者更换业主委员会成员")
    PROPERTY_COMPANY = "property_company", _("选聘和解聘物业服务企业或者其他管理人")
    FUND_USE = "fund_use", _("使用建筑物及其附属设施的维修资金")
    FUND_RAISE = "fund_raise", _("筹集建筑物及其附属设施的维修资金")
    REBUILD = "rebuild", _("改建、重建建筑物及其附属设施")
    COMMON_USE = "common_use", _("改变共有部分的用途或者利用共有部分从事经营活动")
    OTHER_MAJOR = "other_major", _("有关共有和共同管理权利的其他重大事项")


OWNER_MATTERS = frozenset(Matter.values) - {Matter.ORDINARY}
# Art. 278 ¶2: these need three quarters of the participating area AND owners; the rest more than half.
SPECIAL_MATTERS = frozenset({Matter.FUND_RAISE, Matter.REBUILD, Matter.COMMON_USE})


class DecisionMethod(models.TextChoices):
    CONSENSUS = "consensus", _("协商一致（主持人记录）")
    VOTE = "vote", _("表决")


class ApplyKind(models.TextChoices):
    RULE_VERSION = "rule_version", _("考评细则新版本")
    TICKET = "ticket", _("工单")
    TASK = "task", _("任务（责任人与期限）")
    PROJECT = "project", _("项目或需求清单")


class Topic(models.Model):
    place = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="topics", verbose_name=_("所属区划"))
    place_path = PathField(max_length=64, db_index=True, editable=False)
    title = models.CharField(_("议题"), max_length=120)
    matter = models.CharField(_("事项类别"), max_length=20, choices=Matter.choices, default=Matter.ORDINARY)
    plan_how = models.TextField(_("如何做"), blank=True)
    plan_who = models.TextField(_("谁来做"), blank=True)
    plan_supervise = models.TextField(_("谁监督"), blank=True)
    options = models.JSONField(_("备选方案"), default=list, blank=True)
    budget = models.DecimalField(_("预算（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    participants = models.JSONField(_("参与方"), default=list, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.STAFF)
    source_ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="topics", verbose_name=_("来源工单"))
    source_note = models.CharField(_("来源说明"), max_length=200, blank=True)
    proposer_household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="proposed_topics", verbose_name=_("提议户"))
    step = models.CharField(_("步骤"), max_length=14, choices=Step.choices, default=Step.DRAFT, db_index=True)
    step_since = models.DateTimeField(_("进入本步骤时间"), default=timezone.now)
    notice_until = models.DateField(_("公告截止"), null=True, blank=True)
    notice_published_at = models.DateTimeField(_("公告发布时间"), null=True, blank=True)
    feedback = models.TextField(_("反馈公示"), blank=True)
    feedback_published_at = models.DateTimeField(_("反馈公示时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("起草人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["place_path", "step"])]
        constraints = [
            models.CheckConstraint(condition=Q(budget__isnull=True) | Q(budget__gte=0), name="delib_budget_positive"),
            models.CheckConstraint(condition=Q(step="closed", feedback_published_at__isnull=False) | ~Q(step="closed"),
                                   name="delib_closed_after_feedback"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_owner_matter(self) -> bool:
        return self.matter in OWNER_MATTERS

    def overdue_reason(self, today: datetime.date | None = None, meeting=None, decision=None) -> str:
        """Why this topic is late, or "": a notice past its meeting's date, a decision with no feedback
        after 30 days."""
        today = today or timezone.localdate()
        if self.step == Step.NOTICE and meeting is not None and meeting.starts_at \
                and timezone.localtime(meeting.starts_at).date() < today:
            return str(_("会议日期已过仍在公告"))
        if self.step == Step.NOTICE and meeting is None and self.notice_until and self.notice_until < today:
            return str(_("公告期满未组织协商"))
        if self.step in (Step.APPLY, Step.FEEDBACK) and decision is not None and decision.decided_at \
                and (today - timezone.localtime(decision.decided_at).date()).days > 30:
            return str(_("决定已超过30天未反馈"))
        return ""


ACTION_LABELS = {
    "created": _("制定方案"), "proposed": _("居民提议"), "cosign_reached": _("联署达到门槛"),
    "plan_updated": _("修改方案"), "notice_published": _("发布公告"), "meeting_scheduled": _("安排会议"),
    "consultation_started": _("开始协商"), "minutes": _("会议记录"), "vote_opened": _("发起表决"),
    "hands_recorded": _("记录举手票数"), "vote_closed": _("结束表决并计票"), "decided": _("作出决定"),
    "applied": _("登记落实"), "feedback_published": _("反馈公示"), "sent_back": _("退回"), "withdrawn": _("撤回"),
}


class TopicEvent(models.Model):
    """One row per change of a topic (the whole history shown on its page)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=30)
    from_step = models.CharField(max_length=14, choices=Step.choices)
    to_step = models.CharField(max_length=14, choices=Step.choices)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("议题记录")
        verbose_name_plural = _("议题记录")

    def __str__(self) -> str:
        return f"{self.topic_id}:{self.action}"

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))


class CoSignature(models.Model):
    """One per household on a proposal (the constraint makes it so, whatever the channel)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="cosignatures")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "household"], name="delib_one_cosign_per_household")]

    def __str__(self) -> str:
        return f"{self.topic_id}:{self.household_id}"


class Comment(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("意见"))
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.text[:30]


class Decision(models.Model):
    """What the consultation decided, and what carries it out (step 4). Evaluation's rule versions point here."""

    topic = models.OneToOneField(Topic, on_delete=models.CASCADE, related_name="decision")
    method = models.CharField(_("决定方式"), max_length=10, choices=DecisionMethod.choices)
    text = models.TextField(_("决定内容"))
    vote = models.OneToOneField("deliberation.Vote", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("决定时间"), default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    apply_kind = models.CharField(_("落实方式"), max_length=14, choices=ApplyKind.choices, blank=True)
    apply_ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("落实工单"))
    task_owner = models.CharField(_("责任人"), max_length=60, blank=True)
    task_due = models.DateField(_("完成期限"), null=True, blank=True)
    apply_note = models.TextField(_("落实说明"), blank=True)

    class Meta:
        verbose_name = _("议事决定")
        verbose_name_plural = _("议事决定")

    def __str__(self) -> str:
        return f"{self.topic.title}（{timezone.localtime(self.decided_at):%Y-%m-%d}）"


class Rating(models.Model):
    """A resident's rating of the outcome (1-5), one per household."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="ratings")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    stars = models.PositiveSmallIntegerField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "household"], name="delib_one_rating_per_household"),
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="delib_rating_range"),
        ]

    def __str__(self) -> str:
        return f"{self.topic_id}:{self.stars}"
