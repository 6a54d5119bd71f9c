import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.fields import BlindIndexField, EncryptedTextField
from gongzhi.core.validators import validate_mobile


class User(AbstractUser):
    """An account. What it may see comes from its role assignments (territory.RoleAssignment)."""

    name = models.CharField(_("姓名"), max_length=50, blank=True)
    # Sealed at rest (core/fields.py); found and kept unique through the keyed hash in phone_index.
    phone = EncryptedTextField(
        _("手机号"), max_length=11, null=True, blank=True, validators=[validate_mobile], index_field="phone_index"
    )
    phone_index = BlindIndexField(source="phone", unique=True, null=True, blank=True)
    is_auditor = models.BooleanField(
        _("审计员"), default=False, help_text=_("只有审计员能查看审计日志。")
    )
    failed_logins = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def display_name(self) -> str:
        return self.name or self.username

    def validate_unique(self, exclude=None):
        """The phone is unique through its blind index, which no form shows: checked here too, so that a
        form (the admin's among them) answers with a message instead of an IntegrityError."""
        super().validate_unique(exclude)
        if self.phone and "phone" not in (exclude or ()):
            if User.objects.filter(phone=self.phone).exclude(pk=self.pk).exists():
                raise ValidationError({"phone": _("该手机号已绑定其他账号")})

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def is_locked(self, now=None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for API clients. Only the SHA-256 of the key is stored; the key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("到期时间"))

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_key() -> str:
        return "gz_" + secrets.token_urlsafe(32)

    @staticmethod
    def hash_key(key: str) -> str:
        return _hash_key(key)


def audit_cutoff():
    """Rows younger than this are kept, whatever asks (Cybersecurity Law Art. 21: at least 6 months)."""
    return timezone.now() - timedelta(days=max(180, settings.AUDIT_KEEP_DAYS))


class AuditLogQuerySet(models.QuerySet):
    def delete(self):
        if self.filter(at__gte=audit_cutoff()).exists():
            raise PermissionDenied("audit rows younger than AUDIT_KEEP_DAYS are never deleted")
        return super().delete()


class AuditLog(models.Model):
    """Append-only record of who viewed or changed whose personal data, and of security events.
    Rows older than AUDIT_KEEP_DAYS leave only through `manage.py archive_audit`, which exports them first."""

    class Action(models.TextChoices):
        VIEW = "view", _("查看")
        EXPORT = "export", _("导出")
        IMPORT = "import", _("导入")
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOCKED = "locked", _("账号锁定")
        LOGOUT = "logout", _("退出")
        TOKEN = "token", _("令牌")
        PASSWORD = "password", _("修改密码")
        ARCHIVE = "archive", _("归档")

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("操作人"),
    )
    action = models.CharField(_("动作"), max_length=20, choices=Action.choices)
    target_type = models.CharField(_("对象类型"), max_length=50, blank=True)
    target_id = models.CharField(_("对象编号"), max_length=50, blank=True)
    target_label = models.CharField(_("对象"), max_length=200, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"]), models.Index(fields=["actor", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()} {self.target_label}"

    def delete(self, *args, **kwargs):
        if self.at >= audit_cutoff():
            raise PermissionDenied("audit rows younger than AUDIT_KEEP_DAYS are never deleted")
        return super().delete(*args, **kwargs)

    @property
    def target_kind(self) -> str:
        """What kind of record the row is about, in words ("居民", "住户"), not `people.resident`."""
        if not self.target_type:
            return ""
        from django.apps import apps

        try:
            return str(apps.get_model(self.target_type)._meta.verbose_name)
        except (LookupError, ValueError):
            return self.target_type

    @property
    def description(self) -> str:
        """The row in one phrase: 查看 居民「张三」, 导出 社区「官堰社区」."""
        what = self.target_label or (f"#{self.target_id}" if self.target_id else "")
        kind = self.target_kind
        if what and kind:
            return _("%(action)s%(kind)s“%(what)s”") % {"action": self.get_action_display(), "kind": kind, "what": what}
        return f"{self.get_action_display()}{kind}{what}"


class Notification(models.Model):
    """One message in a user's in-app inbox. Other channels (SMS, WeChat) are senders in notify.py."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    kind = models.CharField(_("类别"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.title
