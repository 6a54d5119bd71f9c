from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import WorkCalendarDay

WEEKDAYS = "一二三四五六日"


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(admin.ModelAdmin):
    """Holidays and 调休 working days for working-day SLA deadlines; days without a row follow the week."""

    list_display = ("date", "weekday", "is_workday", "name")
    list_filter = ("is_workday",)
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("date",)

    @admin.display(description=_("星期"))
    def weekday(self, obj: WorkCalendarDay) -> str:
        return "周" + WEEKDAYS[obj.date.weekday()]
