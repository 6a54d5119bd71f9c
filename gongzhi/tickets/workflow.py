"""The ticket workflow in one place: the transition table and the one function that applies a
transition (checks the table, writes exactly one event row, saves the changed fields).

Services lock the row (`lock_ticket`), check permission, then call `apply_transition`."""

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.errors import Conflict

from .models import Action, Status, Ticket, TicketEvent

S = Status
TRANSITIONS: dict[str, set[str]] = {
    S.SUBMITTED: {S.DISPATCHED, S.REJECTED, S.MERGED},
    # DISPATCHED -> DISPATCHED is a re-dispatch or an escalation to another handler.
    S.DISPATCHED: {S.ACCEPTED, S.DISPATCHED, S.REJECTED, S.MERGED},
    S.ACCEPTED: {S.IN_PROGRESS, S.RESOLVED, S.DISPATCHED},
    S.IN_PROGRESS: {S.RESOLVED, S.DISPATCHED},
    S.RESOLVED: {S.FOLLOWED_UP, S.REOPENED},
    S.FOLLOWED_UP: {S.CLOSED},
    S.REOPENED: {S.ACCEPTED, S.DISPATCHED},
    S.CLOSED: set(),
    S.REJECTED: set(),
    S.MERGED: set(),
}


def can_transition(ticket: Ticket, to: str) -> bool:
    return to in TRANSITIONS[ticket.status]


def check_transition(ticket: Ticket, to: str) -> None:
    """Conflict (409) unless the table allows the move."""
    if not can_transition(ticket, to):
        raise Conflict(
            _("工单不能从“%(a)s”变为“%(b)s”") % {"a": ticket.get_status_display(), "b": Status(to).label},
            code="bad_transition", status=ticket.status,
        )


def lock_ticket(ticket_or_pk, *, skip_locked: bool = False) -> Ticket:
    """Re-read the ticket under a row lock (PostgreSQL); on SQLite the IMMEDIATE transaction already
    serialises writers. Must be called inside transaction.atomic."""
    pk = getattr(ticket_or_pk, "pk", ticket_or_pk)
    qs = Ticket.objects.select_related("category", "community")
    if connection.features.has_select_for_update:
        qs = qs.select_for_update(skip_locked=skip_locked, of=("self",))
    return qs.get(pk=pk)


def apply_transition(ticket: Ticket, to: str, *, actor, action: str, note: str = "", data: dict | None = None,
                     fields: dict | None = None, now=None) -> TicketEvent:
    """Move a locked ticket to `to`, set `fields`, and write one event row."""
    check_transition(ticket, to)
    now = now or timezone.now()
    event = TicketEvent.objects.create(ticket=ticket, actor=actor, at=now, action=action, from_status=ticket.status,
                                       to_status=to, note=note, data=data or {})
    fields = dict(fields or {})
    fields["status"] = to
    for name, value in fields.items():
        setattr(ticket, name, value)
    ticket.save(update_fields=[*fields.keys(), "updated_at"])
    return event


def record_note(ticket: Ticket, *, actor, note: str, data: dict | None = None, action: str = Action.NOTE) -> TicketEvent:
    """An event that changes no status (a note, a merged-in duplicate, a supervision on the top level)."""
    return TicketEvent.objects.create(ticket=ticket, actor=actor, action=action, from_status=ticket.status,
                                      to_status=ticket.status, note=note, data=data or {})
