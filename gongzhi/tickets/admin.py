from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gongzhi.core.admin_services import ActorFormMixin, ServiceAdminMixin

from .holidays import weekday_label
from .models import WorkCalendarDay
from .permissions import can_edit_work_calendar
from .services.calendar import calendar_day_delete, calendar_day_save, calendar_day_update


class WorkCalendarDayForm(ActorFormMixin, forms.ModelForm):
    class Meta:
        model = WorkCalendarDay
        fields = ["date", "is_workday", "name"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        values = {"date": data.get("date"), "is_workday": bool(data.get("is_workday")), "name": data.get("name") or ""}
        if self.instance.pk is None:
            self.run_checks(lambda: calendar_day_save(actor=self.actor, **values))
        else:
            self.run_checks(lambda: calendar_day_update(actor=self.actor, day=self.instance, **values))
        return data


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Holidays and 调休 working days for working-day SLA deadlines; days without a row follow the week.
    The page 工作日历 (/tickets/calendar/) is where administrators keep them; here the same services
    write (checks, audit row, the cached calendar forgotten)."""

    form = WorkCalendarDayForm
    list_display = ("date", "weekday", "is_workday", "name")
    list_filter = ("is_workday",)
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("date",)

    @admin.display(description=_("星期"))
    def weekday(self, obj: WorkCalendarDay) -> str:
        return weekday_label(obj.date)

    def has_add_permission(self, request):
        return can_edit_work_calendar(request.user)

    def has_change_permission(self, request, obj=None):
        return can_edit_work_calendar(request.user)

    def has_delete_permission(self, request, obj=None):
        return can_edit_work_calendar(request.user)

    def save_model(self, request, obj, form, change):
        values = {"date": obj.date, "is_workday": obj.is_workday, "name": obj.name}
        if change:
            calendar_day_update(actor=request.user, day=obj, request=request, **values)
        else:
            self.adopt(obj, calendar_day_save(actor=request.user, request=request, **values)[0])

    def delete_model(self, request, obj):
        calendar_day_delete(actor=request.user, day=obj, request=request)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            calendar_day_delete(actor=request.user, day=obj, request=request)


# --- the catalogue, Open311 keys and 四单 offerings: written through services/setup.py and orders.py ---

from django.contrib import messages  # noqa: E402

from gongzhi.territory.models import Node  # noqa: E402

from .models import Category, Open311Key, ServiceOffering  # noqa: E402
from .services import offering_set_active  # noqa: E402
from .services.setup import (  # noqa: E402
    CATALOGUE_LEVELS,  # noqa: E402
    category_create,
    category_update,
    open311_key_revoke,
)
from .services.setup import FIELDS as CATEGORY_FIELDS  # noqa: E402


class CategoryForm(ActorFormMixin, forms.ModelForm):
    class Meta:
        model = Category
        fields = ["area", "code", *CATEGORY_FIELDS, "attributes"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        values = {f: data.get(f) for f in CATEGORY_FIELDS}
        if self.instance.pk is None:
            self.run_checks(lambda: category_create(actor=self.actor, code=data.get("code"), area=data.get("area"),
                                                    **values))
        else:
            self.run_checks(lambda: category_update(actor=self.actor, category=self.instance, **values))
        return data


@admin.register(Category)
class CategoryAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = CategoryForm
    list_display = ("name", "code", "area", "group", "response_hours", "resolve_hours", "default_level", "active", "sort")
    list_filter = ("active", "default_level")
    list_select_related = ("area",)
    search_fields = ("name", "code", "keywords")

    def get_readonly_fields(self, request, obj=None):
        return ("area", "code") if obj else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["queryset"] = Node.objects.filter(level__in=CATALOGUE_LEVELS).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False  # tickets keep their category: stop using one by unticking 启用

    def save_model(self, request, obj, form, change):
        values = {f: form.cleaned_data.get(f) for f in CATEGORY_FIELDS}
        if change:
            category_update(actor=request.user, category=obj, request=request, **values)
        else:
            self.adopt(obj, category_create(actor=request.user, code=obj.code, area=obj.area, request=request,
                                            **values))
        if "attributes" in form.changed_data:  # Open311 attribute definitions: back-office only
            Category.objects.filter(pk=obj.pk).update(attributes=obj.attributes)


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):
    """Keys are created on the Open311 keys page (shown once there); here they are listed and revoked."""

    list_display = ("name", "prefix", "community", "user", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "prefix", "community__name")
    readonly_fields = ("name", "prefix", "community", "user", "active", "created_at")
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("吊销所选密钥"))
    def revoke(self, request, queryset):
        n = 0
        for key in queryset.filter(active=True).select_related("community"):
            open311_key_revoke(actor=request.user, key=key, request=request)
            n += 1
        messages.success(request, _("已吊销%(n)s个密钥") % {"n": n})


@admin.register(ServiceOffering)
class ServiceOfferingAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "community", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("title", "organisation__name")
    readonly_fields = ("organisation", "community", "title", "description", "active", "created_by", "created_at")
    actions = ["withdraw", "restore"]

    def has_add_permission(self, request):
        return False  # published on the organisation's 服务项目 page

    def has_delete_permission(self, request, obj=None):
        return False

    def _set(self, request, queryset, active: bool):
        for off in queryset:
            offering_set_active(actor=request.user, offering=off, active=active, request=request)

    @admin.action(description=_("下架所选服务项目"))
    def withdraw(self, request, queryset):
        self._set(request, queryset, False)

    @admin.action(description=_("重新上架所选服务项目"))
    def restore(self, request, queryset):
        self._set(request, queryset, True)
