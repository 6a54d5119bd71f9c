"""The one-statement insert of a new ticket and its event writes what the ORM would (PostgreSQL)."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.tickets.insert import insert_ticket_with_event
from gongzhi.tickets.models import Ticket, TicketEvent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no INSERT inside WITH; intake uses the ORM there"),
]


def _pair(world, cats, key):
    now = timezone.now().replace(microsecond=123456)
    hh = world.hh_a1
    ticket = Ticket(kind="hazard", channel="visit", category=cats["repair"], title="楼道堆物", description="楼道堆放杂物有火灾隐患",
                    community=world.community_a, household=hh, node_path=hh.node_path, micro_grid_id=hh.micro_grid_id,
                    grid_id=hh.micro_grid.parent_id, address="1单元", lat=Decimal("30.123456"), long=Decimal("104.654321"),
                    reporter=world.users["resident_a1"], reporter_name="王大爷", reporter_phone="13900001111",
                    filed_by=world.users["grid_a1"], idempotency_key=key, status="submitted", created_at=now,
                    respond_by=now + datetime.timedelta(hours=24), resolve_by=now + datetime.timedelta(hours=72),
                    due_at=now + datetime.timedelta(hours=24), announce_pending=True)
    event = TicketEvent(actor=world.users["grid_a1"], at=now, action="submit", from_status="", to_status="submitted",
                        note="网格走访", data={"channel": "visit", "中文": [1, 2]})
    return ticket, event


def _row(model, pk, drop):
    row = model.objects.filter(pk=pk).values().get()
    return {k: v for k, v in row.items() if k not in drop}


def test_one_statement_writes_the_same_rows_as_the_orm(world, cats):
    fast_t, fast_e = _pair(world, cats, "fast")
    with CaptureQueriesContext(connection) as ctx:
        insert_ticket_with_event(fast_t, fast_e)
    assert [q["sql"][:4] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]] == ["WITH"]
    assert fast_t.pk and fast_e.pk and fast_e.ticket_id == fast_t.pk and not fast_t._state.adding
    orm_t, orm_e = _pair(world, cats, "orm")
    orm_t.save(force_insert=True)
    orm_e.ticket = orm_t
    orm_e.save(force_insert=True)
    drop_t, drop_e = {"id", "idempotency_key", "updated_at"}, {"id", "ticket_id"}
    assert _row(Ticket, fast_t.pk, drop_t) == _row(Ticket, orm_t.pk, drop_t)
    assert _row(TicketEvent, fast_e.pk, drop_e) == _row(TicketEvent, orm_e.pk, drop_e)
    assert Ticket.objects.get(pk=fast_t.pk).updated_at is not None


def test_a_unique_clash_writes_nothing_and_keeps_the_callers_transaction(world, cats):
    first, ev = _pair(world, cats, "same")
    insert_ticket_with_event(first, ev)
    before = (Ticket.objects.count(), TicketEvent.objects.count())
    with transaction.atomic():
        again, ev2 = _pair(world, cats, "same")
        with pytest.raises(IntegrityError):
            insert_ticket_with_event(again, ev2)
        assert (Ticket.objects.count(), TicketEvent.objects.count()) == before  # the transaction still works
