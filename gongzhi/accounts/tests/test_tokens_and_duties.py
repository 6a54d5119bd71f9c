from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from gongzhi.accounts import services
from gongzhi.accounts.models import ApiToken, AuditLog, User
from gongzhi.territory.testing import make_user

PASSWORD = "Gongzhi-2026"


def _me(client, key):
    return client.get("/api/accounts/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code


@pytest.mark.django_db
def test_token_expires_after_configured_days(client, settings):
    settings.API_TOKEN_DAYS = 30
    user = make_user("t1")
    token, key = services.token_create(actor=user, name="脚本")
    assert token.expires_at.date() == (timezone.now() + timedelta(days=30)).date()
    assert _me(client, key) == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _me(client, key) == 401


@pytest.mark.django_db
def test_password_change_revokes_tokens_and_is_audited(client, client_for):
    user = make_user("t2")
    _, key = services.token_create(actor=user, name="a")
    c = client_for(user)
    r = c.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "Another-Pass-2026",
                                       "new_password2": "Another-Pass-2026"})
    assert r.status_code == 302
    assert _me(client, key) == 401
    assert ApiToken.objects.get(user=user).revoked_at is not None
    assert AuditLog.objects.filter(action="password", target_id=str(user.pk)).exists()


@pytest.mark.django_db
def test_password_set_anywhere_invalidates_older_tokens(client):
    user = make_user("t3")
    token, key = services.token_create(actor=user, name="a")
    ApiToken.objects.filter(pk=token.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    user.set_password("Third-Pass-2026")
    user.save()
    assert _me(client, key) == 401


@pytest.mark.django_db
def test_deactivation_in_admin_revokes_tokens(client, client_for):
    admin = make_user("root", is_staff=True, is_superuser=True)
    user = make_user("t4")
    _, key = services.token_create(actor=user, name="a")
    c = client_for(admin)
    data = {"username": "t4", "name": "t4", "is_active": "", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
            "failed_logins": 0}
    r = c.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    assert ApiToken.objects.get(user=user).revoked_at is not None
    assert _me(client, key) == 401
    assert AuditLog.objects.filter(actor=admin, action="update", target_id=str(user.pk)).exists()


@pytest.mark.django_db
def test_admin_cannot_grant_itself_auditor_nor_read_the_log(client_for):
    admin = make_user("root", is_staff=True, is_superuser=True)
    c = client_for(admin)
    data = {"username": "root", "name": "root", "is_active": "on", "is_staff": "on", "is_superuser": "on",
            "is_auditor": "on", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00", "failed_logins": 0}
    c.post(f"/admin/accounts/user/{admin.pk}/change/", data)
    admin.refresh_from_db()
    assert not admin.is_auditor
    with pytest.raises(PermissionDenied):
        services.user_set_auditor(actor=admin, user=admin, value=True)
    # Even with the flag set behind the admin's back, a superuser does not read the log.
    User.objects.filter(pk=admin.pk).update(is_auditor=True)
    assert c.get("/accounts/audit/").status_code == 404
    assert c.get("/admin/accounts/auditlog/").status_code == 403


@pytest.mark.django_db
def test_auditor_rights_from_command_or_another_auditor_audited(client_for):
    first = make_user("aud1")
    call_command("grant_auditor", "aud1")
    first.refresh_from_db()
    assert first.is_auditor
    assert AuditLog.objects.filter(target_id=str(first.pk), detail__is_auditor=True, detail__via="command").exists()
    second = make_user("aud2")
    c = client_for(first)
    assert c.post("/accounts/audit/auditors/", {"username": "aud2", "op": "grant"}).status_code == 302
    second.refresh_from_db()
    assert second.is_auditor
    assert AuditLog.objects.filter(actor=first, target_id=str(second.pk), detail__is_auditor=True).exists()
    # Not to oneself, not by a non-auditor, never to a superuser.
    with pytest.raises(PermissionDenied):
        services.user_set_auditor(actor=first, user=first, value=False)
    with pytest.raises(PermissionDenied):
        services.user_set_auditor(actor=make_user("plain"), user=second, value=False)
    root = make_user("root2", is_superuser=True)
    with pytest.raises(ValidationError):
        services.user_set_auditor(actor=first, user=root, value=True)
    with pytest.raises(CommandError):
        call_command("grant_auditor", "root2")
    assert client_for(make_user("plain2")).post("/accounts/audit/auditors/", {"username": "aud2"}).status_code == 404
