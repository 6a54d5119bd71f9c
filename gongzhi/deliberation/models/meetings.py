from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .topics import Topic


class MeetingKind(models.TextChoices):
    COUNCIL = "council", _("议事会")
    BENCH = "bench", _("板凳会")
    PAVILION = "pavilion", _("凉亭会")
    JOINT = "joint", _("联席会议")
    ONLINE = "online", _("线上协商")


class Party(models.TextChoices):
    PARTY_BRANCH = "party_branch", _("党支部")
    OWNERS_COMMITTEE = "owners_committee", _("业主委员会")
    PROPERTY = "property", _("物业服务企业")
    PARTY_MEMBER = "party_member", _("党员")
    REPRESENTATIVE = "representative", _("居民代表")
    CO_BUILDER = "co_builder", _("共建单位")
    RESIDENT = "resident", _("居民")


class Meeting(models.Model):
    topic = models.OneToOneField(Topic, on_delete=models.CASCADE, related_name="meeting")
    kind = models.CharField(_("会议形式"), max_length=10, choices=MeetingKind.choices, default=MeetingKind.COUNCIL)
    name = models.CharField(_("会议名称"), max_length=60, blank=True)
    starts_at = models.DateTimeField(_("会议时间"))
    location = models.CharField(_("会议地点"), max_length=120)
    capacity = models.PositiveIntegerField(_("名额"), null=True, blank=True)
    minutes = models.TextField(_("会议记录"), blank=True)
    held_at = models.DateTimeField(_("召开时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("议事会议")
        verbose_name_plural = _("议事会议")
        constraints = [models.CheckConstraint(condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                                              name="delib_capacity_positive")]

    def __str__(self) -> str:
        return self.name or self.get_kind_display()


class Attendance(models.Model):
    """An invitation or a sign-up, then the sign-in (by the organiser or by the attendee's scan)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    name = models.CharField(_("姓名"), max_length=60)
    party = models.CharField(_("参会方"), max_length=20, choices=Party.choices, default=Party.RESIDENT)
    invited = models.BooleanField(_("受邀"), default=False)
    signed_up_at = models.DateTimeField(null=True, blank=True)
    signed_in_at = models.DateTimeField(null=True, blank=True)
    signed_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["party", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="delib_one_attendance_per_user")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_party_display()}）"
