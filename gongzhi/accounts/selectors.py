"""Reads of accounts' rows a user can reach."""

from django.db.models import QuerySet
from django.http import Http404

from .models import AuditLog, Notification
from .services import can_read_audit_log


def audit_log(user, *, action: str = "") -> QuerySet[AuditLog]:
    """The audit log, newest first, for auditors only (anyone else, the administrator too: not found)."""
    if not can_read_audit_log(user):
        raise Http404
    qs = AuditLog.objects.select_related("actor").order_by("-at", "-id")
    if action in AuditLog.Action.values:
        qs = qs.filter(action=action)
    return qs


def inbox(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")
