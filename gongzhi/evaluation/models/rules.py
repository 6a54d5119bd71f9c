"""Rule sets (评分细则), their dated versions and the items of each version."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import TimeStamped
from gongzhi.territory.models import Node


class SetKind(models.TextChoices):
    RANKING = "ranking", _("月度排名（流动红旗）")
    CONTEST = "contest", _("微评比（评选称号）")
    STAR = "star", _("星级评定")


class SubjectType(models.TextChoices):
    UNIT = "unit", _("单元")
    BUILDING = "building", _("楼栋")
    COMPOUND = "compound", _("小区")
    HOUSEHOLD = "household", _("家庭")
    PROPERTY = "property", _("物业企业")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("月")
    QUARTER = "quarter", _("季度")
    YEAR = "year", _("年")


class CompoundType(models.TextChoices):
    COMMERCIAL = "commercial", _("商住小区")
    OLD = "old", _("老旧小区")
    RESETTLEMENT = "resettlement", _("还房小区")


class RuleSet(TimeStamped):
    """What is evaluated where: e.g. 南国新家园小区 文明单元“红棟力”评比 (units, monthly)."""

    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="rule_sets", verbose_name=_("所属区划"))
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=SetKind.choices, default=SetKind.RANKING)
    subject_type = models.CharField(_("评比对象"), max_length=10, choices=SubjectType.choices)
    period_kind = models.CharField(_("考评周期"), max_length=8, choices=PeriodKind.choices, default=PeriodKind.MONTH)
    compound_type = models.CharField(_("小区类型"), max_length=14, choices=CompoundType.choices, blank=True,
                                     help_text=_("星级物业按小区类型分别设置标准"))
    description = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("创建人"))

    class Meta:
        verbose_name = _("评分细则")
        verbose_name_plural = _("评分细则")
        ordering = ["node_id", "name"]
        indexes = [models.Index(fields=["node", "kind"])]
        constraints = [models.UniqueConstraint(fields=["node", "name"], name="ruleset_name_unique_at_node")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        """Households are people: their rankings are never on the public board."""
        return self.subject_type != SubjectType.HOUSEHOLD


class RuleVersion(models.Model):
    """One dated version of the rules. Versions of a set never overlap; a version used by a period is frozen."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="versions", verbose_name=_("评分细则"))
    number = models.PositiveSmallIntegerField(_("版本号"))
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    adopted_by = models.CharField(_("通过的会议或决定"), max_length=200)
    # The deliberation decision that adopted this version (the free text above stays as its label).
    decision = models.ForeignKey("deliberation.Decision", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="rule_versions", verbose_name=_("议事决定"))
    adopted_on = models.DateField(_("通过日期"), null=True, blank=True)
    summary = models.TextField(_("修订说明"), blank=True)
    base_points = models.DecimalField(_("基础分"), max_digits=7, decimal_places=2, default=Decimal("0"))
    top_n = models.PositiveSmallIntegerField(_("每期表彰名额"), default=3)
    top_title = models.CharField(_("表彰称号"), max_length=30, default="流动红旗")
    award_count = models.PositiveSmallIntegerField(_("年度奖励名额"), default=3)
    award_subsidy_percent = models.DecimalField(_("年度奖励物业费补贴（%）"), max_digits=5, decimal_places=2,
                                                default=Decimal("0"))
    role_subsidy_percent = models.DecimalField(_("“三长”物业费补贴（%）"), max_digits=5, decimal_places=2,
                                               default=Decimal("0"))
    role_subsidy_extra_percent = models.DecimalField(_("“三长”补贴提高（%）"), max_digits=5, decimal_places=2,
                                                     default=Decimal("0"))
    star_thresholds = models.CharField(_("星级分数线"), max_length=60, blank=True,
                                       help_text=_("一星至五星的最低得分，逗号分隔，如 60,70,80,90,95"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("细则版本")
        verbose_name_plural = _("细则版本")
        ordering = ["rule_set_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "number"], name="ruleversion_number_unique"),
            models.UniqueConstraint(fields=["rule_set", "effective_from"], name="ruleversion_start_unique"),
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                                   name="ruleversion_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_set} · 第{self.number}版"

    def covers(self, day: datetime.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    @property
    def thresholds(self) -> list[Decimal]:
        return [Decimal(x.strip()) for x in self.star_thresholds.split(",") if x.strip()]

    @property
    def role_subsidy_total(self) -> Decimal:
        return self.role_subsidy_percent + self.role_subsidy_extra_percent


class ItemKind(models.TextChoices):
    SCORE = "score", _("评分项")
    BONUS = "bonus", _("加分项")
    DEDUCTION = "deduction", _("扣分项")
    VETO = "veto", _("一票否决")
    EXEMPTION = "exemption", _("不扣分说明")


SCORED_KINDS = (ItemKind.SCORE, ItemKind.BONUS, ItemKind.DEDUCTION, ItemKind.VETO)


class Category(models.TextChoices):
    DISPUTES = "disputes", _("矛盾纠纷")
    CIVILITY = "civility", _("文明新风")
    FAMILY = "family", _("家教家风")
    SANITATION = "sanitation", _("环境卫生")
    VOLUNTEERING = "volunteering", _("志愿服务")
    SAFETY = "safety", _("安全管理")
    CORRIDOR = "corridor", _("楼道卫生")
    ENVIRONMENT = "environment", _("公共环境")
    GREENING = "greening", _("绿化管理")
    PARKING = "parking", _("规范停车")
    CONDUCT = "conduct", _("居民行为规范")
    FILIAL = "filial", _("孝老爱亲")
    ORGANISATION = "organisation", _("组织建设")
    TEAM = "team", _("队伍建设")
    SERVICE = "service", _("服务质量")
    SATISFACTION = "satisfaction", _("群众满意度")
    OTHER = "other", _("其他")


class RuleItem(models.Model):
    """One line of the rules. Jurors give 0 … max_value points for it (a veto is 0 or 1; an exemption is a
    note for the jurors and takes no score)."""

    version = models.ForeignKey(RuleVersion, on_delete=models.CASCADE, related_name="items", verbose_name=_("版本"))
    position = models.PositiveSmallIntegerField(_("序号"))
    kind = models.CharField(_("类别"), max_length=10, choices=ItemKind.choices)
    category = models.CharField(_("方面"), max_length=14, choices=Category.choices)
    description = models.CharField(_("内容"), max_length=300)
    points = models.DecimalField(_("分值"), max_digits=6, decimal_places=2, null=True, blank=True,
                                 help_text=_("评分项为满分；加分/扣分项为每次的分值"))
    cap = models.DecimalField(_("每期上限"), max_digits=6, decimal_places=2, null=True, blank=True,
                              help_text=_("本项每期最多加/扣的分数；不填则等于分值"))
    derived_from = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("修订自"))

    class Meta:
        verbose_name = _("细则条目")
        verbose_name_plural = _("细则条目")
        ordering = ["version_id", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "position"], name="ruleitem_position_unique")]

    def __str__(self) -> str:
        return self.description

    @property
    def is_scored(self) -> bool:
        return self.kind in SCORED_KINDS

    @property
    def max_value(self) -> Decimal:
        if self.kind == ItemKind.VETO:
            return Decimal("1")
        if self.kind == ItemKind.EXEMPTION:
            return Decimal("0")
        return self.cap if self.cap is not None else (self.points or Decimal("0"))

    @property
    def is_per_occurrence(self) -> bool:
        """Bonus and deduction items count occurrences: the juror enters a count, the item gives the points."""
        return self.kind in (ItemKind.BONUS, ItemKind.DEDUCTION)

    def points_for(self, count: int) -> Decimal:
        """count × points, capped at the per-period cap (one occurrence's points when there is no cap)."""
        return min(count * (self.points or Decimal("0")), self.max_value)

    @property
    def max_count(self) -> int | None:
        """Occurrences that reach the cap (more are accepted and give the cap)."""
        if not self.is_per_occurrence or not self.points:
            return None
        return int(-(-self.max_value // self.points))

    @property
    def sign(self) -> int:
        return -1 if self.kind == ItemKind.DEDUCTION else 1
