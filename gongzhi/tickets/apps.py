from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "gongzhi.tickets"
    verbose_name = "诉求工单"

    def ready(self):
        from . import catalogue  # noqa: F401  (connects the cache-clearing signals)
