"""Visits (走访) to households, care plans for key groups (关爱), door-knocking campaigns (敲门行动),
and the household changes seen at the door (proposed, applied by whoever may edit the household).

Every row that is listed by place carries the household's place (node_path, grid, micro-grid) copied
at write time, so that scoping and the measures read one table with one index."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.fields import EncryptedTextField
from gongzhi.core.paths import PathField
from gongzhi.people.models import KeyGroup, Resident
from gongzhi.territory.models import Grid, Household, Node
from gongzhi.tickets.models import Ticket, Wish


class VisitKind(models.TextChoices):
    HOME = "home", _("入户走访")
    PHONE = "phone", _("电话随访")
    KNOCK = "knock", _("敲门行动")
    PATROL = "patrol", _("巡查发现")
    WALK_IN = "walk_in", _("来访")


class FindingTag(models.TextChoices):
    NEED = "need", _("需求")
    HAZARD = "hazard", _("隐患")
    DISPUTE = "dispute", _("矛盾纠纷")
    POLICY = "policy", _("政策咨询")
    CHANGE = "change", _("人员变动")
    NONE = "none", _("无异常")


class Outcome(models.TextChoices):
    MET = "met", _("已走访")
    NOBODY_HOME = "nobody_home", _("无人在家")


class CareRole(models.TextChoices):
    """Whose list a care visit is on."""

    GRID_WORKER = "grid_worker", _("网格员")
    MICRO_GRID_HEAD = "micro_grid_head", _("微网格长")
    PARTY_MEMBER = "party_member", _("联系党员（党员联系户）")


class Placed(models.Model):
    """The household's place, copied when the row is written (the household may move later; the
    visit happened where it was)."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("户"))
    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"),
                                  db_index=False)
    node_path = PathField(max_length=64, editable=False)
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+", db_index=False)
    micro_grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        abstract = True


class Campaign(models.Model):
    """A 敲门行动 over a set of households, with a deadline and per-household progress."""

    class Target(models.TextChoices):
        NODE = "node", _("小区/楼栋")
        GRID = "grid", _("网格")
        KEY_GROUP = "key_group", _("重点人群")

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    name = models.CharField(_("名称"), max_length=100)
    target = models.CharField(_("范围类型"), max_length=10, choices=Target.choices)
    target_label = models.CharField(_("范围"), max_length=100)
    starts_on = models.DateField(_("开始日期"), default=timezone.localdate)
    deadline = models.DateField(_("截止日期"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("敲门行动")
        verbose_name_plural = _("敲门行动")
        ordering = ["-deadline", "-id"]
        constraints = [models.CheckConstraint(condition=Q(deadline__gte=models.F("starts_on")),
                                              name="campaign_deadline_after_start")]

    def __str__(self) -> str:
        return self.name


class CampaignHousehold(Placed):
    class State(models.TextChoices):
        PENDING = "pending", _("未走访")
        VISITED = "visited", _("已走访")
        NOBODY_HOME = "nobody_home", _("无人在家")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="households")
    state = models.CharField(_("进度"), max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("上门次数"), default=0)
    last_visit = models.ForeignKey("Visit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("敲门行动住户")
        verbose_name_plural = _("敲门行动住户")
        constraints = [models.UniqueConstraint(fields=["campaign", "household"], name="campaign_household_unique")]
        indexes = [models.Index(fields=["campaign", "state"])]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.household}"


class Visit(Placed):
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("走访对象"))
    visited_at = models.DateTimeField(_("走访时间"))
    kind = models.CharField(_("走访方式"), max_length=10, choices=VisitKind.choices)
    outcome = models.CharField(_("结果"), max_length=12, choices=Outcome.choices, default=Outcome.MET)
    visitors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="visits", verbose_name=_("走访人"))
    met = models.CharField(_("见到"), max_length=100, blank=True)
    persons_met = models.PositiveSmallIntegerField(_("见到人数"), default=1)
    findings = models.TextField(_("发现情况"), blank=True)
    follow_up = models.CharField(_("后续"), max_length=300, blank=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="visits",
                                 verbose_name=_("敲门行动"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("登记人"), db_index=False)
    # `<recorder id>:<key the phone made>`: a re-sent offline visit meets this and gets the first back.
    client_key = models.CharField(max_length=80, null=True, blank=True, editable=False)  # noqa: DJ001
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("走访")
        verbose_name_plural = _("走访")
        ordering = ["-visited_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["client_key"], condition=Q(client_key__isnull=False),
                                    name="visit_client_key_unique"),
        ]
        indexes = [
            models.Index(fields=["household", "visited_at"], name="visit_household_at"),
            models.Index(fields=["node_path", "visited_at"], name="visit_place_at"),
            models.Index(fields=["grid", "visited_at"], name="visit_grid_at"),
            models.Index(fields=["community", "visited_at"], name="visit_community_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.household}"

    @property
    def tag_values(self) -> list[str]:
        return [t.tag for t in self.tags.all()]


class VisitTag(models.Model):
    """One row per finding tag, so findings by tag is an indexed count."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(_("发现类别"), max_length=10, choices=FindingTag.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "tag"], name="visit_tag_unique")]

    def __str__(self) -> str:
        return self.get_tag_display()


def _photo_path(instance, filename: str) -> str:
    now = timezone.now()
    return f"visits/{now:%Y/%m}/{instance.visit_id}-{hashlib.sha1(filename.encode()).hexdigest()[:8]}{instance.ext}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("文件"), upload_to=_photo_path)
    ext = models.CharField(max_length=8)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    name = models.CharField(max_length=120)

    def __str__(self) -> str:
        return self.name


class VisitFollowUp(models.Model):
    """What a finding became: a ticket or a micro-wish, filed from the visit (stored here, on the
    higher app's side)."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="follow_ups")
    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    wish = models.OneToOneField(Wish, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    tag = models.CharField(_("发现类别"), max_length=10, choices=FindingTag.choices, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(ticket__isnull=False, wish__isnull=True)
                                              | Q(ticket__isnull=True, wish__isnull=False),
                                              name="visit_follow_up_one_target")]

    def __str__(self) -> str:
        return f"{self.visit} → {self.ticket or self.wish}"


class HouseholdChange(models.Model):
    """A change seen at the door, proposed as an edit of the household record."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("联系电话变更")
        MOVE_OUT = "move_out", _("有人迁出")
        NEW_RESIDENT = "new_resident", _("新增人员（如新生儿）")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待核实")
        APPLIED = "applied", _("已更新")
        REJECTED = "rejected", _("未采纳")

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="changes")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(_("变更类型"), max_length=14, choices=Kind.choices)
    data = models.JSONField(_("变更内容"), default=dict)  # the date or the new person; never a phone
    new_phone = EncryptedTextField(_("新联系电话"), max_length=20, blank=True)  # sealed at rest
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["household", "status"])]

    def __str__(self) -> str:
        return self.get_kind_display()


class CareRule(models.Model):
    """A community's rule: this key group is visited every N days, by this role."""

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    key_group = models.CharField(_("重点人群"), max_length=16, choices=KeyGroup.choices)
    every_days = models.PositiveSmallIntegerField(_("走访周期（天）"))
    role = models.CharField(_("责任人"), max_length=16, choices=CareRole.choices, default=CareRole.GRID_WORKER)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("关爱走访规则")
        verbose_name_plural = _("关爱走访规则")
        ordering = ["community_id", "every_days", "key_group"]
        constraints = [
            models.UniqueConstraint(fields=["community", "key_group"], name="care_rule_unique"),
            models.CheckConstraint(condition=Q(every_days__gte=1, every_days__lte=366), name="care_rule_every_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_key_group_display()} · {self.every_days}"


class CareDue(Placed):
    """One care visit owed to a resident under a rule: due on a day, done by a visit (or still open).
    A visit closes the open one and opens the next, due `every_days` later. Closed rows stay: they
    are the coverage figure's history."""

    rule = models.ForeignKey(CareRule, on_delete=models.CASCADE, related_name="dues")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=16, choices=CareRole.choices)
    due_on = models.DateField(_("应走访日期"))
    done_on = models.DateField(_("实际走访日期"), null=True, blank=True)
    visit = models.ForeignKey(Visit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    overdue_reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "resident"], condition=Q(done_on__isnull=True),
                                    name="care_due_one_open"),
        ]
        indexes = [
            models.Index(fields=["grid", "due_on"], name="care_open_grid_due", condition=Q(done_on__isnull=True)),
            models.Index(fields=["micro_grid", "due_on"], name="care_open_micro_due",
                         condition=Q(done_on__isnull=True)),
            models.Index(fields=["community", "due_on"], name="care_community_due"),
            models.Index(fields=["household"], name="care_household", condition=Q(done_on__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.due_on}"

    @property
    def is_overdue(self) -> bool:
        return self.done_on is None and self.due_on < timezone.localdate()
