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
def test_address_locked_out_after_repeated_failures_even_with_right_password(client, settings):
    settings.LOGIN_MAX_FAILURES = settings.AXES_FAILURE_LIMIT = 3
    user = make_user("li")
    for _ in range(3):
        client.post(reverse("accounts:login"), {"login": "li", "password": "wrong"})
    r = client.post(reverse("accounts:login"), {"login": "li", "password": PASSWORD})
    assert r.status_code == 429 and "登录失败次数过多" in r.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditLog.objects.filter(action="locked").exists()
    # Another address still gets in with the right password: nobody can lock a user out at will.
    r = client.post(reverse("accounts:login"), {"login": "li", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.failed_logins == 0


@pytest.mark.django_db
def test_failures_from_many_addresses_delay_the_account_but_do_not_lock_it(client, settings):
    settings.LOGIN_MAX_FAILURES = settings.AXES_FAILURE_LIMIT = 3
    user = make_user("zhou")
    for i in range(6):
        client.post(reverse("accounts:login"), {"login": "zhou", "password": "wrong"}, REMOTE_ADDR=f"10.0.0.{i}")
    user.refresh_from_db()
    assert user.is_locked() and user.locked_until <= timezone.now() + timedelta(seconds=settings.LOGIN_DELAY_MAX_SECONDS)
    r = client.post(reverse("accounts:login"), {"login": "zhou", "password": PASSWORD}, REMOTE_ADDR="10.0.1.1")
    assert r.status_code == 200 and "秒后再试" in r.content.decode()
    # When the delay has passed the right password works again and the counter resets.
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    r = client.post(reverse("accounts:login"), {"login": "zhou", "password": PASSWORD}, REMOTE_ADDR="10.0.1.2")
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.failed_logins == 0 and user.locked_until is None


@pytest.mark.django_db
@pytest.mark.parametrize("login", ["nobody", "13999999999", "x" * 400, "\x00\u202e"])
def test_unknown_account_is_400_or_form_error_everywhere_and_audited(client, login):
    r = client.post(reverse("accounts:login"), {"login": login, "password": "whatever1A"})
    assert r.status_code == 200 and "_auth_user_id" not in client.session
    r = client.post("/api/accounts/token", {"login": login, "password": "whatever1A"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "bad_login"
    r = client.post("/admin/login/", {"username": login, "password": "whatever1A"})
    assert r.status_code == 200
    vias = {row.detail["via"] for row in AuditLog.objects.filter(action="login_failed", detail__reason="unknown")}
    # Over-long or NUL-bearing input stops at the forms' validation; the API counts it.
    assert vias == ({"page", "api", "admin"} if login.isalnum() and len(login) < 150 else vias | {"api"})


@pytest.mark.django_db
def test_unknown_account_runs_the_hasher(client, monkeypatch):
    from gongzhi.accounts.models import User as U

    calls = []
    monkeypatch.setattr(U, "set_password", lambda self, raw: calls.append(raw))
    client.post(reverse("accounts:login"), {"login": "ghost", "password": "pw-123456"})
    assert calls == ["pw-123456"]


@pytest.mark.django_db
def test_admin_login_is_locked_out_and_audited_like_the_page(client, settings):
    settings.LOGIN_MAX_FAILURES = settings.AXES_FAILURE_LIMIT = 3
    make_user("boss", is_staff=True, is_superuser=True)
    for _ in range(3):
        client.post("/admin/login/", {"username": "boss", "password": "wrong"})
    assert AuditLog.objects.filter(action="login_failed", detail__via="admin").count() == 3
    r = client.post("/admin/login/", {"username": "boss", "password": PASSWORD})
    assert r.status_code == 429 and "_auth_user_id" not in client.session
    # The API token way in is locked for the same address as well.
    r = client.post("/api/accounts/token", {"login": "boss", "password": PASSWORD}, content_type="application/json")
    assert r.status_code == 429 and r.json()["code"] == "locked_out"


@pytest.mark.django_db
def test_expired_password_must_be_changed_at_next_login(client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    user = make_user("old")
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    r = client.post(reverse("accounts:login"), {"login": "old", "password": PASSWORD})
    assert r.status_code == 302
    r = client.get(reverse("dashboard:home"))
    assert r.status_code == 302 and r.url == reverse("accounts:password_change")
    assert "密码已超过规定使用期限" in client.get(reverse("accounts:password_change")).content.decode()
    r = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "Newer-Pass-2026", "new_password2": "Newer-Pass-2026"})
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.password_changed_at > timezone.now() - timedelta(minutes=1)
    assert AuditLog.objects.filter(action="password", target_id=str(user.pk)).exists()
    assert client.get(reverse("dashboard:home")).status_code == 200
    # The API refuses a token for an expired password.
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    r = client.post("/api/accounts/token", {"login": "old", "password": "Newer-Pass-2026"}, content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "password_expired"


@pytest.mark.django_db
def test_idle_session_times_out(client, settings):
    user = make_user("zhao")
    client.force_login(user)
    assert client.get(reverse("dashboard:home")).status_code == 200
    from django.contrib.sessions.models import Session

    session = Session.objects.get(pk=client.session.session_key)
    # Each request moved the expiry SESSION_IDLE_SECONDS ahead ...
    assert session.expire_date > timezone.now() + timedelta(seconds=settings.SESSION_IDLE_SECONDS - 60)
    # ... and once that much time has passed without one, the server refuses the cookie.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
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


@pytest.mark.django_db
def test_client_address_behind_a_trusted_proxy_is_read_from_forwarded_for(rf, settings):
    from gongzhi.accounts.services import client_ip

    req = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.2.3")
    assert client_ip(req) == "127.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(req) == "10.1.2.3"  # the address nginx appended, not what the client wrote


def test_admin_refuses_a_phone_another_account_has_with_a_message(db, client):
    from gongzhi.accounts.models import User

    User.objects.create_user("holder", password="x", phone="13912345678")
    other = User.objects.create_user("other", password="x")
    admin = User.objects.create_superuser("root", password="Gongzhi-2026-root")
    client.force_login(admin)
    url = f"/admin/accounts/user/{other.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, (list, tuple))}
    data.update({"username": "other", "phone": "13912345678", "date_joined_0": "2026-01-01",
                 "date_joined_1": "08:00:00", "failed_logins": "0", "is_active": "on"})
    resp = client.post(url, data)
    assert resp.status_code == 200  # the form again, not a 500
    assert "该手机号已绑定其他账号" in resp.content.decode()
    other.refresh_from_db()
    assert other.phone is None
