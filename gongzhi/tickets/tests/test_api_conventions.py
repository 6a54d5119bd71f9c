"""The API's conventions on the tickets' endpoints: 409 with a code on conflicts, +08:00 times, the
handler and level shown, 督办 records readable, unknown filters refused, errors declared in OpenAPI."""

import datetime

import pytest
from django.utils import timezone

from gongzhi.accounts.services import token_create
from gongzhi.tickets import services
from gongzhi.tickets.models import Supervision, Ticket

pytestmark = pytest.mark.django_db


def _bearer(user):
    _t, key = token_create(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _post(client, url, body, h):
    return client.post(url, body, content_type="application/json", **h)


def test_a_transition_no_longer_allowed_is_409_with_a_code(world, flow, client):
    t = flow("dispatched")
    g = _bearer(world.users["grid_a1"])
    assert _post(client, f"/api/tickets/{t.pk}/accept", {}, g).status_code == 200
    r = _post(client, f"/api/tickets/{t.pk}/accept", {}, g)  # again: no longer allowed
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "bad_transition" and body["status"] == "accepted" and "不能从" in body["detail"]


def test_a_repeated_12345_number_is_409_naming_the_existing_ticket(world, cats, client):
    h = _bearer(world.users["community_a"])
    body = {"category": "repair", "channel": "12345", "household_id": world.hh_a1.pk,
            "description": "楼道灯坏了很久没人修", "external_no": "HX-2026-0001"}
    first = _post(client, "/api/tickets/", body, h)
    assert first.status_code == 201
    again = _post(client, "/api/tickets/", body, h)
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_external_no" and again.json()["ticket_id"] == first.json()["id"]
    assert Ticket.objects.count() == 1


def test_a_wish_already_claimed_is_409(world, client):
    from gongzhi.tickets.services import wish_create

    wish = wish_create(actor=world.users["resident_a1"], title="想要一个轮椅", description="腿脚不便")
    claimers = ["community_a", "street"]
    assert _post(client, f"/api/tickets/wishes/{wish.pk}/claim", {}, _bearer(world.users[claimers[0]])).status_code == 200
    r = _post(client, f"/api/tickets/wishes/{wish.pk}/claim", {}, _bearer(world.users[claimers[1]]))
    assert r.status_code == 409 and r.json()["code"] in ("already_claimed", "bad_transition")


def test_times_are_in_china_standard_time(world, flow, client):
    t = flow("dispatched")
    r = client.get(f"/api/tickets/{t.pk}", **_bearer(world.users["grid_a1"])).json()
    for value in (r["created_at"], r["respond_by"], r["events"][0]["at"]):
        assert value.endswith("+08:00"), value
    assert datetime.datetime.fromisoformat(r["created_at"]) == Ticket.objects.get(pk=t.pk).created_at


def test_a_ticket_shows_its_handler_and_level(world, flow, client):
    t = flow("dispatched")
    r = client.get(f"/api/tickets/{t.pk}", **_bearer(world.users["grid_a1"])).json()
    assert r["handler_name"] == world.users["grid_a1"].display_name
    assert r["handling_level_label"] and r["handling_level"]
    items = client.get("/api/tickets/board", **_bearer(world.users["community_a"])).json()["items"]
    assert items[0]["handler_name"] == world.users["grid_a1"].display_name


def test_supervision_records_are_readable_and_scoped(world, flow, client):
    t = flow("dispatched")
    services.ticket_supervise(actor=world.users["community_a"], ticket=t, note="请尽快处理")
    assert Supervision.objects.count() == 1
    h = _bearer(world.users["community_a"])
    items = client.get("/api/tickets/supervisions", **h).json()["items"]
    assert [(s["ticket_id"], s["note"], s["by"]) for s in items] == [
        (t.pk, "请尽快处理", world.users["community_a"].display_name)]
    assert items[0]["created_at"].endswith("+08:00") and items[0]["kind_label"]
    assert client.get(f"/api/tickets/{t.pk}/supervisions", **h).json()["count"] == 1
    other = _bearer(world.users["community_b"])
    assert client.get("/api/tickets/supervisions", **other).json()["count"] == 0
    assert client.get(f"/api/tickets/{t.pk}/supervisions", **other).status_code == 404


def test_unknown_filter_values_are_refused_not_everything(world, flow, client):
    flow("dispatched")
    h = _bearer(world.users["community_a"])
    for url in ("/api/tickets/?status=nonsense", "/api/tickets/board?status=nonsense",
                "/api/tickets/wishes?status=nonsense"):
        r = client.get(url, **h)
        assert r.status_code == 422 and r.json()["detail"], url
    assert client.get("/api/tickets/?status=dispatched", **h).json()["count"] == 1


def test_the_openapi_document_declares_the_error_answers(client):
    schema = client.get("/api/openapi.json").json()
    action = schema["paths"]["/api/tickets/{pk}/{action}"]["post"]["responses"]
    assert {"200", "400", "403", "404", "409", "422"} <= set(action)
    listing = schema["paths"]["/api/tickets/"]["get"]["responses"]
    assert {"200", "404", "422"} <= set(listing) and "409" not in listing
    assert "ConflictOut" in schema["components"]["schemas"]
    status = next(p for p in schema["paths"]["/api/tickets/"]["get"]["parameters"] if p["name"] == "status")
    assert status  # the allowed values are in the document (an enum)
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"


def test_stats_page_api_and_excel_apply_the_same_worker_check(world, flow, client_for):
    """A grid worker may see the community's node but works only in their grid: no figures for the
    community anywhere (the Excel export refused them; page and API now too)."""
    from django.urls import reverse

    flow("closed")
    node = world.community_a.pk
    g = client_for(world.users["grid_a1"])
    assert g.get(reverse("tickets:stats_xlsx") + f"?node={node}").status_code == 404
    assert g.get(reverse("tickets:stats") + f"?node={node}").status_code == 404
    assert g.get(f"/api/tickets/stats?node_id={node}").status_code == 404
    c = client_for(world.users["community_a"])
    assert c.get(reverse("tickets:stats") + f"?node={node}").status_code == 200
    assert c.get(f"/api/tickets/stats?node_id={node}").status_code == 200
