from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.models import AuditLog, User
from gongzhi.territory.testing import make_user

PASSWORD = "Gongzhi-2026"


@pytest.mark.django_db
def test_login_by_username_and_by_phone(client):
    make_user("wang", phone="13800138000")
    r = client.post(reverse("accounts:login"), {"login": "wang", "password": PASSWORD})
    assert r.status_code == 302 and r.url == reverse("dashboard:home")
    client.logout()
    r = client.post(reverse("accounts:login"), {"login": "13800138000", "password": PASSWORD})
    assert r.status_code == 302
    assert AuditLog.objects.filter(action="login").count() == 2


@pytest.mark.django_db
def test_wrong_password_gives_chinese_message_and_no_session(client):
    make_user("wang")
    r = client.post(reverse("accounts:login"), {"login": "wang", "password": "nope"})
    assert r.status_code == 200
    assert "用户名/手机号或密码不正确" in r.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_lockout_after_repeated_failures_even_with_right_password(client, settings):
    settings.LOGIN_MAX_FAILURES = 3
    user = make_user("li")
    for _ in range(3):
        client.post(reverse("accounts:login"), {"login": "li", "password": "wrong"})
    user.refresh_from_db()
    assert user.is_locked()
    r = client.post(reverse("accounts:login"), {"login": "li", "password": PASSWORD})
    assert r.status_code == 200 and "账号已锁定" in r.content.decode()
    assert AuditLog.objects.filter(action="locked", target_id=str(user.pk)).exists()
    # When the lock expires the right password works again and the counter resets.
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    r = client.post(reverse("accounts:login"), {"login": "li", "password": PASSWORD})
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.failed_logins == 0


@pytest.mark.django_db
def test_idle_session_times_out(client, settings):
    user = make_user("zhao")
    client.force_login(user)
    assert client.get(reverse("dashboard:home")).status_code == 200
    session = client.session
    session["_last_seen"] = int(timezone.now().timestamp()) - settings.SESSION_IDLE_SECONDS - 5
    session.save()
    r = client.get(reverse("dashboard:home"))
    assert r.status_code == 302 and reverse("accounts:login") in r.url


@pytest.mark.django_db
@pytest.mark.parametrize("pw", ["short1A", "alllowercase1", "12345678901", "abcdefgh"])
def test_weak_passwords_are_refused(pw):
    with pytest.raises(ValidationError):
        validate_password(pw)


@pytest.mark.django_db
def test_strong_password_is_accepted():
    validate_password("Gongzhi@2026")


@pytest.mark.django_db
def test_open_redirect_after_login_is_refused(client):
    make_user("sun")
    r = client.post(reverse("accounts:login") + "?next=https://evil.example/", {"login": "sun", "password": PASSWORD})
    assert r.status_code == 302 and r.url == reverse("dashboard:home")


@pytest.mark.django_db
def test_logout_requires_post(client):
    client.force_login(make_user("qian"))
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
