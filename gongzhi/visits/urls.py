from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("", views.today, name="today"),
    path("sw.js", views.service_worker, name="sw"),
    path("record/", views.record, name="record"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/ticket/", views.file_ticket, name="file_ticket"),
    path("<int:pk>/wish/", views.file_wish, name="file_wish"),
    path("photo/<int:pk>/", views.photo, name="photo"),
    path("household/<int:pk>/", views.household, name="household"),
    path("changes/", views.changes, name="changes"),
    path("changes/<int:pk>/<str:action>/", views.change_decide, name="change_decide"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign, name="campaign"),
    path("campaigns/new/<int:community_pk>/", views.campaign_new, name="campaign_new"),
    path("rules/<int:community_pk>/", views.rules, name="rules"),
    path("measures/", views.measures, name="measures"),
    path("ledger.xlsx", views.ledger, name="ledger"),
]
