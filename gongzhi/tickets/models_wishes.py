"""Micro-wishes (微心愿): posted by a resident, claimed by one party member, cadre or co-building
unit, fulfilled, confirmed by the resident."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.paths import PathField
from gongzhi.people.models import Organisation
from gongzhi.territory.models import Household, Node


class WishStatus(models.TextChoices):
    OPEN = "open", _("待认领")
    CLAIMED = "claimed", _("已认领")
    FULFILLED = "fulfilled", _("已实现")
    CONFIRMED = "confirmed", _("已确认")
    WITHDRAWN = "withdrawn", _("已撤回")


class Wish(models.Model):
    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True, related_name="wishes",
                                  verbose_name=_("户"))
    node_path = PathField(max_length=64, editable=False)
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="wishes", verbose_name=_("心愿人账号"))
    resident_name = models.CharField(_("心愿人"), max_length=50)
    title = models.CharField(_("心愿"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=WishStatus.choices, default=WishStatus.OPEN)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="claimed_wishes", verbose_name=_("认领人"))
    claimed_org = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="claimed_wishes", verbose_name=_("认领单位"))
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("实现时间"), null=True, blank=True)
    fulfil_note = models.CharField(_("实现情况"), max_length=300, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        verbose_name = _("微心愿")
        verbose_name_plural = _("微心愿")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["node_path", "created_at"], name="wish_place_created")]
        constraints = [
            models.CheckConstraint(condition=Q(status="open") | Q(status="withdrawn") | Q(claimed_by__isnull=False),
                                   name="wish_claimed_has_claimer"),
        ]

    def __str__(self) -> str:
        return self.title


class WishEvent(models.Model):
    wish = models.ForeignKey(Wish, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    from_status = models.CharField(max_length=10, choices=WishStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=WishStatus.choices)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
