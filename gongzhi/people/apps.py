from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "gongzhi.people"
    verbose_name = "人员与组织"
