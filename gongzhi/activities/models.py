"""Activities (志愿服务, 便民服务, 文化活动 …), their shifts, sign-ups with a waitlist, check-in/out
and hours, people served, and volunteer service certificates (《志愿服务记录与证明出具办法（试行）》)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.people.models import Organisation, Resident
from gongzhi.territory.models import Node


class Kind(models.TextChoices):
    VOLUNTEER = "volunteer", _("志愿服务")
    SERVICE = "service", _("便民服务")
    CULTURE = "culture", _("文化活动")
    PARTY_LECTURE = "lecture", _("党课宣讲")
    DOOR_KNOCK = "door_knock", _("敲门行动")
    OTHER = "other", _("其他")


class Activity(models.Model):
    class Audience(models.TextChoices):
        PUBLIC = "public", _("公开报名")
        INVITED = "invited", _("仅限队伍成员")

    class Status(models.TextChoices):
        OPEN = "open", _("报名中")
        CANCELLED = "cancelled", _("已取消")

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="activities", verbose_name=_("所属社区"))
    place = models.ForeignKey(Node, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("地点（区划）"))
    address = models.CharField(_("地点"), max_length=120, blank=True)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=80)
    description = models.TextField(_("内容"), blank=True, max_length=4000)
    organiser = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="activities", verbose_name=_("组织单位"),
                                  help_text=_("留空表示由社区组织"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("负责人"))
    start_at = models.DateTimeField(_("开始时间"))
    end_at = models.DateTimeField(_("结束时间"))
    audience = models.CharField(_("参加方式"), max_length=8, choices=Audience.choices, default=Audience.PUBLIC)
    serves_groups = models.JSONField(_("服务人群"), default=list, blank=True)
    serves_node = models.ForeignKey(Node, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("服务范围"))
    cancel_cutoff_hours = models.PositiveSmallIntegerField(_("开始前多少小时截止取消"), default=2)
    served_count = models.PositiveIntegerField(_("服务人数（未具名）"), default=0)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    client_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["-start_at", "-id"]
        indexes = [models.Index(fields=["community", "start_at"]), models.Index(fields=["start_at"])]
        constraints = [models.CheckConstraint(condition=Q(end_at__gt=models.F("start_at")), name="activity_time_ordered")]

    def __str__(self) -> str:
        return self.title

    @property
    def issuer_name(self) -> str:
        """谁记录谁证明: the organisation that ran it, or the community."""
        return self.organiser.name if self.organiser_id else f"{self.community.name}"


class Photo(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="activities/%Y/%m/")
    content_type = models.CharField(max_length=20)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.file.name


class Shift(models.Model):
    """A role or shift with its capacity (6 for set-up, 10 for the health check …)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="shifts")
    name = models.CharField(_("岗位/班次"), max_length=40)
    capacity = models.PositiveIntegerField(_("人数"))

    class Meta:
        ordering = ["activity_id", "id"]
        constraints = [models.CheckConstraint(condition=Q(capacity__gt=0), name="shift_capacity_positive")]

    def __str__(self) -> str:
        return f"{self.activity} · {self.name}"


class SignUp(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("已报名")
        WAITLIST = "waitlist", _("候补")
        CANCELLED = "cancelled", _("已取消")

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="signups")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="signups")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="activity_signups")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="activity_signups")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("代签人"))
    minutes = models.PositiveIntegerField(_("服务时长（分钟）"), null=True, blank=True)
    corrections = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["activity", "resident"], condition=~Q(status="cancelled"),
                                               name="one_live_signup_per_activity")]
        indexes = [models.Index(fields=["shift", "status", "created_at"]), models.Index(fields=["resident", "status"])]

    def __str__(self) -> str:
        return f"{self.resident} · {self.shift}"

    @property
    def hours(self):
        from decimal import Decimal

        return None if self.minutes is None else (Decimal(self.minutes) / 60).quantize(Decimal("0.01"))


class HoursCorrection(models.Model):
    signup = models.ForeignKey(SignUp, on_delete=models.PROTECT, related_name="hour_corrections")
    old_minutes = models.PositiveIntegerField(null=True)
    new_minutes = models.PositiveIntegerField()
    reason = models.CharField(max_length=200)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.signup_id}: {self.old_minutes} -> {self.new_minutes}"


class Beneficiary(models.Model):
    """A person served, by name (a resident, or a name only); unnamed ones are `Activity.served_count`."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="beneficiaries")
    name = models.CharField(_("姓名"), max_length=50)
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Certificate(models.Model):
    """志愿服务证明: issued by the organiser that recorded the service, kept as issued (a snapshot), and
    verifiable by its number on a public page."""

    number = models.CharField(_("证明编号"), max_length=24, unique=True)
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="volunteer_certificates")
    name = models.CharField(_("姓名"), max_length=50)
    masked_id = models.CharField(_("证件号码"), max_length=20, blank=True)
    issuer = models.CharField(_("出具单位"), max_length=100)
    organiser = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    period_from = models.DateField(_("起始日期"))
    period_to = models.DateField(_("截止日期"))
    total_minutes = models.PositiveIntegerField(_("累计时长（分钟）"))
    lines = models.JSONField(_("服务记录"), default=list)
    # The issuer's training, commendation and evaluation records of the volunteer in the period, as issued.
    records = models.JSONField(_("培训、表彰与评价"), default=list, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("出具时间"), auto_now_add=True)
    client_key = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number

    @property
    def trainings(self) -> list[dict]:
        return [r for r in self.records if r.get("kind") == VolunteerRecord.Kind.TRAINING]

    @property
    def commendations(self) -> list[dict]:
        return [r for r in self.records if r.get("kind") == VolunteerRecord.Kind.COMMENDATION]

    @property
    def evaluations(self) -> list[dict]:
        return [r for r in self.records if r.get("kind") == VolunteerRecord.Kind.EVALUATION]


class VolunteerRecord(models.Model):
    """A volunteer's training (培训), commendation (表彰) or evaluation (评价), the parts of the service
    record the 《志愿服务记录与证明出具办法（试行）》 asks for beside the personal information and the service
    itself. An evaluation's title is the evaluation itself (优秀志愿者, 服务评价：优秀), its grantor the
    evaluating unit; like a commendation it has no hours. 谁记录谁证明: the organisation (or the community,
    for its own activities) that recorded it is the one that lists it and prints it on its certificates."""

    class Kind(models.TextChoices):
        TRAINING = "training", _("培训")
        COMMENDATION = "commendation", _("表彰")
        EVALUATION = "evaluation", _("评价")

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="volunteer_records",
                                 verbose_name=_("志愿者"))
    organiser = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("记录单位（组织）"), help_text=_("留空表示由社区记录"))
    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录单位所在社区"))
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=100)
    on = models.DateField(_("日期"))
    hours = models.DecimalField(_("培训时长（小时）"), max_digits=5, decimal_places=2, null=True, blank=True)
    grantor = models.CharField(_("培训/授予/评价单位"), max_length=100, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("记录人"))
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    client_key = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("培训、表彰与评价记录")
        verbose_name_plural = _("培训、表彰与评价记录")
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["resident", "on"]), models.Index(fields=["organiser", "community", "on"])]
        constraints = [
            models.CheckConstraint(condition=Q(kind="training", hours__isnull=False, hours__gte=0, hours__lte=200)
                                   | Q(kind__in=["commendation", "evaluation"], hours__isnull=True),
                                   name="volunteer_record_hours"),
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.get_kind_display()} · {self.title}"
