import xml.etree.ElementTree as ET

import pytest

from gongzhi.territory.testing import make_user
from gongzhi.tickets.models import Open311Key, Ticket, hash_key

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"


@pytest.fixture
def key(world, cats):
    Open311Key.objects.create(name="测试", key_hash=hash_key("demo-open311-key"), prefix="demo-ope",
                              user=make_user("open311"), community=world.community_a)
    return "demo-open311-key"


def test_discovery_services_and_definition(world, cats, client):
    d = client.get(f"{BASE}/discovery.json").json()
    assert d["endpoints"][0]["specification"].endswith("GeoReport_v2")
    services = client.get(f"{BASE}/services.json").json()
    leak = next(s for s in services if s["service_code"] == "leak")
    assert leak["metadata"] is True and leak["service_name"] == "漏水渗水" and leak["type"] == "realtime"
    definition = client.get(f"{BASE}/services/leak.json").json()
    assert {a["code"] for a in definition["attributes"]} == {"floor", "severity"}
    x = ET.fromstring(client.get(f"{BASE}/services/leak.xml").content)
    assert x.tag == "service_definition" and x.find("attributes/attribute/code").text == "floor"
    r = client.get(f"{BASE}/services/nope.json")
    assert r.status_code == 404 and r.json()[0]["code"] == 404 and "description" in r.json()[0]


def test_post_request_with_key_then_token_and_get(world, key, client):
    r = client.post(f"{BASE}/requests.json", {"api_key": key, "service_code": "repair", "lat": "30.1", "long": "104.2",
                                              "description": "路灯不亮好几天了", "first_name": "明", "last_name": "李"})
    assert r.status_code == 201, r.content
    body = r.json()[0]
    t = Ticket.objects.get(pk=body["service_request_id"])
    assert (t.channel, t.community, t.reporter_name) == ("open311", world.community_a, "李 明")
    tok = client.get(f"{BASE}/tokens/{body['token']}.json").json()
    assert tok == [{"service_request_id": str(t.pk), "token": body["token"]}]
    one = client.get(f"{BASE}/requests/{t.pk}.json").json()[0]
    assert one["status"] == "open" and one["service_code"] == "repair" and one["description"] == ""
    assert one["requested_datetime"].endswith("+08:00")
    full = client.get(f"{BASE}/requests/{t.pk}.json?api_key={key}").json()[0]
    assert full["description"] == "路灯不亮好几天了"
    x = ET.fromstring(client.get(f"{BASE}/requests/{t.pk}.xml").content)
    assert x.tag == "service_requests" and x.find("request/service_request_id").text == str(t.pk)


def test_post_errors_follow_the_spec(world, key, client):
    r = client.post(f"{BASE}/requests.json", {"service_code": "repair", "address_string": "x"})
    assert r.status_code == 403 and r.json()[0]["code"] == 403
    r = client.post(f"{BASE}/requests.xml", {"api_key": key, "service_code": "zzz", "address_string": "x"})
    assert r.status_code == 400 and ET.fromstring(r.content).find("error/code").text == "400"
    r = client.post(f"{BASE}/requests.json", {"api_key": key, "service_code": "repair", "description": "没有地点"})
    assert r.status_code == 400
    r = client.post(f"{BASE}/requests.json", {"api_key": key, "service_code": "leak", "address_string": "3栋"})
    assert r.status_code == 400 and "severity" in r.json()[0]["description"]
    r = client.post(f"{BASE}/requests.json", {"api_key": key, "service_code": "leak", "address_string": "3栋",
                                              "description": "楼上漏水到我家", "attribute[severity]": "high"})
    assert r.status_code == 201
    assert "严重程度" in Ticket.objects.get(pk=r.json()[0]["service_request_id"]).description
    r = client.post(f"{BASE}/requests.json", {"api_key": key, "service_code": "repair",
                                              "address_id": str(world.community_b.pk), "description": "别的社区的事情"})
    assert r.status_code == 400
    assert client.get(f"{BASE}/tokens/nope.json").status_code == 404


def test_get_requests_filters(world, key, flow, client):
    a = flow("closed")
    b = flow("dispatched")
    got = client.get(f"{BASE}/requests.json").json()
    assert {g["service_request_id"] for g in got} == {str(a.pk), str(b.pk)}
    assert [g["service_request_id"] for g in client.get(f"{BASE}/requests.json?status=closed").json()] == [str(a.pk)]
    assert [g["service_request_id"] for g in client.get(f"{BASE}/requests.json?status=open").json()] == [str(b.pk)]
    assert client.get(f"{BASE}/requests.json?service_code=parking").json() == []
    ids = client.get(f"{BASE}/requests.json?service_request_id={a.pk}").json()
    assert len(ids) == 1
    assert client.get(f"{BASE}/requests.json?start_date=2020-01-01T00:00:00Z&end_date=2020-12-31T00:00:00Z").status_code == 400
    assert client.get(f"{BASE}/requests.json?start_date=garbage").status_code == 400
    assert client.get(f"{BASE}/requests.json?status=pending").status_code == 400
    assert client.get(f"{BASE}/requests/999999.json").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_georeport_client_against_live_server(world, cats, live_server):
    from georeport import GeoReport

    from gongzhi.tickets import services
    services.ticket_submit(actor=world.users["community_a"], channel="hotline", category=cats["repair"],
                           household=world.hh_a1, description="门禁坏了进不去")
    for fmt in ("json", "xml"):
        client = GeoReport(f"{live_server.url}/open311/v2", output_format=fmt)
        svc = client.get_service_list()
        assert any(s["service_code"] == "repair" for s in svc)
        assert client.get_service_definition("leak")["service_code"] == "leak"
        reqs = client.get_service_requests(status="open")
        reqs = reqs if isinstance(reqs, list) else [reqs]
        assert reqs[0]["service_code"] == "repair"
        one = client.get_service_request(reqs[0]["service_request_id"])
        assert one["service_request_id"] == reqs[0]["service_request_id"]
