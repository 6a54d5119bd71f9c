from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "gongzhi.activities"
    label = "activities"
    verbose_name = "活动与志愿服务"
