"""Juries and what jurors record: one score sheet per juror and subject, one score per item."""

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.people.models import Organisation

from .periods import Period, Subject
from .rules import RuleItem, RuleSet


class Party(models.TextChoices):
    COMMUNITY = "community", _("社区")
    PROPERTY = "property", _("物业")
    OWNERS = "owners", _("业委会")
    RESIDENTS = "residents", _("居民代表")
    BUILDING_HEADS = "building_heads", _("楼栋长")
    PARTY_MEMBERS = "party_members", _("党员代表")


class Juror(models.Model):
    """A member of the rule set's jury, speaking for one party."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="jurors", verbose_name=_("评分细则"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="juror_seats",
                             verbose_name=_("评委"))
    party = models.CharField(_("代表方"), max_length=16, choices=Party.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("所在组织"))
    active = models.BooleanField(_("在任"), default=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("加入时间"), auto_now_add=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    removed_at = models.DateTimeField(_("退出时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评委")
        verbose_name_plural = _("评委")
        ordering = ["rule_set_id", "party", "id"]
        constraints = [models.UniqueConstraint(fields=["rule_set", "user"], condition=Q(active=True),
                                               name="juror_one_active_seat")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_party_display()}"


class PeriodJuror(models.Model):
    """A seat on one period's jury. Copied from the rule set's active jurors when the period opens, adjustable
    while it is open (a seat removed keeps its row and its sheets, which then stop counting). The period's
    results and its closing rule read this jury, never the rule set's current one."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="jury", verbose_name=_("考评期"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="period_seats",
                             verbose_name=_("评委"))
    party = models.CharField(_("代表方"), max_length=16, choices=Party.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("所在组织"))
    source = models.ForeignKey(Juror, on_delete=models.SET_NULL, null=True, blank=True, related_name="period_seats",
                               verbose_name=_("来自评审团"))
    active = models.BooleanField(_("在任"), default=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    added_at = models.DateTimeField(_("加入时间"), auto_now_add=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    removed_at = models.DateTimeField(_("退出时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("本期评委")
        verbose_name_plural = _("本期评委")
        ordering = ["period_id", "party", "id"]
        # One seat per person and period: removing and adding again reactivates the same seat.
        constraints = [models.UniqueConstraint(fields=["period", "user"], name="period_juror_one_seat")]
        indexes = [models.Index(fields=["user", "active"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_party_display()}"


class ScoreSheet(models.Model):
    """What one juror recorded for one subject in one period. A re-scoring appends a new sheet and the old
    one stops being current; a re-submission with the same client key returns the sheet already saved."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="sheets")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="sheets")
    juror = models.ForeignKey(PeriodJuror, on_delete=models.PROTECT, related_name="sheets")
    party = models.CharField(_("代表方"), max_length=16, choices=Party.choices)
    client_key = models.CharField(_("提交编号"), max_length=64, unique=True)
    note = models.TextField(_("备注"), blank=True)
    photo = models.FileField(_("照片"), upload_to="evaluation/%Y/%m/", blank=True,
                             validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp"])])
    is_current = models.BooleanField(default=True)
    # The sheet's sums by kind, written with its scores (sheets never change): closing a period aggregates
    # these, one row per juror and subject, instead of every item score.
    score_sum = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    bonus_sum = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    deduction_sum = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    veto_item = models.ForeignKey(RuleItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")
        # One current sheet per person and subject, whichever jury seat it was written from.
        constraints = [models.UniqueConstraint(fields=["subject", "submitted_by"], condition=Q(is_current=True),
                                               name="sheet_one_current_per_person")]
        indexes = [models.Index(fields=["period", "is_current", "party", "subject"])]

    def __str__(self) -> str:
        return f"{self.subject_id} · {self.juror_id} · {self.client_key}"


class Score(models.Model):
    # No single-column indexes: (sheet, item) is unique, and nothing looks scores up by item alone. A month
    # of a large compound writes millions of these rows.
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.PROTECT, related_name="scores", db_index=False)
    item = models.ForeignKey(RuleItem, on_delete=models.PROTECT, related_name="+", db_index=False)
    # The points this item gives (for a per-occurrence item: count × points, capped).
    value = models.DecimalField(_("分数"), max_digits=8, decimal_places=2)
    count = models.PositiveIntegerField(_("次数"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("条目得分")
        verbose_name_plural = _("条目得分")
        constraints = [models.UniqueConstraint(fields=["sheet", "item"], name="score_one_per_item")]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.value}"
