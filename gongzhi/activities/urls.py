from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("records/", views.records, name="records"),
    path("records/<str:issuer>/<int:pk>/", views.volunteer_records, name="volunteer_records"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/manage/", views.manage, name="manage"),
    path("<int:pk>/code/", views.code, name="code"),
    path("<int:pk>/cancel/", views.activity_cancel, name="activity_cancel"),
    path("<int:pk>/beneficiaries/", views.beneficiaries, name="beneficiaries"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("shifts/<int:pk>/signup/", views.signup, name="signup"),
    path("signups/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("signups/<int:pk>/tick/", views.tick, name="tick"),
    path("signups/<int:pk>/hours/", views.hours, name="hours"),
    path("signups/<int:pk>/certificate/", views.certificate_new, name="certificate_new"),
    path("certificates/<int:pk>/", views.certificate, name="certificate"),
    path("scan/<str:token>/", views.scan, name="scan"),
    path("verify/", views.verify, name="verify"),
    path("board/<int:pk>/", views.board, name="board"),
    path("ledger.xlsx", views.ledger, name="ledger"),
]
