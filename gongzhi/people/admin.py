from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    DualReport,
    MemberHousehold,
    Organisation,
    OrganisationMember,
    PartyMember,
    Resident,
    ResidentTag,
)
from .pinyin import name_pinyin
from .services import resident_view_full


class ResidentTagInline(admin.TabularInline):
    model = ResidentTag
    extra = 0


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ["name", "relation", "household", "masked_id", "masked_phone_display", "moved_out_on"]
    list_filter = ["relation", "gender", "tags__tag"]
    search_fields = ["name", "name_pinyin"]
    raw_id_fields = ["household", "user"]
    readonly_fields = ["name_pinyin"]
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

    def save_model(self, request, obj, form, change):
        obj.name_pinyin = name_pinyin(obj.name)
        super().save_model(request, obj, form, change)


class MemberHouseholdInline(admin.TabularInline):
    model = MemberHousehold
    raw_id_fields = ["household"]
    extra = 0


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


class OrganisationMemberInline(admin.TabularInline):
    model = OrganisationMember
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "community", "uscc", "has_party_org"]
    list_filter = ["kind", "has_party_org"]
    search_fields = ["name", "uscc"]
    raw_id_fields = ["community"]
    filter_horizontal = ["serves"]
    inlines = [OrganisationMemberInline]
