import pytest
from django.urls import reverse

from gongzhi.accounts.models import ApiToken, AuditLog, Notification
from gongzhi.accounts.notify import notify
from gongzhi.accounts.services import audit_record
from gongzhi.territory.testing import make_user


@pytest.mark.django_db
def test_audit_log_page_only_for_auditors(world, client_for):
    audit_record(actor=world.users["community_a"], action="view", target=world.hh_a1)
    assert client_for(world.users["community_a"]).get(reverse("accounts:audit_log")).status_code == 404
    r = client_for(world.users["auditor"]).get(reverse("accounts:audit_log"))
    assert r.status_code == 200 and "查看" in r.content.decode()


@pytest.mark.django_db
def test_audit_log_in_admin_is_read_only_and_hidden_from_non_auditors(world, client_for):
    row = audit_record(actor=world.users["admin"], action="view", target=world.hh_a1)
    admin_client = client_for(world.users["admin"])  # superuser but not auditor
    assert admin_client.get(reverse("admin:accounts_auditlog_changelist")).status_code == 403
    world.users["auditor"].is_staff = True
    world.users["auditor"].save()
    c = client_for(world.users["auditor"])
    assert c.get(reverse("admin:accounts_auditlog_changelist")).status_code == 200
    assert c.post(reverse("admin:accounts_auditlog_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert AuditLog.objects.filter(pk=row.pk).exists()


@pytest.mark.django_db
def test_token_auth_and_chinese_json(client):
    make_user("api_user", name="张三")
    r = client.post("/api/accounts/token", {"login": "api_user", "password": "Gongzhi-2026", "name": "脚本"},
                    content_type="application/json")
    assert r.status_code == 201
    key = r.json()["token"]
    assert ApiToken.objects.get().key_hash != key  # only the hash is kept
    r = client.get("/api/accounts/me", headers={"authorization": f"Bearer {key}"})
    assert r.status_code == 200
    assert "张三".encode() in r.content  # not \\uXXXX-escaped
    assert client.get("/api/accounts/me", headers={"authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/api/accounts/me").status_code == 401


@pytest.mark.django_db
def test_token_refused_for_bad_password(client):
    make_user("api_user2")
    r = client.post("/api/accounts/token", {"login": "api_user2", "password": "x"}, content_type="application/json")
    assert r.status_code == 400 and "不正确" in r.json()["detail"]


@pytest.mark.django_db
def test_openapi_docs_served(client):
    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/openapi.json").json()
    assert "/api/territory/households/{pk}" in schema["paths"]


@pytest.mark.django_db
def test_notify_writes_inbox_once_per_user(world, client_for):
    u = world.users["grid_a1"]
    assert notify([u, u, world.users["grid_a2"]], "新工单", url="/x") == 2
    assert Notification.objects.filter(user=u).count() == 1
    r = client_for(u).get(reverse("accounts:inbox"))
    assert "新工单" in r.content.decode()


def test_audit_log_rows_say_what_in_words(world, client_for):
    audit_record(actor=world.users["community_a"], action="view", target=world.hh_a1)
    page = client_for(world.users["auditor"]).get(reverse("accounts:audit_log")).content.decode()
    assert "territory.household#" not in page
    assert "查看户“" in page
