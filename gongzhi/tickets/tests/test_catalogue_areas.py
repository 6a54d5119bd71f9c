"""The catalogue per street or community (issue 8): copied from the standard list into an area, the
nearest area above a place serves it, another area's category is refused, another area's page is 404."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import token_create
from gongzhi.tickets import catalogue
from gongzhi.tickets.models import Category, Ticket
from gongzhi.tickets.services import ticket_submit
from gongzhi.tickets.services.setup import STANDARD, catalogue_copy_standard, category_create

pytestmark = pytest.mark.django_db
NEW = {"name": "噪音扰民", "group": "秩序", "description": "", "keywords": "", "response_hours": 12,
       "resolve_hours": 48, "default_level": "grid", "active": "on", "sort": 1}


def _bearer(user):
    _t, key = token_create(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_each_community_copies_the_standard_list_into_its_own_catalogue(world, client_for, cats):
    for who, area in (("community_a", world.community_a), ("community_b", world.community_b)):
        c = client_for(world.users[who])
        assert c.post(reverse("tickets:catalogue_standard")).status_code == 302
        assert Category.objects.filter(area=area).count() == len(STANDARD)
        page = c.get(reverse("tickets:catalogue")).content.decode()
        assert area.name in page and "漏水渗水" in page
    # The same codes in three catalogues (installation-wide, A, B), each row its own.
    assert Category.objects.filter(code="leak").count() == 3
    leak_a = Category.objects.get(area=world.community_a, code="leak")
    Category.objects.filter(pk=leak_a.pk).update(response_hours=8)
    client_for(world.users["community_a"]).post(reverse("tickets:catalogue_standard"))
    assert Category.objects.get(pk=leak_a.pk).response_hours == 8  # a second copy adds only what is missing
    assert Category.objects.get(area=world.community_b, code="leak").response_hours == 4
    assert cats["leak"].area is None and Category.objects.get(pk=cats["leak"].pk).response_hours == 4
    assert AuditLog.objects.filter(target_type="tickets.category", detail__area=world.community_b.pk).exists()


def test_street_staff_keep_their_street_and_choose_a_community(world, client_for):
    c = client_for(world.users["street"])
    assert c.post(reverse("tickets:catalogue_standard")).status_code == 302
    assert Category.objects.filter(area=world.street).count() == len(STANDARD)
    r = c.post(reverse("tickets:catalogue_standard"), {"area": world.community_a.pk})
    assert r.status_code == 302 and r.url.endswith(f"?area={world.community_a.pk}")
    assert Category.objects.filter(area=world.community_a).count() == len(STANDARD)
    r = c.post(reverse("tickets:category_new") + f"?area={world.community_b.pk}", {**NEW, "code": "noise"})
    assert r.status_code == 302 and Category.objects.get(code="noise").area == world.community_b
    # The same code twice in one catalogue is refused, in Chinese.
    r = c.post(reverse("tickets:category_new") + f"?area={world.community_b.pk}", {**NEW, "code": "noise"})
    assert r.status_code == 400 and "已被使用" in r.content.decode()


def test_the_nearest_area_with_its_own_catalogue_serves_a_place(world, cats, client_for, client):
    a1, b1 = world.hh_a1.node_path, world.hh_b1.node_path
    assert catalogue.area_for(a1) is None and {c.pk for c in catalogue.for_place(a1)} == {c.pk for c in cats.values()}
    catalogue_copy_standard(actor=world.users["street"], area=world.street)
    assert catalogue.area_for(a1) == catalogue.area_for(b1) == world.street.pk
    catalogue_copy_standard(actor=world.users["community_a"], area=world.community_a)
    assert catalogue.area_for(a1) == world.community_a.pk and catalogue.area_for(b1) == world.street.pk
    assert {c.area_id for c in catalogue.for_place(a1)} == {world.community_a.pk}
    # The API offers the place's catalogue; the page's select the catalogues of the user's places.
    h = _bearer(world.users["resident_a1"])
    rows = client.get(f"/api/tickets/categories?household_id={world.hh_a1.pk}", **h).json()["items"]
    assert {r["service_code"] if "service_code" in r else r["code"] for r in rows} == {s[0] for s in STANDARD}
    assert client.get(f"/api/tickets/categories?household_id={world.hh_b1.pk}", **h).status_code == 404
    form = client_for(world.users["resident_a1"]).get(reverse("tickets:submit")).context["form"]
    assert {c.area_id for c in form.fields["category"].queryset} == {world.community_a.pk}
    form = client_for(world.users["community_b"]).get(reverse("tickets:submit")).context["form"]
    assert {c.area_id for c in form.fields["category"].queryset} == {world.street.pk}
    # A ticket at A1 by code gets community A's row.
    r = client.post("/api/tickets/", {"category": "repair", "description": "单元门禁刷卡没反应"},
                    content_type="application/json", **h)
    assert r.status_code == 201
    assert Ticket.objects.get(pk=r.json()["id"]).category == Category.objects.get(area=world.community_a, code="repair")


def test_a_category_of_another_area_is_refused_at_intake(world, cats, client_for, client):
    catalogue_copy_standard(actor=world.users["community_a"], area=world.community_a)
    noise_b = category_create(actor=world.users["community_b"], area=world.community_b, code="noise",
                              **{**NEW, "active": True})
    kw = {"actor": world.users["community_a"], "channel": "hotline", "description": "一单元楼道的声控灯坏了",
          "household": world.hh_a1}
    for wrong in (cats["repair"], noise_b):  # the installation-wide row, community B's row
        with pytest.raises(ValidationError) as e:
            ticket_submit(category=wrong, **kw)
        assert "不属于该地点所在街道/社区的分类目录" in str(e.value)
    # The page: 400 with the message, nothing written.
    c = client_for(world.users["resident_a1"])
    idem = c.get(reverse("tickets:submit")).context["form"].initial["idem"]
    r = c.post(reverse("tickets:submit"), {"idem": idem, "kind": "demand", "category": noise_b.pk,
                                           "description": "楼下路灯不亮已经三天了", "household": world.hh_a1.pk})
    assert r.status_code == 400
    # The API: a code only community B has is not in A1's catalogue.
    r = client.post("/api/tickets/", {"category": "noise", "description": "楼上夜里装修很吵"},
                    content_type="application/json", **_bearer(world.users["resident_a1"]))
    assert r.status_code == 400 and "分类" in r.json()["errors"][0]
    assert not Ticket.objects.exists()
    # Community B's own category at B is fine.
    t = ticket_submit(actor=world.users["community_b"], channel="hotline", category=noise_b,
                      description="楼上夜里装修很吵", household=world.hh_b1)
    assert t.category == noise_b


def test_staff_of_another_area_get_404_on_its_category_pages(world, client_for):
    catalogue_copy_standard(actor=world.users["community_a"], area=world.community_a)
    cat = Category.objects.get(area=world.community_a, code="parking")
    other = client_for(world.users["community_b"])
    assert other.get(reverse("tickets:category_edit", args=[cat.pk])).status_code == 404
    assert other.post(reverse("tickets:category_edit", args=[cat.pk]), {**NEW, "code": "x"}).status_code == 404
    assert other.get(reverse("tickets:catalogue") + f"?area={world.community_a.pk}").status_code == 404
    assert other.get(reverse("tickets:catalogue") + f"?area={world.street.pk}").status_code == 404
    assert other.get(reverse("tickets:catalogue") + "?area=junk").status_code == 404
    assert other.post(reverse("tickets:catalogue_standard"), {"area": world.community_a.pk}).status_code == 404
    assert other.get(reverse("tickets:category_new") + f"?area={world.community_a.pk}").status_code == 404
    assert Category.objects.get(pk=cat.pk).name == "停车秩序"
    # Their own street's staff may; installation-wide rows are the administrators'.
    assert client_for(world.users["street"]).get(reverse("tickets:category_edit", args=[cat.pk])).status_code == 200
    builtin = Category.objects.create(code="x", name="X")
    assert client_for(world.users["street"]).get(reverse("tickets:category_edit", args=[builtin.pk])).status_code == 404


def test_open311_uses_the_catalogue_of_the_keys_community(world, cats, client):
    from gongzhi.territory.testing import make_user
    from gongzhi.tickets.models import Open311Key, hash_key

    Open311Key.objects.create(name="测试", key_hash=hash_key("k-a"), prefix="k-a", user=make_user("open311"),
                              community=world.community_a)
    category_create(actor=world.users["community_b"], area=world.community_b, code="noise", **{**NEW, "active": True})
    catalogue_copy_standard(actor=world.users["community_a"], area=world.community_a)
    codes = {s["service_code"] for s in client.get("/open311/v2/services.json?api_key=k-a").json()}
    assert codes == {s[0] for s in STANDARD}
    post = {"api_key": "k-a", "address_string": "3栋", "description": "楼上夜里装修很吵"}
    assert client.post("/open311/v2/requests.json", {**post, "service_code": "noise"}).status_code == 400
    r = client.post("/open311/v2/requests.json", {**post, "service_code": "repair"})
    assert r.status_code == 201
    t = Ticket.objects.get(pk=r.json()[0]["service_request_id"])
    assert t.category.area == world.community_a


def test_open311_jurisdiction_id_picks_the_divisions_catalogue(world, cats, client):
    """Without a key, a public client names the street or community by its division code (GeoReport
    v2's jurisdiction_id) and gets the catalogue that serves it."""
    category_create(actor=world.users["community_b"], area=world.community_b, code="noise", **{**NEW, "active": True})
    catalogue_copy_standard(actor=world.users["community_a"], area=world.community_a)
    url = "/open311/v2/services.json"
    installation = {s["service_code"] for s in client.get(url).json()}
    assert "leak" in installation and "noise" not in installation
    in_b = {s["service_code"] for s in client.get(url, {"jurisdiction_id": world.community_b.code}).json()}
    assert in_b == {"noise"}
    in_a = {s["service_code"] for s in client.get(url, {"jurisdiction_id": world.community_a.code}).json()}
    assert in_a == {s[0] for s in STANDARD}
    street = {s["service_code"] for s in client.get(url, {"jurisdiction_id": world.street.code}).json()}
    assert street == installation  # the street keeps no catalogue of its own
    assert client.get("/open311/v2/services/noise.json", {"jurisdiction_id": world.community_b.code}).status_code == 200
    assert client.get("/open311/v2/services/noise.json").status_code == 404
    assert {s["service_code"] for s in client.get(url, {"jurisdiction_id": ""}).json()} == installation
    for bad in ("999999999999", "12", "１２３４５６７８９０１２", "=1+1", "\x00"):
        for path in (url, "/open311/v2/services/repair.xml"):
            r = client.get(path, {"jurisdiction_id": bad})
            assert r.status_code == 404 and "辖区代码" in r.content.decode(), (bad, path)
