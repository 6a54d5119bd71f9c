from django.urls import path

from . import views, views_staff, views_wishes

app_name = "tickets"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.submit, name="submit"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("places/", views.places, name="places"),
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
    path("photos/<int:pk>/", views.attachment, name="attachment"),
    path("queue/", views_staff.queue, name="queue"),
    path("board/", views_staff.board, name="board"),
    path("supervision/", views_staff.supervision, name="supervision"),
    path("follow-ups/", views_staff.follow_ups, name="follow_ups"),
    path("stats/", views_staff.stats, name="stats"),
    path("stats.xlsx", views_staff.stats_xlsx, name="stats_xlsx"),
    path("wishes/", views_wishes.wall, name="wall"),
    path("wishes/new/", views_wishes.wish_new, name="wish_new"),
    path("wishes/<int:pk>/<slug:action>/", views_wishes.wish_act, name="wish_act"),
    path("orders/", views_wishes.orders, name="orders"),
    path("orders/offering/<int:offering_pk>/", views_wishes.order_new, name="order_new"),
    path("orders/<int:pk>/<slug:action>/", views_wishes.order_act, name="order_act"),
]
