"""Periods, their subjects (a snapshot taken when the period opens), events and results."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.paths import PathField
from gongzhi.people.models import Organisation
from gongzhi.territory.models import Household, Node

from .rules import RuleItem, RuleSet, RuleVersion


class Period(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("评分中")
        CLOSED = "closed", _("已结束")

    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="periods", verbose_name=_("评分细则"))
    version = models.ForeignKey(RuleVersion, on_delete=models.PROTECT, related_name="periods",
                                verbose_name=_("适用版本"))
    start = models.DateField(_("开始"))
    end = models.DateField(_("结束"))
    label = models.CharField(_("名称"), max_length=40)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    round = models.PositiveSmallIntegerField(_("结算次数"), default=0)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("开启时间"), auto_now_add=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("考评期")
        verbose_name_plural = _("考评期")
        ordering = ["rule_set_id", "-start"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "start"], name="period_start_unique"),
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="period_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_set} · {self.label}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Subject(models.Model):
    """One thing scored in a period. `key` names it across periods ("n42" a node, "h7" a household, "o3" an
    organisation); `sort_key` is the last, fixed tie-break of the ranking."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="subjects")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    key = models.CharField(max_length=24)
    label = models.CharField(_("对象"), max_length=200)
    sort_key = PathField(max_length=200)

    class Meta:
        verbose_name = _("考评对象")
        verbose_name_plural = _("考评对象")
        ordering = ["period_id", "sort_key"]
        constraints = [models.UniqueConstraint(fields=["period", "key"], name="subject_key_unique_in_period")]

    def __str__(self) -> str:
        return self.label


class PeriodEvent(models.Model):
    class Action(models.TextChoices):
        OPEN = "open", _("开启")
        CLOSE = "close", _("结束评分")
        AUTO_CLOSE = "auto_close", _("全体评委评分完成，自动结束")
        REOPEN = "reopen", _("重新开启")
        JUROR_ADD = "juror_add", _("加入本期评委")
        JUROR_REMOVE = "juror_remove", _("移出本期评委")

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("动作"), max_length=12, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    reason = models.CharField(_("原因"), max_length=300, blank=True)
    round = models.PositiveSmallIntegerField(default=0)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考评期记录")
        verbose_name_plural = _("考评期记录")
        ordering = ["period_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.period_id} {self.action}"


class SubjectResult(models.Model):
    """A subject's result at one close of its period (round). Reopening and closing again appends a round."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="results")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="results")
    round = models.PositiveSmallIntegerField()
    base_points = models.DecimalField(max_digits=10, decimal_places=2)
    score_total = models.DecimalField(_("评分项"), max_digits=10, decimal_places=2)
    bonus = models.DecimalField(_("加分"), max_digits=10, decimal_places=2)
    deduction = models.DecimalField(_("扣分"), max_digits=10, decimal_places=2)
    total = models.DecimalField(_("得分"), max_digits=10, decimal_places=2)
    # The exact total as a fraction ("p/q"); the columns above are rounded once, for display. The year's
    # standings add these, so no rounding enters a tie-break.
    exact_total = models.CharField(max_length=80, blank=True)
    parties = models.PositiveSmallIntegerField(_("参评方数"))
    vetoed = models.BooleanField(_("一票否决"), default=False)
    veto_item = models.ForeignKey(RuleItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    rank = models.PositiveIntegerField(_("名次"), null=True, blank=True)
    honoured = models.BooleanField(_("获表彰"), default=False)
    stars = models.PositiveSmallIntegerField(_("星级"), null=True, blank=True)

    class Meta:
        verbose_name = _("考评结果")
        verbose_name_plural = _("考评结果")
        ordering = ["period_id", "round", "rank"]
        constraints = [models.UniqueConstraint(fields=["subject", "round"], name="result_one_per_round")]
        indexes = [models.Index(fields=["period", "round", "rank"])]

    def __str__(self) -> str:
        return f"{self.subject_id} #{self.round}: {self.total}"
