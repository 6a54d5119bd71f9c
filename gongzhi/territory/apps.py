from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "gongzhi.territory"
    verbose_name = "区划与网格"
