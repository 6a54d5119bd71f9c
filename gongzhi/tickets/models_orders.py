"""四单: organisations publish service offerings 服务清单; a resident orders 点单; the community
dispatches 派单 to an organisation, which accepts or declines 接单; the resident rates 评单."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.paths import PathField
from gongzhi.people.models import Organisation
from gongzhi.territory.models import Household, Node

from .choices import Rating


def _rating_choices():  # a callable, as the migrations have it
    return Rating.choices


class ServiceOffering(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="offerings",
                                     verbose_name=_("提供单位"))
    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+", verbose_name=_("服务社区"))
    title = models.CharField(_("服务项目"), max_length=100)
    description = models.TextField(_("服务内容"), blank=True)
    active = models.BooleanField(_("上架"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["community_id", "title"]

    def __str__(self) -> str:
        return self.title


class OrderStatus(models.TextChoices):
    ORDERED = "ordered", _("居民点单")
    DISPATCHED = "dispatched", _("社区派单")
    ACCEPTED = "accepted", _("组织接单")
    DECLINED = "declined", _("组织拒单")
    DONE = "done", _("服务完成")
    RATED = "rated", _("群众评单")
    CANCELLED = "cancelled", _("已取消")


class ServiceOrder(models.Model):
    offering = models.ForeignKey(ServiceOffering, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="orders", verbose_name=_("服务项目"))
    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    node_path = PathField(max_length=64, editable=False)
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_orders",
                                 verbose_name=_("点单居民"))
    note = models.CharField(_("需求说明"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.ORDERED)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="service_orders", verbose_name=_("接单组织"))
    decline_reason = models.CharField(_("拒单原因"), max_length=200, blank=True)
    result = models.CharField(_("服务情况"), max_length=300, blank=True)
    rating = models.CharField(_("评价"), max_length=12, choices=_rating_choices, blank=True)
    comment = models.CharField(_("评价意见"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("点单时间"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("服务订单")
        verbose_name_plural = _("服务订单")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["node_path", "created_at"], name="order_place_created")]

    def __str__(self) -> str:
        return f"{self.offering or self.note} · {self.get_status_display()}"


class OrderEvent(models.Model):
    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    from_status = models.CharField(max_length=10, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=OrderStatus.choices)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
