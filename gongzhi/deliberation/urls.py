from django.urls import path

from .views import public, staff

app_name = "deliberation"
urlpatterns = [
    path("", staff.index, name="index"),
    path("topics/new/", staff.topic_new, name="topic_new"),
    path("topics/<int:pk>/", staff.topic_detail, name="topic"),
    path("topics/<int:pk>/do/<slug:name>/", staff.topic_action, name="action"),
    path("topics/<int:pk>/print/", staff.topic_print, name="print"),
    path("topics/<int:pk>/signin/<str:token>/", staff.signin, name="signin"),
    path("places/<int:node_id>/settings/", staff.place_settings, name="settings"),
    path("register/<int:compound_id>/", staff.register_import, name="register"),
    path("ledger.xlsx", staff.ledger_xlsx, name="ledger"),
    path("votes/<int:pk>/tally.xlsx", staff.tally_xlsx, name="tally_xlsx"),
    path("my/", public.mine, name="mine"),
    path("my/propose/", public.propose, name="propose"),
    path("board/<int:node_id>/", public.board, name="board"),
    path("board/<int:node_id>/<int:pk>/", public.board_topic, name="board_topic"),
]
