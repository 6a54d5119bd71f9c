from django.urls import path

from . import views, views_divisions, views_grids, views_party, views_places, views_roles, views_tokens

app_name = "territory"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("nodes/<int:pk>/", views.node_detail, name="node"),
    path("grids/<int:pk>/", views.grid_detail, name="grid"),
    path("roles/", views_roles.role_list, name="roles"),
    path("roles/new/", views_roles.role_appoint, name="role_appoint"),
    path("roles/<int:pk>/end/", views_roles.role_end_term, name="role_end"),
    # Set-up pages (issue 8): places, grids, accounts.
    path("setup/", views_places.setup_index, name="setup"),
    path("setup/divisions/", views_divisions.divisions, name="setup_divisions"),
    path("setup/<int:pk>/", views_places.community_setup, name="setup_community"),
    path("setup/<int:pk>/build/", views_places.place_builder, name="setup_build"),
    path("setup/<int:pk>/party/", views_party.party_orgs, name="setup_party"),
    path("setup/<int:pk>/grids/new/", views_grids.grid_new, name="setup_grid_new"),
    path("setup/places/<int:pk>/add/", views_places.place_add, name="setup_place_add"),
    path("setup/places/<int:pk>/", views_places.place_edit, name="setup_place"),
    path("setup/places/<int:pk>/retire/", views_places.place_retire, name="setup_place_retire"),
    path("setup/grids/<int:pk>/", views_grids.grid_edit, name="setup_grid"),
    path("tokens/area/", views_tokens.area_token_list, name="area_tokens"),
    path("tokens/<int:pk>/revoke/", views_tokens.token_revoke_view, name="token_revoke"),
    path("setup/accounts/new/", views_places.account_new, name="setup_account"),
]
