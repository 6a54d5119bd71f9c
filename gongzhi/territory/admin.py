from django import forms
from django.contrib import admin

from .models import FunctionTag, Grid, Household, Node, PartyOrg, RoleAssignment
from .services import check_household_place


class HouseholdForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = ["node", "micro_grid", "number", "address", "note"]

    def clean(self):
        data = super().clean()
        if data.get("node") and data.get("micro_grid"):
            check_household_place(data["node"], data["micro_grid"])
        return data


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "code", "path"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "depth"]

    def has_add_permission(self, request):
        # Nodes get their materialized path from territory.services.node_add, not from a raw form.
        return False


@admin.register(FunctionTag)
class FunctionTagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "community", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "code", "community__name"]
    raw_id_fields = ["community", "parent"]
    filter_horizontal = ["tags"]


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    form = HouseholdForm
    list_display = ["address", "number", "micro_grid"]
    search_fields = ["address", "number"]
    raw_id_fields = ["node", "micro_grid"]
    readonly_fields = ["node_path"]

    def save_model(self, request, obj, form, change):
        obj.node_path = obj.node.path
        super().save_model(request, obj, form, change)


@admin.register(PartyOrg)
class PartyOrgAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "node", "grid"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["parent", "node", "grid", "household"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "node", "grid", "party_org", "household", "start_date", "end_date"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__name", "node__name", "grid__name"]
    raw_id_fields = ["user", "node", "grid", "party_org", "household"]
