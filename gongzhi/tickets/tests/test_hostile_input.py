"""Out-of-range and malformed input answers 400 (or 404), never 500; Open311 shows the public no more
than its window and no exact place."""

import datetime
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.services import token_create
from gongzhi.territory.testing import make_user
from gongzhi.tickets.models import Open311Key, Ticket, TicketEvent, hash_key

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"
KEY = "hostile-open311-key"


@pytest.fixture
def key(world, cats):
    Open311Key.objects.create(name="测试", key_hash=hash_key(KEY), prefix="hostile-", user=make_user("open311h"),
                              community=world.community_a)
    return KEY


@pytest.mark.parametrize("query", [
    "start_date=2020-13-45", "end_date=2020-02-30T10:00:00", "start_date=0001-01-01T00:00:00Z",
    "start_date=0001-01-01&end_date=0001-02-01", "end_date=9999-12-31T23:59:59", "start_date=9999-12-31",
    "service_request_id=12345678901234567890123", "service_request_id=²", "service_request_id=1,x",
    "status=nope",
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_bad_queries_answer_the_spec_400(world, cats, client, query, fmt):
    r = client.get(f"{BASE}/requests.{fmt}?{query}")
    assert r.status_code == 400
    if fmt == "json":
        assert r.json()[0]["code"] == 400 and r.json()[0]["description"]
    else:
        assert ET.fromstring(r.content).find("error/code").text == "400"


@pytest.mark.parametrize("pk", ["12345678901234567890123", "99999999999999999"])
def test_open311_huge_request_id_is_404(world, cats, client, pk):
    r = client.get(f"{BASE}/requests/{pk}.json")
    assert r.status_code == 404 and r.json()[0]["code"] == 404


@pytest.mark.parametrize("field,value", [("lat", "NaN"), ("long", "inf"), ("lat", "1e400"), ("lat", "abc"),
                                         ("lat", "95"), ("address_id", "²"), ("address_id", "1" * 23)])
def test_open311_post_bad_place_is_400(world, key, client, field, value):
    data = {"api_key": key, "service_code": "repair", "description": "路灯不亮好几天了", "lat": "30.1", "long": "104.2",
            field: value}
    r = client.post(f"{BASE}/requests.json", data)
    assert r.status_code == 400 and r.json()[0]["code"] == 400
    assert not Ticket.objects.exists()


def _ticket(world, key, client, **extra) -> Ticket:
    data = {"api_key": key, "service_code": "repair", "lat": "30.123456", "long": "104.654321",
            "description": "路灯不亮好几天了", **extra}
    r = client.post(f"{BASE}/requests.json", data)
    assert r.status_code == 201, r.content
    return Ticket.objects.get(pk=r.json()[0]["service_request_id"])


def test_open311_control_characters_keep_the_xml_well_formed(world, key, client):
    t = _ticket(world, key, client, description="坏了\x01\x08\x0b\x1f 快修")
    r = client.get(f"{BASE}/requests/{t.pk}.xml?api_key={key}")
    doc = ET.fromstring(r.content)  # raises if ill-formed
    assert doc.find("request/description").text == "坏了 快修"


def test_open311_public_rows_round_coordinates_keyed_rows_do_not(world, key, client):
    t = _ticket(world, key, client)
    public = client.get(f"{BASE}/requests/{t.pk}.json").json()[0]
    assert (public["lat"], public["long"]) == (30.123, 104.654)
    full = client.get(f"{BASE}/requests/{t.pk}.json?api_key={key}").json()[0]
    assert (Decimal(str(full["lat"])), Decimal(str(full["long"]))) == (Decimal("30.123456"), Decimal("104.654321"))
    listed = client.get(f"{BASE}/requests.json").json()
    assert [(r["lat"], r["long"]) for r in listed] == [(30.123, 104.654)]


def test_open311_ids_cannot_be_walked_past_the_public_window(world, key, client):
    old = _ticket(world, key, client)
    Ticket.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=200))
    recent = _ticket(world, key, client)
    assert client.get(f"{BASE}/requests/{old.pk}.json").status_code == 404
    assert client.get(f"{BASE}/requests/{recent.pk}.json").status_code == 200
    ids = client.get(f"{BASE}/requests.json?service_request_id={old.pk},{recent.pk}").json()
    assert [r["service_request_id"] for r in ids] == [str(recent.pk)]
    # The key's own community sees its old requests.
    assert client.get(f"{BASE}/requests/{old.pk}.json?api_key={key}").status_code == 200


def test_open311_list_query_count_does_not_grow_with_rows(world, key, client, django_assert_max_num_queries):
    for _ in range(6):
        t = _ticket(world, key, client)
        TicketEvent.objects.create(ticket=t, to_status="rejected", note="不属于受理范围")
        Ticket.objects.filter(pk=t.pk).update(status="rejected")
    with django_assert_max_num_queries(4):
        rows = client.get(f"{BASE}/requests.json?api_key={key}").json()
    assert len(rows) == 6 and {r["status_notes"] for r in rows} == {"不属于受理范围"}


@pytest.mark.parametrize("query", ["start=9999-12-31", "end=9999-12-31", "start=0001-01-01", "end=0001-01-01",
                                   "start=38056997007889-01-01", "start=2020-13-45", "node=²",
                                   "node=12345678901234567890123"])
def test_ticket_statistics_out_of_range_dates_are_400(world, cats, client_for, client, query):
    c = client_for(world.users["community_a"])
    assert c.get(reverse("tickets:stats") + "?" + query).status_code == 400
    assert c.get(reverse("tickets:stats_xlsx") + "?" + query).status_code == 400
    _t, k = token_create(actor=world.users["community_a"], name="t")
    api_query = query.replace("node=", "node_id=") if query.startswith("node") else f"node_id={world.community_a.pk}&{query}"
    r = client.get(f"/api/tickets/stats?{api_query}", HTTP_AUTHORIZATION=f"Bearer {k}")
    assert r.status_code in (400, 404, 422), r.content


def test_api_huge_ids_are_not_500(world, cats, client):
    _t, k = token_create(actor=world.users["community_a"], name="t")
    h = {"HTTP_AUTHORIZATION": f"Bearer {k}"}
    assert client.get("/api/tickets/12345678901234567890123", **h).status_code in (400, 404, 422)
    assert client.get("/api/tickets/stats?node_id=12345678901234567890123", **h).status_code in (400, 404, 422)


def test_photo_exif_gps_is_removed_on_upload_and_a_bad_image_is_400(world, cats, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from gongzhi.core.testing import tiny_image
    from gongzhi.tickets.models import Attachment

    with_gps = tiny_image("JPEG", gps=True)
    assert Image.open(__import__("io").BytesIO(with_gps)).getexif().get(0x8825)  # the fixture really has GPS
    c = client_for(world.users["resident_a1"])
    page = c.get(reverse("tickets:submit"))
    data = {"idem": page.context["form"].initial["idem"], "kind": "demand", "category": cats["repair"].pk,
            "description": "楼下路灯不亮已经三天了", "household": world.hh_a1.pk,
            "photos": [SimpleUploadedFile("gps.jpg", with_gps)]}
    assert c.post(reverse("tickets:submit"), data).status_code == 302
    a = Attachment.objects.get()
    with a.file.open("rb") as f:
        stored = f.read()
    exif = Image.open(__import__("io").BytesIO(stored)).getexif()
    assert not exif.get(0x8825) and not exif.get(0x010F) and b"PhoneMaker" not in stored
    # A file with a JPEG's first bytes that Pillow cannot decode: refused with the page's 400.
    page = c.get(reverse("tickets:submit"))
    data.update(idem=page.context["form"].initial["idem"],
                photos=[SimpleUploadedFile("fake.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 64)])
    r = c.post(reverse("tickets:submit"), data)
    assert r.status_code == 400 and "不是可读取的" in r.content.decode()
    assert Attachment.objects.count() == 1
