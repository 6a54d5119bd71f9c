"""A new ticket and its first event in one SQL statement (PostgreSQL).

Intake is the busiest write in the system. Through the ORM it is BEGIN, INSERT ticket, INSERT event,
COMMIT: four round trips and ~0.65 ms of Python; this is one statement (a data-modifying CTE, atomic
on its own) and ~0.25 ms. The columns and values are the ORM's own (`concrete_fields`, `pre_save`,
`get_db_prep_save`), so a field added to either model is written here too; tests/test_insert.py
compares the rows with those the ORM writes. SQLite has no INSERT inside WITH: there, and whenever
photos are saved with the ticket, intake uses the ORM in a transaction."""

from contextlib import nullcontext

from django.db import connection, transaction

from gongzhi.core.db import prepared_cursor

from .models import Ticket, TicketEvent

_SQL: dict[str, str] = {}


def one_statement_available() -> bool:
    return connection.vendor == "postgresql"


def _fields(model, skip=()):
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.name not in skip]


def _sql() -> str:
    if "sql" not in _SQL:
        q = connection.ops.quote_name
        tf, ef = _fields(Ticket), _fields(TicketEvent, skip={"ticket"})
        _SQL["sql"] = (
            f"WITH t AS (INSERT INTO {q(Ticket._meta.db_table)} ({', '.join(q(f.column) for f in tf)}) "
            f"VALUES ({', '.join(['%s'] * len(tf))}) RETURNING id) "
            f"INSERT INTO {q(TicketEvent._meta.db_table)} ({q(TicketEvent._meta.get_field('ticket').column)}, "
            f"{', '.join(q(f.column) for f in ef)}) SELECT t.id, {', '.join(['%s'] * len(ef))} FROM t "
            f"RETURNING {q(TicketEvent._meta.get_field('ticket').column)}, id"
        )
    return _SQL["sql"]


def insert_ticket_with_event(ticket: Ticket, event: TicketEvent) -> None:
    """Write both unsaved rows; afterwards they are saved instances with their ids. Raises
    IntegrityError (and writes nothing) on a unique clash, like the ORM; inside a transaction it
    runs in a savepoint so that the caller's transaction survives the clash."""
    params = [f.get_db_prep_save(f.pre_save(ticket, True), connection) for f in _fields(Ticket)]
    params += [f.get_db_prep_save(f.pre_save(event, True), connection) for f in _fields(TicketEvent, skip={"ticket"})]
    with transaction.atomic() if connection.in_atomic_block else nullcontext(), prepared_cursor() as cur:
        cur.execute(_sql(), params)
        ticket_id, event_id = cur.fetchone()
    ticket.pk, event.pk, event.ticket = ticket_id, event_id, ticket
    for row in (ticket, event):
        row._state.adding, row._state.db = False, connection.alias
