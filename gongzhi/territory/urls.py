from django.urls import path

from . import views, views_roles

app_name = "territory"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("nodes/<int:pk>/", views.node_detail, name="node"),
    path("grids/<int:pk>/", views.grid_detail, name="grid"),
    path("roles/", views_roles.role_list, name="roles"),
    path("roles/new/", views_roles.role_appoint, name="role_appoint"),
    path("roles/<int:pk>/end/", views_roles.role_end_term, name="role_end"),
]
