from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo: made-up communities, people, tickets and evaluations (`manage.py load_demo`).
    Installed only for the demo and the tests (settings: GONGZHI_DEMO), never needed in production."""

    name = "gongzhi.demo"
    label = "demo"
    verbose_name = "演示数据"
