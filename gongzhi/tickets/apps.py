from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "gongzhi.tickets"
    verbose_name = "诉求工单"
