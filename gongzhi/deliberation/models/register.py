from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.territory.models import Node


class OwnerRegister(models.Model):
    """The owners' register of one compound (imported from Excel). Areas are kept in hundredths of a
    square metre as integers, so that sums are exact on every database."""

    compound = models.OneToOneField(Node, on_delete=models.PROTECT, related_name="owner_register",
                                    verbose_name=_("小区"))
    imported_at = models.DateTimeField(_("导入时间"), auto_now=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("业主名册")
        verbose_name_plural = _("业主名册")

    def __str__(self) -> str:
        return self.compound.name


class Owner(models.Model):
    """One owner (by ID number) of one compound; heads count once, area is the sum of their flats."""

    register = models.ForeignKey(OwnerRegister, on_delete=models.CASCADE, related_name="owners")
    name = models.CharField(_("业主姓名"), max_length=60)
    id_key = models.CharField(max_length=64)  # keyed hash of the ID number: identity without keeping it readable
    id_masked = models.CharField(_("身份证号"), max_length=18)
    area_c = models.BigIntegerField(_("专有面积（0.01平方米）"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="owner_records", verbose_name=_("登录账号"))

    class Meta:
        verbose_name = _("业主")
        verbose_name_plural = _("业主")
        constraints = [
            models.UniqueConstraint(fields=["register", "id_key"], name="delib_owner_once_per_register"),
            models.CheckConstraint(condition=Q(area_c__gt=0), name="delib_owner_area_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Flat(models.Model):
    register = models.ForeignKey(OwnerRegister, on_delete=models.CASCADE, related_name="flats")
    owner = models.ForeignKey(Owner, on_delete=models.CASCADE, related_name="flats")
    building = models.CharField(_("楼栋"), max_length=30)
    unit = models.CharField(_("单元"), max_length=30, blank=True)
    room = models.CharField(_("房号"), max_length=30)
    area_c = models.BigIntegerField(_("专有面积（0.01平方米）"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["register", "building", "unit", "room"], name="delib_flat_unique"),
            models.CheckConstraint(condition=Q(area_c__gt=0), name="delib_flat_area_positive"),
        ]

    def __str__(self) -> str:
        return "-".join(p for p in (self.building, self.unit, self.room) if p)
