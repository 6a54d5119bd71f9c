import re

import pytest

from gongzhi.points import services
from gongzhi.points.codes import personal_code
from gongzhi.points.models import Order

from .conftest import balance, fund

pytestmark = pytest.mark.django_db


def _key(html: str) -> str:
    return re.search(r'name="client_key" value="([^"]+)"', html).group(1)


def test_resident_points_page_shop_and_double_submit(pts, client_for):
    fund(pts.alice, 40, pts.staff)
    item = services.item_create(actor=pts.staff, community=pts.world.community_a, name="毛巾", price=15, stock=5)
    c = client_for(pts.alice.user)
    r = c.get("/points/")
    assert r.status_code == 200 and "<svg" in r.content.decode() and "40" in r.content.decode()
    assert "毛巾" in c.get("/points/shop/").content.decode()
    key = _key(c.get(f"/points/shop/{item.pk}/").content.decode())
    c.post(f"/points/shop/{item.pk}/", {"client_key": key, "quantity": 2})
    c.post(f"/points/shop/{item.pk}/", {"client_key": key, "quantity": 2})
    assert Order.objects.count() == 1 and balance(pts.alice) == 10
    r = c.post(f"/points/shop/{item.pk}/", {"client_key": "another-key-1", "quantity": 1})
    assert "积分不足" in r.content.decode()
    r = c.post(f"/points/shop/{item.pk}/", {"client_key": "another-key-2", "quantity": -1})
    assert Order.objects.count() == 1
    c.post(f"/points/orders/{Order.objects.get().pk}/cancel/")
    assert balance(pts.alice) == 40
    assert c.get("/points/history/").status_code == 200
    assert c.get("/points/staff/").status_code == 403
    assert client_for(pts.world.users["nobody"]).get("/points/").status_code == 200  # no account: an explanation


def test_household_page_shows_members_sum(pts, client_for):
    fund(pts.alice, 7, pts.staff)
    fund(pts.alice_child, 5, pts.staff)
    r = client_for(pts.staff).get(f"/people/households/{pts.world.hh_a1.pk}/")
    assert r.status_code == 200
    assert re.search(r'data-testid="household-points">12<', r.content.decode())


def test_staff_counter_rules_items_and_ledger(pts, client_for):
    fund(pts.alice, 30, pts.staff)
    c = client_for(pts.staff)
    assert c.get("/points/staff/").status_code == 200
    r = c.post("/points/staff/items/", {"name": "酱油", "kind": "goods", "price": 10, "stock": 2})
    assert r.status_code == 302
    item = pts.world.community_a.points_items.get(name="酱油")
    r = c.get("/points/staff/counter/")
    key = _key(r.content.decode())
    code = personal_code(services.account_for(pts.alice).pk)
    c.post("/points/staff/counter/", {"client_key": key, "code": code, "item": item.pk, "quantity": 1})
    c.post("/points/staff/counter/", {"client_key": key, "code": code, "item": item.pk, "quantity": 1})
    assert balance(pts.alice) == 20
    r = c.post("/points/staff/counter/", {"client_key": "k-other-1", "code": "forged", "item": item.pk, "quantity": 1})
    assert "居民码无效" in r.content.decode()
    r = c.post("/points/staff/rules/", {"effective_from": "2026-01-01", "expire_after_years": 1, "points_vote": 3})
    assert r.status_code == 302 and pts.world.community_a.points_rule_versions.count() == 2
    r = c.post("/points/staff/rules/", {"effective_from": "2026-01-01", "expire_after_years": 1, "points_vote": 3})
    assert "已有施行的规则版本" in r.content.decode()
    r = c.get("/points/staff/ledger.xlsx", {"from": "2000-01-01", "to": "2100-01-01"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    assert client_for(pts.world.users["community_b"]).post(f"/points/staff/items/{item.pk}/", {"add_stock": 5}).status_code == 404


def test_api_me_order_conflict_and_counter(pts, client_for):
    fund(pts.alice, 10, pts.staff)
    item = services.item_create(actor=pts.staff, community=pts.world.community_a, name="米", price=10, stock=1)
    c = client_for(pts.alice.user)
    me = c.get("/api/points/me").json()
    assert me["balance"] == 10 and len(me["entries"]) == 1
    r = c.post(f"/api/points/items/{item.pk}/orders", data={"quantity": 2, "client_key": "abc-12345"},
               content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "out_of_stock" and r.json()["detail"] == "库存不足"
    r = c.post(f"/api/points/items/{item.pk}/orders", data={"quantity": 1, "client_key": "abc-12346"},
               content_type="application/json")
    assert r.status_code == 201
    item2 = services.item_create(actor=pts.staff, community=pts.world.community_a, name="油", price=10, stock=1)
    r = client_for(pts.staff).post("/api/points/counter", data={"code": me["personal_code"], "item_id": item2.pk,
                                                               "client_key": "abc-12347"}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "insufficient_points"
    assert client_for(pts.bob.user).post("/api/points/counter", data={"code": me["personal_code"], "item_id": item2.pk,
                                                                     "client_key": "abc-12348"},
                                         content_type="application/json").status_code == 404
    r = client_for(pts.staff).get(f"/api/points/communities/{pts.world.community_a.pk}/rules")
    assert r.status_code == 200 and r.json()["items"][0]["number"] == 1
    assert client_for(pts.world.users["community_b"]).get(
        f"/api/points/communities/{pts.world.community_a.pk}/rules").status_code == 404
