from django.urls import path

from . import views

app_name = "points"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("history/", views.history, name="history"),
    path("consent/", views.consent, name="consent"),
    path("shop/", views.shop, name="shop"),
    path("shop/<int:pk>/", views.order, name="order"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("staff/", views.staff, name="staff"),
    path("staff/rules/", views.rules, name="rules"),
    path("staff/items/", views.items, name="items"),
    path("staff/items/<int:pk>/", views.item_stock, name="item_stock"),
    path("staff/counter/", views.counter, name="counter"),
    path("staff/orders/<int:pk>/collect/", views.order_collect, name="order_collect"),
    path("staff/award/", views.award, name="award"),
    path("staff/accounts/<int:pk>/", views.account, name="account"),
    path("staff/entries/<int:pk>/reverse/", views.entry_reverse, name="entry_reverse"),
    path("staff/ledger.xlsx", views.ledger, name="ledger"),
]
