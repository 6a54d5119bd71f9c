"""The territory in the back office. Every write goes through territory.services (the same checks
and audit rows as the pages): a node's parent, level and path are not editable here (moves re-path
through services_setup.node_move on the set-up pages), grids keep their community and kind, households
move between micro-grids through household_move, roles are given by role_assign and ended by role_end."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import audit_record
from gongzhi.core.admin_services import ActorFormMixin, ServiceAdminMixin

from .models import FunctionTag, Grid, Household, Node, PartyOrg, RoleAssignment
from .services import grid_create, household_create, household_move, node_rename, role_assign, role_end
from .services_setup import grid_update


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "code", "path"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    fields = ["name", "level", "code", "parent", "path", "depth"]
    readonly_fields = ["level", "code", "parent", "path", "depth"]

    def has_add_permission(self, request):
        # Nodes get their materialized path from territory.services.node_add (pages, division import).
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # retired on the set-up pages (node_retire checks nothing lives there)

    def save_model(self, request, obj, form, change):
        if "name" in form.changed_data:
            node_rename(actor=request.user, node=Node.objects.get(pk=obj.pk), name=obj.name)


@admin.register(FunctionTag)
class FunctionTagAdmin(admin.ModelAdmin):
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action=AuditLog.Action.UPDATE if change else AuditLog.Action.CREATE,
                     target=obj, request=request)


class GridForm(ActorFormMixin, forms.ModelForm):
    class Meta:
        model = Grid
        fields = ["community", "parent", "code", "name", "tags", "note"]

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and data.get("community") and not self.errors:
            self.run_checks(lambda: grid_create(actor=self.actor, community=data["community"], code=data.get("code"),
                                                name=data.get("name"), parent=data.get("parent"),
                                                note=data.get("note") or ""))
        return data


@admin.register(Grid)
class GridAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = GridForm
    list_display = ["name", "code", "kind", "community", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "code", "community__name"]
    raw_id_fields = ["community", "parent"]
    filter_horizontal = ["tags"]

    def get_readonly_fields(self, request, obj=None):
        return ["community", "parent", "code", "kind"] if obj else ["kind"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            # tags are saved with save_related: the audit row is written there
            return
        self.adopt(obj, grid_create(actor=request.user, community=obj.community, code=obj.code, name=obj.name,
                                    parent=obj.parent, note=obj.note))

    def save_related(self, request, form, formsets, change):
        if change:
            grid_update(actor=request.user, grid=form.instance, name=form.cleaned_data["name"],
                        tags=list(form.cleaned_data["tags"]), note=form.cleaned_data.get("note", ""), request=request)
        else:
            super().save_related(request, form, formsets, change)


class HouseholdForm(ActorFormMixin, forms.ModelForm):
    class Meta:
        model = Household
        fields = ["node", "micro_grid", "number", "address", "note"]

    def clean(self):
        data = super().clean()
        if self.errors or not (data.get("node") and data.get("micro_grid")):
            return data
        if self.instance.pk is None:
            self.run_checks(lambda: household_create(actor=self.actor, node=data["node"], micro_grid=data["micro_grid"],
                                                     number=data.get("number"), audit=False))
        else:
            self.run_checks(lambda: household_move(actor=self.actor, household=self.instance, node=data["node"],
                                                   micro_grid=data["micro_grid"]))
        return data


@admin.register(Household)
class HouseholdAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = HouseholdForm
    list_display = ["address", "number", "micro_grid"]
    search_fields = ["address", "number"]
    raw_id_fields = ["node", "micro_grid"]
    readonly_fields = ["node_path"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            self.adopt(obj, household_create(actor=request.user, node=obj.node, micro_grid=obj.micro_grid,
                                             number=obj.number, address=obj.address, note=obj.note))
            return
        if {"node", "micro_grid"} & set(form.changed_data):
            household_move(actor=request.user, household=obj, node=obj.node, micro_grid=obj.micro_grid)
        rest = [f for f in form.changed_data if f in ("number", "address", "note")]
        if rest:
            Household.objects.filter(pk=obj.pk).update(**{f: getattr(obj, f) for f in rest})
            audit_record(actor=request.user, action=AuditLog.Action.UPDATE, target=obj, detail={"fields": rest},
                         request=request)


@admin.register(PartyOrg)
class PartyOrgAdmin(admin.ModelAdmin):
    """Read here; built on the community set-up page (party_org_create checks the tree's shape)."""

    list_display = ["name", "kind", "parent", "node", "grid"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["parent", "node", "grid", "household"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


TARGETS = ("node", "grid", "party_org", "household")


class RoleAssignmentForm(ActorFormMixin, forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ["user", "role", *TARGETS, "start_date", "end_date", "note"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if self.instance.pk is None:
            targets = [data.get(f) for f in TARGETS if data.get(f)]
            if len(targets) != 1:
                raise forms.ValidationError(_("区划、网格、党组织、户四项中须且只能填写一项"))
            self.run_checks(lambda: role_assign(actor=self.actor, user=data["user"], role=data["role"],
                                                target=targets[0], start_date=data.get("start_date"),
                                                end_date=data.get("end_date"), note=data.get("note") or ""))
        elif "end_date" in self.changed_data and data.get("end_date"):
            self.run_checks(lambda: role_end(actor=self.actor, assignment=self.instance, end_date=data["end_date"]))
        return data


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = RoleAssignmentForm
    list_display = ["user", "role", "node", "grid", "party_org", "household", "start_date", "end_date"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__name", "node__name", "grid__name"]
    raw_id_fields = ["user", "node", "grid", "party_org", "household"]

    def get_readonly_fields(self, request, obj=None):
        # A term, once given, is only ended (卸任): its holder, role, place and start stay as they were.
        return ["user", "role", *TARGETS, "start_date", "note"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            target = next(getattr(obj, f) for f in TARGETS if getattr(obj, f + "_id"))
            self.adopt(obj, role_assign(actor=request.user, user=obj.user, role=obj.role, target=target,
                                        start_date=obj.start_date, end_date=obj.end_date, note=obj.note,
                                        request=request))
        elif "end_date" in form.changed_data and obj.end_date:
            role_end(actor=request.user, assignment=RoleAssignment.objects.get(pk=obj.pk), end_date=obj.end_date,
                     request=request)
