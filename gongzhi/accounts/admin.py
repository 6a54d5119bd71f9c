from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import ApiToken, AuditLog, User

WATCHED = ["is_active", "is_staff", "is_superuser", "groups", "user_permissions", "username", "phone"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "name", "phone", "is_active", "is_staff", "is_auditor", "locked_until"]
    search_fields = ["username", "name"]  # phone is sealed at rest: no partial search on it
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("共治"), {"fields": ["name", "phone", "is_auditor", "failed_logins", "locked_until", "password_changed_at"]}),
    )
    # 三员分立: auditor rights come only from another auditor or the grant_auditor command.
    readonly_fields = ["is_auditor", "password_changed_at", "last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = [f for f in WATCHED if f in form.changed_data]
        if change and changed:
            services.audit_record(actor=request.user, action=AuditLog.Action.UPDATE, target=obj,
                                  detail={"admin_changed": changed}, request=request)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.user_deactivated(actor=request.user, user=obj, request=request)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            services.password_changed(actor=request.user, user=User.objects.get(pk=id), request=request)
        return response


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by their owner (POST /api/token); here they are listed and revoked (audited)."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        from .services import token_revoke

        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(actor=request.user, token=token)


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only, and only for auditors: the log is kept, never edited."""

    list_display = ["at", "actor", "action", "target_type", "target_label", "ip"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_label", "actor__username", "actor__name"]
    date_hierarchy = "at"

    def has_module_permission(self, request):
        return services.can_read_audit_log(request.user)

    def has_view_permission(self, request, obj=None):
        return services.can_read_audit_log(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
