"""Year-end awards by red-flag months, and subsidies granted to role holders (三长)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.people.models import Organisation
from gongzhi.territory.models import Household, Node, RoleAssignment

from .rules import RuleSet, RuleVersion


class YearAwardQuerySet(models.QuerySet):
    def current(self):
        """Awards in force: not revoked. Every reader that shows or counts awards uses this."""
        return self.filter(revoked_at__isnull=True)

    def revoked(self):
        return self.filter(revoked_at__isnull=False)


class YearAward(models.Model):
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="awards")
    year = models.PositiveSmallIntegerField(_("年度"))
    rank = models.PositiveSmallIntegerField(_("名次"))
    subject_key = models.CharField(max_length=24)
    label = models.CharField(_("对象"), max_length=200)
    node = models.ForeignKey(Node, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    flag_months = models.PositiveSmallIntegerField(_("获旗次数"))
    year_total = models.DecimalField(_("全年总分"), max_digits=12, decimal_places=2)
    subsidy_percent = models.DecimalField(_("物业费补贴（%）"), max_digits=5, decimal_places=2)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(_("授予时间"), auto_now_add=True)
    # Revocation keeps the row (history is never deleted); only current (not revoked) awards count.
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    revoke_reason = models.TextField(_("撤销原因"), blank=True)

    objects = YearAwardQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度奖励")
        verbose_name_plural = _("年度奖励")
        ordering = ["rule_set_id", "-year", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "year", "subject_key"], condition=Q(revoked_at__isnull=True),
                                    name="award_once_per_subject"),
            models.UniqueConstraint(fields=["rule_set", "year", "rank"], condition=Q(revoked_at__isnull=True),
                                    name="award_rank_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.label} 第{self.rank}名"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class RoleSubsidy(models.Model):
    """A property-fee subsidy for a compound/building/unit head who did their duties (seed 002: 10%, then
    raised by another 10%), with the rule version that set the rates and who granted it."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="role_subsidies")
    version = models.ForeignKey(RuleVersion, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    assignment = models.ForeignKey(RoleAssignment, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    base_percent = models.DecimalField(_("基础补贴（%）"), max_digits=5, decimal_places=2)
    extra_percent = models.DecimalField(_("提高（%）"), max_digits=5, decimal_places=2)
    percent = models.DecimalField(_("合计（%）"), max_digits=5, decimal_places=2)
    note = models.CharField(_("履职情况"), max_length=300, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("“三长”补贴")
        verbose_name_plural = _("“三长”补贴")
        ordering = ["rule_set_id", "-year", "id"]
        constraints = [models.UniqueConstraint(fields=["rule_set", "year", "assignment"], name="role_subsidy_once")]

    def __str__(self) -> str:
        return f"{self.year} {self.user} {self.percent}%"
