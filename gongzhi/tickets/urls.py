from django.urls import path

from . import views, views_catalogue, views_offerings, views_staff, views_wishes

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
    path("offerings/org/<int:org_pk>/", views_offerings.offerings, name="offerings"),
    path("offerings/<int:pk>/toggle/", views_offerings.offering_toggle, name="offering_toggle"),
    path("catalogue/", views_catalogue.catalogue, name="catalogue"),
    path("catalogue/standard/", views_catalogue.catalogue_standard, name="catalogue_standard"),
    path("catalogue/new/", views_catalogue.category_edit, name="category_new"),
    path("catalogue/<int:pk>/", views_catalogue.category_edit, name="category_edit"),
    path("open311-keys/", views_catalogue.open311_keys, name="open311_keys"),
    path("open311-keys/<int:pk>/revoke/", views_catalogue.open311_key_revoke_view, name="open311_key_revoke"),
]
