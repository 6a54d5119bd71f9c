from django.urls import path

from .views import juror, public, staff

app_name = "evaluation"
urlpatterns = [
    path("", staff.index, name="index"),
    path("rulesets/new/", staff.rule_set_new, name="rule_set_new"),
    path("rulesets/<int:pk>/", staff.rule_set_detail, name="rule_set"),
    path("rulesets/<int:pk>/versions/", staff.version_new, name="version_new"),
    path("rulesets/<int:pk>/jurors/", staff.juror_new, name="juror_new"),
    path("rulesets/<int:pk>/jurors/<int:juror_id>/remove/", staff.juror_remove, name="juror_remove"),
    path("rulesets/<int:pk>/periods/", staff.period_new, name="period_new"),
    path("rulesets/<int:pk>/awards/", staff.awards_new, name="awards_new"),
    path("rulesets/<int:pk>/awards/<int:year>/revoke/", staff.awards_revoke, name="awards_revoke"),
    path("rulesets/<int:pk>/subsidies/", staff.subsidy_new, name="subsidy_new"),
    path("versions/<int:pk>/", staff.version_detail, name="version"),
    path("items/<int:pk>/", staff.item_action, name="item_action"),
    path("periods/<int:pk>/", staff.period_detail, name="period"),
    path("periods/<int:pk>/action/", staff.period_action, name="period_action"),
    path("periods/<int:pk>/close/", staff.period_close, name="period_close"),
    path("periods/<int:pk>/jurors/", staff.period_juror_new, name="period_juror_new"),
    path("periods/<int:pk>/jurors/<int:seat_id>/remove/", staff.period_juror_remove, name="period_juror_remove"),
    path("periods/<int:pk>/subjects/<int:subject_id>/", staff.subject_detail, name="subject"),
    path("periods/<int:pk>/subjects/<int:subject_id>/photos/<int:sheet_id>/", staff.sheet_photo, name="sheet_photo"),
    path("score/", juror.my_periods, name="juror_periods"),
    path("score/<int:pk>/", juror.period_subjects, name="juror_period"),
    path("score/<int:pk>/<int:subject_id>/", juror.score_subject, name="score_subject"),
    path("board/<int:compound_id>/", public.board, name="board"),
    path("board/<int:compound_id>/ledger/<int:rule_set_id>.xlsx", public.ledger, name="ledger"),
]
