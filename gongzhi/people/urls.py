from django.urls import path

from . import views, views_accounts, views_edit, views_orgs

app_name = "people"

urlpatterns = [
    path("residents/", views.residents, name="residents"),
    path("residents/<int:pk>/", views.resident, name="resident"),
    path("residents/<int:pk>/tags/", views.resident_tags, name="resident_tags"),
    path("residents/<int:pk>/move-out/", views.resident_move_out, name="resident_move_out"),
    path("residents/<int:pk>/edit/", views_edit.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/party-member/", views_edit.party_member_new, name="party_member_new"),
    path("residents/<int:pk>/account/", views_accounts.resident_account, name="resident_account"),
    path("households/<int:pk>/", views.household, name="household"),
    path("my-households/", views.my_households, name="my_households"),
    path("households/<int:household_pk>/residents/new/", views.resident_new, name="resident_new"),
    path("members/", views.members, name="members"),
    path("dual-reports/", views.dual_reports, name="dual_reports"),
    path("dual-reports/<int:pk>/", views.dual_report, name="dual_report"),
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/new/", views.organisation_new, name="organisation_new"),
    path("organisations/<int:pk>/edit/", views_orgs.organisation_edit, name="organisation_edit"),
    path("members/<int:pk>/households/", views_orgs.member_households, name="member_households"),
    path("import/", views.ledger_import, name="import"),
    path("import/template.xlsx", views.ledger_template, name="import_template"),
    path("export.xlsx", views.ledger_export, name="export"),
]
