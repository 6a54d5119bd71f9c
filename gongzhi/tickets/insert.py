"""A new ticket and its first event in one SQL statement (PostgreSQL).

Intake is the busiest write in the system. Through the ORM it is BEGIN, INSERT ticket, INSERT event,
COMMIT: four round trips and ~0.65 ms of Python; this is one statement (data-modifying CTEs, atomic
on their own) and ~0.25 ms. The columns and values are the ORM's own (`concrete_fields`, `pre_save`,
`get_db_prep_save`), so a field added to either model is written here too; tests/test_insert.py
compares the rows with those the ORM writes. SQLite has no INSERT inside WITH: there, and whenever
photos are saved with the ticket, intake uses the ORM in a transaction.

`insert_at_household` goes one step further for staff filing at a household by id: the household's
place is read, the filer's scope checked (territory.scoping.covers_household_sql) and both rows
written in the same statement, so the request makes one round trip for the whole ticket."""

import functools
import re
from contextlib import nullcontext

from django.db import connection, transaction
from django.utils import timezone

from gongzhi.core.db import prepared_cursor
from gongzhi.core.paths import UPPER
from gongzhi.territory.models import Grid, Household, Level, Node
from gongzhi.territory.scoping import covers_household_sql

from .models import Ticket, TicketEvent

_NO_TICKET = frozenset({"ticket"})
# The ticket's place columns as the household statement reads them (everything else is a parameter).
_PLACE = {"community_id": "place.community_id", "household_id": "place.id", "node_path": "place.node_path",
          "grid_id": "place.grid_id", "micro_grid_id": "place.micro_grid_id"}


def one_statement_available() -> bool:
    return connection.vendor == "postgresql"


@functools.cache
def _fields(model, skip=frozenset()) -> tuple:
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key and f.name not in skip)


def _cast(f) -> str:
    """A typed placeholder: in INSERT ... SELECT a bare NULL parameter would be text. Without the
    length: a cast to varchar(n) would cut an over-long value silently, the column refuses it."""
    return "%s::" + re.sub(r"^(varchar|character varying)\(\d+\)$", r"\1", f.db_type(connection))


def _event_part() -> str:
    q = connection.ops.quote_name
    ef = _fields(TicketEvent, _NO_TICKET)
    return (f"INSERT INTO {q(TicketEvent._meta.db_table)} ({q(TicketEvent._meta.get_field('ticket').column)}, "
            f"{', '.join(q(f.column) for f in ef)}) SELECT t.id, {', '.join(_cast(f) for f in ef)} FROM t")


@functools.cache
def _sql() -> str:
    q = connection.ops.quote_name
    tf = _fields(Ticket)
    return (
        f"WITH t AS (INSERT INTO {q(Ticket._meta.db_table)} ({', '.join(q(f.column) for f in tf)}) "
        f"VALUES ({', '.join(['%s'] * len(tf))}) RETURNING id) "
        f"{_event_part()} RETURNING {q(TicketEvent._meta.get_field('ticket').column)}, id"
    )


@functools.cache
def _at_household_sql() -> str:
    q = connection.ops.quote_name
    hh, grid, node = (q(m._meta.db_table) for m in (Household, Grid, Node))
    tf = _fields(Ticket)
    values = ", ".join(_PLACE.get(f.attname) or _cast(f) for f in tf)
    return (
        # The household, if its micro-grid's community really contains it and the filer's scope
        # covers it (the same conditions as services.intake's checks; otherwise no row, no write).
        f"WITH place AS (SELECT h.id, h.node_path, h.micro_grid_id, g.parent_id AS grid_id, g.community_id "
        f"FROM {hh} h JOIN {grid} g ON g.id = h.micro_grid_id JOIN {node} c ON c.id = g.community_id "
        f"WHERE h.id = %s AND c.level = '{Level.COMMUNITY.value}' AND h.node_path >= c.path "
        f"AND h.node_path < c.path || '{UPPER}' AND {covers_household_sql()}), "
        f"t AS (INSERT INTO {q(Ticket._meta.db_table)} ({', '.join(q(f.column) for f in tf)}) "
        f"SELECT {values} FROM place RETURNING id, community_id, node_path, grid_id, micro_grid_id), "
        f"e AS ({_event_part()} RETURNING id) "
        f"SELECT t.id, t.community_id, t.node_path, t.grid_id, t.micro_grid_id, e.id FROM t, e"
    )


def _params(obj, fields) -> list:
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def _saved(ticket: Ticket, event: TicketEvent, ticket_id: int, event_id: int) -> None:
    ticket.pk, event.pk, event.ticket = ticket_id, event_id, ticket
    for row in (ticket, event):
        row._state.adding, row._state.db = False, connection.alias


def _savepoint():
    # Inside a transaction the statement runs in a savepoint, so that the caller's transaction
    # survives a unique clash (an idempotent repeat), as with the ORM.
    return transaction.atomic() if connection.in_atomic_block else nullcontext()


def insert_ticket_with_event(ticket: Ticket, event: TicketEvent) -> None:
    """Write both unsaved rows; afterwards they are saved instances with their ids. Raises
    IntegrityError (and writes nothing) on a unique clash, like the ORM."""
    params = _params(ticket, _fields(Ticket)) + _params(event, _fields(TicketEvent, _NO_TICKET))
    with _savepoint(), prepared_cursor() as cur:
        cur.execute(_sql(), params)
        ticket_id, event_id = cur.fetchone()
    _saved(ticket, event, ticket_id, event_id)


def insert_at_household(ticket: Ticket, event: TicketEvent, *, household_id: int, filer) -> bool:
    """Write the ticket at household `household_id` (its place columns are read from the household
    in the statement; whatever the unsaved ticket holds there is replaced) if that household sits
    in its micro-grid's community and `filer`'s scope covers it. False, and nothing written,
    otherwise: the caller then looks the household up the long way to say why."""
    day = connection.ops.adapt_datefield_value(timezone.localdate())
    params = [household_id, filer.pk, day, day]
    params += _params(ticket, [f for f in _fields(Ticket) if f.attname not in _PLACE])
    params += _params(event, _fields(TicketEvent, _NO_TICKET))
    with _savepoint(), prepared_cursor() as cur:
        cur.execute(_at_household_sql(), params)
        row = cur.fetchone()
    if row is None:
        return False
    ticket_id, ticket.community_id, ticket.node_path, ticket.grid_id, ticket.micro_grid_id, event_id = row
    ticket.household_id = household_id
    _saved(ticket, event, ticket_id, event_id)
    return True
