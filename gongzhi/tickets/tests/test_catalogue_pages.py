"""The category catalogue and the Open311 keys pages (issue 8): services with audit rows, scoped."""

import pytest
from django.urls import reverse

from gongzhi.accounts.models import AuditLog
from gongzhi.people.models import Resident
from gongzhi.territory.models import RoleAssignment
from gongzhi.tickets.models import Category, Open311Key, hash_key

pytestmark = pytest.mark.django_db


def test_street_staff_copy_the_standard_list_once(world, client_for):
    c = client_for(world.users["street"])
    assert c.get(reverse("tickets:catalogue")).status_code == 200
    assert c.post(reverse("tickets:catalogue_standard")).status_code == 302
    n = Category.objects.count()
    assert n >= 10 and Category.objects.get(code="leak").response_hours == 4
    Category.objects.filter(code="leak").update(response_hours=8)
    c.post(reverse("tickets:catalogue_standard"))
    assert Category.objects.count() == n and Category.objects.get(code="leak").response_hours == 8
    assert AuditLog.objects.filter(target_type="tickets.category").exists()


@pytest.mark.parametrize("who", ["grid_a1", "resident_a1", "nobody"])
def test_only_street_and_community_staff_keep_a_catalogue(world, client_for, who):
    c = client_for(world.users[who])
    assert c.get(reverse("tickets:catalogue")).status_code == 404
    assert c.post(reverse("tickets:catalogue_standard")).status_code == 404
    assert not Category.objects.exists()


def test_category_edit_and_bad_hours(world, client_for):
    c = client_for(world.users["street"])
    c.post(reverse("tickets:catalogue_standard"))
    cat = Category.objects.get(code="parking")
    data = {"code": "ignored", "name": "停车管理", "group": "秩序", "description": "", "keywords": "",
            "response_hours": 12, "resolve_hours": 48, "default_level": "grid", "active": "on", "sort": 1}
    assert c.post(reverse("tickets:category_edit", args=[cat.pk]), data).status_code == 302
    cat.refresh_from_db()
    assert (cat.code, cat.name, cat.response_hours, cat.default_level) == ("parking", "停车管理", 12, "grid")
    for bad in ({"resolve_hours": 6}, {"response_hours": 0}, {"response_hours": 10**9}, {"default_level": "x"}):
        r = c.post(reverse("tickets:category_edit", args=[cat.pk]), {**data, **bad})
        assert r.status_code == 400
    cat.refresh_from_db()
    assert cat.response_hours == 12
    new = {**data, "code": "noise", "name": "噪音扰民"}
    assert c.post(reverse("tickets:category_new"), new).status_code == 302
    assert c.post(reverse("tickets:category_new"), {**new, "code": "bad code!"}).status_code == 400


def test_open311_key_shown_once_listed_revoked(world, client_for):
    c = client_for(world.users["community_a"])
    r = c.post(reverse("tickets:open311_keys"), {"name": "12345热线", "community": world.community_a.pk})
    assert r.status_code == 200
    key = r.context["shown_key"]
    row = Open311Key.objects.get(key_hash=hash_key(key))
    assert row.community == world.community_a and row.active
    body = c.get(reverse("tickets:open311_keys")).content.decode()
    assert key not in body and row.prefix in body
    # another community's staff neither see nor revoke it
    other = client_for(world.users["community_b"])
    assert row.prefix not in other.get(reverse("tickets:open311_keys")).content.decode()
    assert other.post(reverse("tickets:open311_key_revoke", args=[row.pk])).status_code == 404
    assert c.post(reverse("tickets:open311_key_revoke", args=[row.pk])).status_code == 302
    row.refresh_from_db()
    assert not row.active
    # a community outside the area is refused
    r = c.post(reverse("tickets:open311_keys"), {"name": "x", "community": world.community_b.pk})
    assert r.status_code == 400 and Open311Key.objects.count() == 1


def test_resident_account_from_the_resident_page(world, client_for):
    from gongzhi.people.services import resident_create

    res = resident_create(actor=world.users["community_a"], household=world.hh_a2, name="王五")
    c = client_for(world.users["community_a"])
    url = reverse("people:resident_account", args=[res.pk])
    assert client_for(world.users["community_b"]).get(url).status_code == 404
    assert c.post(url, {"username": "wangwu", "password": "1"}).status_code == 400
    assert c.post(url, {"username": "wangwu", "password": "Gongzhi-2026"}).status_code == 302
    res.refresh_from_db()
    assert res.user.username == "wangwu"
    assert RoleAssignment.objects.filter(user=res.user, role="resident", household=world.hh_a2).exists()
    assert c.get(url).status_code == 404  # once only
    assert Resident.objects.filter(user__username="wangwu").count() == 1


def test_list_pages_queries_do_not_grow(world, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongzhi.accounts.services import token_create
    from gongzhi.tickets.services.setup import open311_key_create

    staff = world.users["community_a"]
    c = client_for(staff)
    pages = [reverse("tickets:open311_keys"), reverse("territory:area_tokens"), reverse("tickets:catalogue")]

    def counts():
        out = []
        for p in pages:
            with CaptureQueriesContext(connection) as ctx:
                assert c.get(p).status_code in (200, 404)
            out.append(len(ctx))
        return out

    open311_key_create(actor=staff, community=world.community_a, name="k0")
    token_create(actor=world.users["grid_a1"], name="t0")
    before = counts()
    for i in range(1, 6):
        open311_key_create(actor=staff, community=world.community_a, name=f"k{i}")
        token_create(actor=world.users["grid_a1"], name=f"t{i}")
    assert counts() == before
