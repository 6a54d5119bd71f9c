from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gongzhi.core.admin_services import ActorFormMixin, ServiceAdminMixin

from .models import (
    DualReport,
    MemberHousehold,
    Organisation,
    OrganisationMember,
    PartyMember,
    Resident,
    ResidentTag,
)
from .services import (
    ORGANISATION_FIELDS,
    RESIDENT_FIELDS,
    organisation_create,
    organisation_update,
    resident_create,
    resident_update,
    resident_view_full,
)


class ReadOnlyInline(admin.TabularInline):
    """Shown for reference; changed on the application's pages, whose services audit the change."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ResidentTagInline(ReadOnlyInline):
    model = ResidentTag


class ResidentForm(ActorFormMixin, forms.ModelForm):
    """Validated by running resident_create / resident_update (rolled back): the same checks as the pages."""

    class Meta:
        model = Resident
        fields = ["household", "user", *RESIDENT_FIELDS]

    def _values(self, data):
        return {f: data.get(f) for f in RESIDENT_FIELDS if f in self.fields}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if self.instance.pk is None:
            if data.get("household"):
                values = {k: v for k, v in self._values(data).items() if v is not None}
                self.run_checks(lambda: resident_create(actor=self.actor, household=data["household"], **values))
        else:
            changes = {f: data.get(f) for f in self.changed_data if f in RESIDENT_FIELDS}
            if changes:
                self.run_checks(lambda: resident_update(actor=self.actor, resident=self.instance, **changes))
        return data


@admin.register(Resident)
class ResidentAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = ResidentForm
    list_display = ["name", "relation", "household", "masked_id", "masked_phone_display", "moved_out_on"]
    list_filter = ["relation", "gender", "tags__tag"]
    search_fields = ["name", "name_pinyin"]
    raw_id_fields = ["household", "user"]
    inlines = [ResidentTagInline]
    list_select_related = ["household"]

    @admin.display(description=_("身份证号"))
    def masked_id(self, obj):
        return obj.masked_id_number

    @admin.display(description=_("联系电话"))
    def masked_phone_display(self, obj):
        return obj.masked_phone

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The change form shows the full record: audit it like the resident page does.
        obj = self.get_object(request, object_id)
        if obj is not None and request.method == "GET":
            resident_view_full(actor=request.user, resident=obj, request=request, channel="admin")
        return super().change_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request, obj=None):
        # Moving house is 迁出 on the resident's page; the account link is made by 开通账号.
        return ["household", "user", "moved_out_on"] if obj else ["user", "moved_out_on"]

    def has_delete_permission(self, request, obj=None):
        return False  # a resident who leaves is moved out, the record is kept

    def save_model(self, request, obj, form, change):
        if not change:
            values = {f: getattr(obj, f) for f in RESIDENT_FIELDS if f in form.cleaned_data}
            self.adopt(obj, resident_create(actor=request.user, household=obj.household, **values))
            return
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in RESIDENT_FIELDS}
        if changes:
            resident_update(actor=request.user, resident=Resident.objects.get(pk=obj.pk), **changes)


class MemberHouseholdInline(ReadOnlyInline):
    model = MemberHousehold


@admin.register(PartyMember)
class PartyMemberAdmin(admin.ModelAdmin):
    list_display = ["__str__", "category", "party_org", "post", "shows_identity"]
    list_filter = ["category", "post"]
    search_fields = ["resident__name"]
    raw_id_fields = ["resident", "party_org"]
    inlines = [MemberHouseholdInline]


@admin.register(DualReport)
class DualReportAdmin(admin.ModelAdmin):
    list_display = ["member", "community", "status", "decided_by", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["member", "community", "decided_by"]


class OrganisationMemberInline(admin.TabularInline):  # who acts for the organisation: back-office only
    model = OrganisationMember
    raw_id_fields = ["user"]
    extra = 0


class OrganisationForm(ActorFormMixin, forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["community", *ORGANISATION_FIELDS, "serves"]

    def clean(self):
        data = super().clean()
        values = {f: data.get(f) for f in ORGANISATION_FIELDS}
        if not self.errors and self.instance.pk is None and data.get("community"):
            self.run_checks(lambda: organisation_create(actor=self.actor, community=data["community"], **values))
        elif not self.errors and self.instance.pk is not None:
            changes = {f: values[f] for f in self.changed_data if f in ORGANISATION_FIELDS}
            if changes:
                self.run_checks(lambda: organisation_update(actor=self.actor, organisation=self.instance, **changes))
        return data


@admin.register(Organisation)
class OrganisationAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = OrganisationForm
    list_display = ["name", "kind", "community", "uscc", "has_party_org"]
    list_filter = ["kind", "has_party_org"]
    search_fields = ["name", "uscc"]
    raw_id_fields = ["community"]
    filter_horizontal = ["serves"]
    inlines = [OrganisationMemberInline]

    def get_readonly_fields(self, request, obj=None):
        return ["community"] if obj else []

    def save_model(self, request, obj, form, change):
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in ORGANISATION_FIELDS}
        if change and changes:
            organisation_update(actor=request.user, organisation=Organisation.objects.get(pk=obj.pk), **changes)
        elif not change:
            self.adopt(obj, organisation_create(actor=request.user, community=obj.community,
                                                **{f: form.cleaned_data.get(f) for f in ORGANISATION_FIELDS}))
