"""Filing at a household named by id (the API): the same answers on both engines, whether the
household is read in the insert's own statement (PostgreSQL) or looked up first (SQLite)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.accounts.services import token_create
from gongzhi.territory.models import Household, Role
from gongzhi.territory.testing import assign, make_user
from gongzhi.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def _post(client, user, household_id, **extra):
    _t, key = token_create(actor=user, name="t")
    body = {"category": "repair", "channel": "visit", "household_id": household_id,
            "description": "走访发现楼道灯不亮需要维修", **extra}
    return client.post("/api/tickets/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_a_covered_household_gets_its_place_and_one_event(world, cats, client):
    r = _post(client, world.users["grid_a1"], world.hh_a1.pk, idempotency_key="k")
    assert r.status_code == 201
    t = Ticket.objects.get(pk=r.json()["id"])
    hh = Household.objects.select_related("micro_grid").get(pk=world.hh_a1.pk)
    assert (t.community_id, t.household_id, t.node_path, t.grid_id, t.micro_grid_id) == (
        world.community_a.pk, hh.pk, hh.node_path, hh.micro_grid.parent_id, hh.micro_grid_id)
    assert r.json()["community_id"] == world.community_a.pk and r.json()["household_id"] == hh.pk
    assert list(TicketEvent.objects.filter(ticket=t).values_list("action", "actor_id")) == [
        ("submit", world.users["grid_a1"].pk)]
    again = _post(client, world.users["grid_a1"], world.hh_a1.pk, idempotency_key="k")
    assert again.status_code == 201 and again.json()["id"] == t.pk and Ticket.objects.count() == 1


def test_another_grids_household_is_not_found_and_nothing_is_written(world, cats, client):
    assert _post(client, world.users["grid_a1"], world.hh_a2.pk).status_code == 404
    assert _post(client, world.users["grid_a1"], world.hh_b1.pk).status_code == 404
    assert _post(client, world.users["grid_a1"], 10**9).status_code == 404
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()


def test_ones_own_home_outside_ones_responsibility_is_refused_not_hidden(world, cats, client):
    u = world.users["grid_a1"]
    assign(u, Role.RESIDENT, world.hh_a2)  # lives in grid A2, works in A1
    r = _post(client, u, world.hh_a2.pk)
    assert r.status_code == 403 and "无权登记" in r.json()["detail"]
    assert not Ticket.objects.exists()


def test_a_superuser_files_anywhere(world, cats, client):
    boss = make_user("boss_intake", is_superuser=True, is_staff=True)
    r = _post(client, boss, world.hh_b1.pk)
    assert r.status_code == 201 and Ticket.objects.get().community_id == world.community_b.pk


def test_intake_by_household_id_costs_a_bounded_number_of_queries(world, cats, client):
    _post(client, world.users["grid_a1"], world.hh_a1.pk, idempotency_key="warm")
    with CaptureQueriesContext(connection) as ctx:
        assert _post(client, world.users["grid_a1"], world.hh_a1.pk, idempotency_key="one").status_code == 201
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("INSERT") and "tickets_" in q["sql"]]
    assert len(writes) == 2  # the ticket and its submit event, through the ORM
    assert len(ctx.captured_queries) <= 20, [q["sql"] for q in ctx.captured_queries]


def test_a_repeat_carrying_a_12345_number_on_another_channel_gets_the_first_ticket(world, cats):
    from gongzhi.tickets.services import ticket_submit

    kw = dict(actor=world.users["community_a"], channel="hotline", category=cats["repair"],
              description="楼道灯坏了很久没人修", household=world.hh_a1, external_no="HX-0001", idempotency_key="same")
    first = ticket_submit(**kw)
    assert ticket_submit(**kw).pk == first.pk and Ticket.objects.count() == 1


def test_the_address_is_cleaned_the_same_way_on_every_path(world, cats):
    from gongzhi.tickets.services import ticket_submit

    kw = dict(actor=world.users["grid_a1"], channel="visit", category=cats["repair"], description="楼道灯坏了很久没人修")
    by_id = ticket_submit(household_id=world.hh_a1.pk, address="  1栋101  ", **kw)
    by_row = ticket_submit(household=world.hh_a1, address="  1栋101  ", **kw)
    long_one = ticket_submit(household_id=world.hh_a1.pk, address="长" * 300, **kw)
    assert Ticket.objects.get(pk=by_id.pk).address == Ticket.objects.get(pk=by_row.pk).address == "1栋101"
    assert Ticket.objects.get(pk=long_one.pk).address == "长" * 200
