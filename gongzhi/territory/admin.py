from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import FunctionTag, Grid, Household, Node, PartyOrg, RoleAssignment
from .services import check_household_place, check_role_target


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


class RoleAssignmentForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "node", "grid", "party_org", "household", "start_date", "end_date", "note"]

    def clean(self):
        data = super().clean()
        targets = [data.get(f) for f in ("node", "grid", "party_org", "household") if data.get(f)]
        if len(targets) != 1:
            raise forms.ValidationError(_("区划、网格、党组织、户四项中须且只能填写一项"))
        if data.get("role"):
            check_role_target(data["role"], targets[0])
        return data


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    form = RoleAssignmentForm
    list_display = ["user", "role", "node", "grid", "party_org", "household", "start_date", "end_date"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__name", "node__name", "grid__name"]
    raw_id_fields = ["user", "node", "grid", "party_org", "household"]
