"""Account use cases: login with lock-out, audit records, API tokens."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken, AuditLog, User


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *, actor: User | None, action: str, target=None, target_type: str = "", target_id="", label: str = "",
    detail: dict | None = None, request=None,
) -> AuditLog:
    """Write one audit row. `target` may be a model instance; its type, pk and str() are recorded."""
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
        label = label or str(target)
    return AuditLog.objects.create(
        actor=actor if (actor is not None and actor.is_authenticated) else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id or ""),
        target_label=label[:200],
        detail=detail or {},
        ip=client_ip(request),
    )


def find_user(login: str) -> User | None:
    login = (login or "").strip()
    if not login:
        return None
    field = "phone" if login.isdigit() and len(login) == 11 else "username"
    return User.objects.filter(**{field: login}).first()


def user_login(*, request, login: str, password: str) -> User:
    """Authenticate by username or phone. After LOGIN_MAX_FAILURES failures the account is locked for
    LOGIN_LOCK_MINUTES; a locked account is refused even with the right password."""
    now = timezone.now()
    user = find_user(login)
    if user is not None and user.is_locked(now):
        audit_record(actor=None, action=AuditLog.Action.LOGIN_FAILED, target=user, detail={"reason": "locked"},
                     request=request)
        raise PermissionDenied(_("账号已锁定，请在%(m)s分钟后再试或联系管理员") % {"m": settings.LOGIN_LOCK_MINUTES})
    authed = authenticate(request, username=login, password=password)
    if authed is None:
        if user is not None:
            _register_failure(user, now, request)
        else:
            audit_record(actor=None, action=AuditLog.Action.LOGIN_FAILED, target_type="accounts.user",
                         label=login[:50], request=request)
        raise ValidationError(_("用户名/手机号或密码不正确"), code="bad_login")
    if authed.failed_logins or authed.locked_until:
        User.objects.filter(pk=authed.pk).update(failed_logins=0, locked_until=None)
        authed.failed_logins, authed.locked_until = 0, None
    audit_record(actor=authed, action=AuditLog.Action.LOGIN, target=authed, request=request)
    return authed


@transaction.atomic
def _register_failure(user: User, now, request) -> None:
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins"])
    audit_record(actor=None, action=AuditLog.Action.LOGIN_FAILED, target=user,
                 detail={"failures": user.failed_logins}, request=request)
    if user.failed_logins >= settings.LOGIN_MAX_FAILURES:
        until = now + timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
        User.objects.filter(pk=user.pk).update(locked_until=until, failed_logins=0)
        audit_record(actor=None, action=AuditLog.Action.LOCKED, target=user, detail={"until": until.isoformat()},
                     request=request)


def user_unlock(*, actor: User, user: User) -> None:
    if not actor.is_superuser:
        raise PermissionDenied
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=user, detail={"unlock": True})


def token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for the actor; returns the row and the plain key (shown once, never stored)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("请填写令牌名称")]})
    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=actor, name=name[:100], prefix=key[3:9], key_hash=ApiToken.hash_key(key))
    audit_record(actor=actor, action=AuditLog.Action.TOKEN, target=token, detail={"op": "create"})
    return token, key


def token_revoke(*, actor: User, token: ApiToken) -> None:
    if token.user_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(actor=actor, action=AuditLog.Action.TOKEN, target=token, detail={"op": "revoke"})


def token_user(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
