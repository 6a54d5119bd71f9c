from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "gongzhi.tickets"
    verbose_name = _("诉求工单")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import catalogue  # noqa: F401  (connects the cache-clearing signals)
        from .deadlines import calendar_changed
        from .models import WorkCalendarDay

        post_save.connect(calendar_changed, sender=WorkCalendarDay, dispatch_uid="tickets_calendar_saved")
        post_delete.connect(calendar_changed, sender=WorkCalendarDay, dispatch_uid="tickets_calendar_deleted")
