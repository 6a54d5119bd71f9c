from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "gongzhi.evaluation"
    verbose_name = "积分考评"
