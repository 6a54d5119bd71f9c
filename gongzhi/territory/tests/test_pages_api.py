"""Territory pages and API from the outside: success, hidden = 404, and pinned query counts."""

import pytest
from django.urls import reverse

from gongzhi.territory.testing import make_household, make_node


@pytest.mark.django_db
def test_home_shows_grid_worker_their_grid(world, client_for):
    r = client_for(world.users["grid_a1"]).get(reverse("dashboard:home"))
    body = r.content.decode()
    assert r.status_code == 200 and "甲第一网格" in body and "甲第二网格" not in body


@pytest.mark.django_db
def test_home_shows_staff_their_tree_and_anonymous_is_sent_to_login(world, client, client_for):
    assert client.get(reverse("dashboard:home")).status_code == 302
    body = client_for(world.users["community_a"]).get(reverse("dashboard:home")).content.decode()
    assert "甲社区" in body and "乙社区" not in body


@pytest.mark.django_db
def test_grid_page_scoped(world, client_for):
    c = client_for(world.users["grid_a1"])
    r = c.get(reverse("territory:grid", args=[world.grid_a1.pk]))
    assert r.status_code == 200 and world.hh_a1.address in r.content.decode()
    assert world.hh_a2.address not in r.content.decode()
    assert c.get(reverse("territory:grid", args=[world.grid_a2.pk])).status_code == 404
    assert c.get(reverse("territory:grid", args=[world.micro_a2_1.pk])).status_code == 404
    assert c.get(reverse("territory:grid", args=[999999])).status_code == 404
    assert c.get(reverse("territory:grid", args=[world.micro_a1_1.pk])).status_code == 200


@pytest.mark.django_db
def test_node_page_scoped(world, client_for):
    c = client_for(world.users["community_a"])
    r = c.get(reverse("territory:node", args=[world.community_a.pk]))
    assert r.status_code == 200 and "甲第一网格" in r.content.decode()
    assert c.get(reverse("territory:node", args=[world.community_b.pk])).status_code == 404
    assert c.get(reverse("territory:node", args=[world.street.pk])).status_code == 404
    # A grid worker holds no node role: node pages are hidden.
    assert client_for(world.users["grid_a1"]).get(reverse("territory:node", args=[world.compound_a.pk])).status_code == 404
    # The street sees both communities.
    street = client_for(world.users["street"])
    assert street.get(reverse("territory:node", args=[world.community_b.pk])).status_code == 200


def _grow(world, n: int):
    for i in range(n):
        b = make_node(world.compound_a, "building", f"扩{world.compound_a.children.count() + 1}栋")
        make_household(b, world.micro_a1_1, f"{i:03d}")


@pytest.mark.django_db
def test_list_pages_issue_a_bounded_number_of_queries(world, client_for, django_assert_num_queries):
    c = client_for(world.users["community_a"])
    urls = [
        reverse("territory:node", args=[world.compound_a.pk]),
        reverse("territory:grid", args=[world.grid_a1.pk]),
        reverse("territory:node", args=[world.community_a.pk]),
    ]
    counts = []
    for url in urls:
        c.get(url)  # warm the session
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        counts.append(len(ctx))
    _grow(world, 25)
    for url, n in zip(urls, counts, strict=True):
        with django_assert_num_queries(n):
            assert c.get(url).status_code == 200


API = "/api/territory"


@pytest.mark.django_db
def test_api_household_scoping(world, client_for):
    c = client_for(world.users["grid_a1"])
    assert c.get(f"{API}/households/{world.hh_a1.pk}").status_code == 200
    assert c.get(f"{API}/households/{world.hh_a2.pk}").status_code == 404
    assert c.get(f"{API}/households/{world.hh_b1.pk}").status_code == 404
    assert c.get(f"{API}/households/{world.hh_b1.pk}/answerable").status_code == 404
    names = [r["role"] for r in c.get(f"{API}/households/{world.hh_a1.pk}/answerable").json()["items"]]
    assert names[0] == "unit_head" and "grid_worker" in names


@pytest.mark.django_db
def test_api_grids_and_nodes_scoping(world, client_for):
    c = client_for(world.users["grid_a1"])
    ids = {g["id"] for g in c.get(f"{API}/grids").json()["items"]}
    assert ids == {world.grid_a1.pk, world.micro_a1_1.pk}
    assert c.get(f"{API}/grids/{world.grid_a2.pk}").status_code == 404
    assert c.get(f"{API}/grids/{world.grid_a2.pk}/households").status_code == 404
    hh = c.get(f"{API}/grids/{world.grid_a1.pk}/households").json()["items"]
    assert [h["id"] for h in hh] == [world.hh_a1.pk]
    assert c.get(f"{API}/nodes/{world.compound_a.pk}").status_code == 404
    assert c.get(f"{API}/nodes").json() == {"items": [], "count": 0}

    s = client_for(world.users["community_b"])
    assert s.get(f"{API}/nodes/{world.community_a.pk}/children").status_code == 404
    assert s.get(f"{API}/nodes/{world.community_a.pk}/households").status_code == 404
    items = s.get(f"{API}/nodes/{world.community_b.pk}/households").json()["items"]
    assert [h["id"] for h in items] == [world.hh_b1.pk]


@pytest.mark.django_db
def test_api_requires_auth(world, client):
    assert client.get(f"{API}/households/{world.hh_a1.pk}").status_code == 401


@pytest.mark.django_db
def test_resident_api_sees_only_own_household(world, client_for):
    c = client_for(world.users["resident_a1"])
    assert c.get(f"{API}/households/{world.hh_a1.pk}").status_code == 200
    assert c.get(f"{API}/households/{world.hh_a2.pk}").status_code == 404


@pytest.mark.django_db
def test_api_my_households_by_role(world, client_for):
    ids = [h["id"] for h in client_for(world.users["building_a1"]).get(f"{API}/my/households").json()["items"]]
    assert sorted(ids) == sorted([world.hh_a1.pk, world.hh_a2.pk])
    assert client_for(world.users["resident_a1"]).get(f"{API}/my/households").json()["items"] == []


@pytest.mark.django_db
def test_node_page_shows_role_holders(world, client_for):
    body = client_for(world.users["community_a"]).get(reverse("territory:node", args=[world.building_a1.pk])).content.decode()
    assert "楼栋长：building_a1人员" in body


@pytest.mark.django_db
def test_admin_is_chinese_and_refuses_a_role_on_the_wrong_level(world, client_for):
    c = client_for(world.users["admin"])
    r = c.get("/admin/")
    assert "共治 · 后台管理" in r.content.decode() and "区划与网格" in r.content.decode()
    r = c.post("/admin/territory/roleassignment/add/", {
        "user": world.users["nobody"].pk, "role": "building_head", "node": world.unit_a1_1.pk,
        "start_date": "2026-01-01",
    })
    assert r.status_code == 200 and "不能任在这里" in r.content.decode()
    r = c.post("/admin/territory/roleassignment/add/", {
        "user": world.users["nobody"].pk, "role": "unit_head", "node": world.unit_a1_1.pk, "start_date": "2026-01-01",
    })
    assert r.status_code == 302


@pytest.mark.django_db
def test_home_shows_resident_their_household_and_nobody_a_hint(world, client_for):
    r = client_for(world.users["resident_a1"]).get(reverse("dashboard:home"))
    assert r.status_code == 200 and reverse("people:household", args=[world.hh_a1.pk]) in r.content.decode()
    r = client_for(world.users["nobody"]).get(reverse("dashboard:home"))
    assert "尚未分配任何角色" in r.content.decode()


@pytest.mark.django_db
def test_menu_follows_roles(world, client_for):
    staff = client_for(world.users["community_a"]).get(reverse("dashboard:home")).content.decode()
    resident = client_for(world.users["resident_a1"]).get(reverse("dashboard:home")).content.decode()
    assert reverse("people:import") in staff and reverse("people:import") not in resident
    assert reverse("territory:browse") not in resident and reverse("tickets:home") in resident


@pytest.mark.django_db
def test_breadcrumbs_link_only_what_the_user_may_open(world, client_for):
    body = client_for(world.users["grid_a1"]).get(reverse("people:household", args=[world.hh_a1.pk])).content.decode()
    assert "甲社区" in body and reverse("territory:node", args=[world.community_a.pk]) not in body
    body = client_for(world.users["community_a"]).get(reverse("people:household", args=[world.hh_a1.pk])).content.decode()
    assert reverse("territory:node", args=[world.community_a.pk]) in body
    assert reverse("territory:node", args=[world.street.pk]) not in body
