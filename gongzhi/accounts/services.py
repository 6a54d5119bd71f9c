"""Account use cases: login with lock-out, audit records, API tokens."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken, AuditLog, Notification, User


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies (nginx) the address
    they appended to X-Forwarded-For (never an address the client wrote itself). Axes counts by it."""
    if request is None:
        return None
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops][:45]
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
    if not login or len(login) > 150 or "\x00" in login:  # PostgreSQL refuses NUL in a query
        return None
    field = "phone" if login.isdigit() and len(login) == 11 else "username"
    return User.objects.filter(**{field: login}).first()


def login_attempt_allowed(user: User, now=None) -> bool:
    """False while the account's delay after repeated failures runs (see record_login_failure)."""
    return not user.is_locked(now)


def login_delay_seconds(failures: int) -> int:
    """The wait before the next try once an account has twice LOGIN_MAX_FAILURES consecutive failures
    from anywhere (one address alone meets axes' lock-out first): 5 s, 10 s, 20 s … up to
    LOGIN_DELAY_MAX_SECONDS. A delay, not a lock, so that nobody can keep a user out by typing wrong
    passwords for them."""
    extra = failures - 2 * settings.LOGIN_MAX_FAILURES
    if extra < 0:
        return 0
    return min(5 * 2 ** min(extra, 16), settings.LOGIN_DELAY_MAX_SECONDS)


def record_login_failure(*, user: User | None, login: str, request, reason: str = "password") -> None:
    """Audit one failed login (also for an unknown account) and, for a known one, count it and start
    the delay. Called by the authentication backend, so every way in is counted."""
    channel = _channel(request)
    if user is None:
        label = "".join(ch for ch in (login or "")[:50] if ch.isprintable())
        audit_record(actor=None, action=AuditLog.Action.LOGIN_FAILED, target_type="accounts.user",
                     label=label, detail={"reason": "unknown", "via": channel}, request=request)
        return
    if reason == "delay":
        audit_record(actor=None, action=AuditLog.Action.LOGIN_FAILED, target=user,
                     detail={"reason": "delay", "via": channel}, request=request)
        return
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user.refresh_from_db(fields=["failed_logins"])
        audit_record(actor=None, action=AuditLog.Action.LOGIN_FAILED, target=user,
                     detail={"reason": reason, "failures": user.failed_logins, "via": channel}, request=request)
        delay = login_delay_seconds(user.failed_logins)
        if delay:
            until = timezone.now() + timedelta(seconds=delay)
            User.objects.filter(pk=user.pk).update(locked_until=until)
            user.locked_until = until
            audit_record(actor=None, action=AuditLog.Action.LOCKED, target=user,
                         detail={"until": until.isoformat(), "delay_seconds": delay}, request=request)


def address_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """Axes locked a client address out (for one account or for all): one audit row."""
    user = find_user(username or "")
    audit_record(actor=None, action=AuditLog.Action.LOCKED, target=user, target_type="accounts.user",
                 label="" if user else "".join(ch for ch in (username or "")[:50] if ch.isprintable()),
                 detail={"address": ip_address, "minutes": settings.LOGIN_LOCK_MINUTES, "via": _channel(request)},
                 request=request)


def axes_username(request, credentials=None) -> str:
    """The login as axes records it: at most 150 printable characters (hostile input must not crash it)."""
    if credentials:
        raw = credentials.get("username")
    else:
        raw = getattr(request, "POST", {}).get("username") or getattr(request, "POST", {}).get("login")
    return "".join(ch for ch in str(raw or "")[:150] if ch.isprintable())


def _channel(request) -> str:
    path = getattr(request, "path", "") or ""
    if path.startswith("/admin/"):
        return "admin"
    if path.startswith("/api/"):
        return "api"
    return "page"


def password_expired(user: User, now=None) -> bool:
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days or user.password_changed_at is None:
        return False
    return user.password_changed_at < (now or timezone.now()) - timedelta(days=days)


def user_login(*, request, login: str, password: str) -> User:
    """Authenticate by username or phone. Failures are counted per address by axes (a lock-out of
    LOGIN_LOCK_MINUTES) and per account by the backend (a growing delay)."""
    if not login or len(login) > 150 or len(password or "") > 4096 or "\x00" in login + (password or ""):
        # What the page's and the admin's forms refuse before authenticate(); the API arrives here.
        record_login_failure(user=None, login=login, request=request)
        raise ValidationError(_("用户名/手机号或密码不正确"), code="bad_login")
    authed = authenticate(request, username=login, password=password)
    if getattr(request, "axes_locked_out", False):
        raise PermissionDenied(
            _("登录失败次数过多，请在%(m)s分钟后再试或联系管理员") % {"m": settings.LOGIN_LOCK_MINUTES}
        )
    if authed is None:
        user = find_user(login)
        if user is not None and user.is_locked():
            wait = max(1, int((user.locked_until - timezone.now()).total_seconds()) + 1)
            raise PermissionDenied(_("账号已锁定，请在%(s)s秒后再试") % {"s": wait})
        raise ValidationError(_("用户名/手机号或密码不正确"), code="bad_login")
    if authed.failed_logins or authed.locked_until:
        User.objects.filter(pk=authed.pk).update(failed_logins=0, locked_until=None)
        authed.failed_logins, authed.locked_until = 0, None
    audit_record(actor=authed, action=AuditLog.Action.LOGIN, target=authed, detail={"via": _channel(request)},
                 request=request)
    return authed


def user_unlock(*, actor: User, user: User) -> None:
    if not actor.is_superuser:
        raise PermissionDenied
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=user, detail={"unlock": True})


def tokens_revoke_all(*, user: User, reason: str, actor: User | None = None, request=None) -> int:
    n = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if n:
        audit_record(actor=actor, action=AuditLog.Action.TOKEN, target=user,
                     detail={"op": "revoke_all", "reason": reason, "count": n}, request=request)
    return n


@transaction.atomic
def password_changed(*, actor: User | None, user: User, request=None) -> None:
    """After a password change (own page, admin, command): audited, every API token revoked.
    password_changed_at is stamped by User.set_password."""
    audit_record(actor=actor, action=AuditLog.Action.PASSWORD, target=user, request=request)
    tokens_revoke_all(user=user, reason="password", actor=actor, request=request)


@transaction.atomic
def user_deactivated(*, actor: User | None, user: User, request=None) -> None:
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=user, detail={"is_active": False}, request=request)
    tokens_revoke_all(user=user, reason="deactivated", actor=actor, request=request)


def can_read_audit_log(user) -> bool:
    """三员分立: the auditor reads the log; a system administrator (superuser) never does, even if the
    flag was somehow set on its row."""
    return bool(user.is_authenticated and user.is_active and user.is_auditor and not user.is_superuser)


@transaction.atomic
def user_set_auditor(*, actor: User | None, user: User, value: bool, request=None) -> None:
    """Grant or withdraw auditor rights. Only another auditor may do it (actor=None: the
    `grant_auditor` management command, run by whoever holds the server). Never to a superuser."""
    if actor is not None and (not can_read_audit_log(actor) or actor.pk == user.pk):
        raise PermissionDenied(_("只有另一名审计员能授予或撤销审计员权限"))
    if value and user.is_superuser:
        raise ValidationError(_("系统管理员不能同时是审计员（三员分立）"))
    User.objects.filter(pk=user.pk).update(is_auditor=value)
    user.is_auditor = value
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=user,
                 detail={"is_auditor": value, "via": "command" if actor is None else "auditor"}, request=request)


def token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for the actor; returns the row and the plain key (shown once, never stored)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("请填写令牌名称")]})
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=actor, name=name[:100], prefix=key[3:9], key_hash=ApiToken.hash_key(key),
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_DAYS),
    )
    audit_record(actor=actor, action=AuditLog.Action.TOKEN, target=token, detail={"op": "create"})
    return token, key


def token_revoke(*, actor: User, token: ApiToken) -> None:
    if token.user_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(actor=actor, action=AuditLog.Action.TOKEN, target=token, detail={"op": "revoke"})


def token_user(key: str) -> User | None:
    """The user of a live token: not revoked, not expired, its user active and the password unchanged
    since the token was made."""
    now = timezone.now()
    try:  # key_hash is unique: get() needs no ORDER BY, which first() would add
        token = ApiToken.objects.select_related("user").get(
            key_hash=ApiToken.hash_key(key), revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)
    except ApiToken.DoesNotExist:
        return None
    changed = token.user.password_changed_at
    if changed is not None and changed > token.created_at:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def notifications_mark_read(*, actor: User) -> int:
    """Mark all of the actor's unread notices read; returns how many."""
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())
