from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "gongzhi.dashboard"
    verbose_name = "看板与公示"
