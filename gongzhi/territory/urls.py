from django.urls import path

from . import views

app_name = "territory"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("nodes/<int:pk>/", views.node_detail, name="node"),
    path("grids/<int:pk>/", views.grid_detail, name="grid"),
]
