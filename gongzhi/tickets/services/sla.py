"""The SLA job: every open ticket past its current deadline gets one supervision record (督办) and
moves one level up, with notice to the new handler and the old one.

Safe to run twice at once: each ticket is handled in its own transaction that re-reads it with
`SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL (a ticket another worker holds is skipped) and
re-checks that it is still overdue; on SQLite the IMMEDIATE transactions run one after the other.
The unique (ticket, missed_deadline) constraint on Supervision is the last guard."""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import notices
from ..deadlines import WorkCalendar, fresh_window
from ..models import OPEN_STATUSES, Action, Status, Supervision, Ticket
from ..routing import first_route, route_above
from ..workflow import apply_transition, lock_ticket, record_note

log = logging.getLogger(__name__)


def sweep(*, now=None, limit: int = 500) -> int:
    """Escalate up to `limit` overdue tickets; returns how many this run escalated."""
    now = now or timezone.now()
    ids = list(Ticket.objects.filter(status__in=OPEN_STATUSES, due_at__lte=now).order_by("due_at")
               .values_list("pk", flat=True)[:limit])
    done = 0
    calendar = WorkCalendar()  # the work calendar is read once per sweep, not once per ticket
    for pk in ids:
        try:
            done += escalate_overdue(pk, now=now, calendar=calendar)
        except IntegrityError:  # another run recorded this deadline first
            log.info("ticket %s already supervised", pk)
    return done


@transaction.atomic
def escalate_overdue(pk: int, *, now=None, calendar: WorkCalendar | None = None) -> int:
    now = now or timezone.now()
    try:
        ticket = lock_ticket(pk, skip_locked=True)
    except Ticket.DoesNotExist:
        return 0  # locked by another run (or gone)
    if ticket.status not in OPEN_STATUSES or ticket.due_at is None or ticket.due_at > now:
        return 0  # another run got here first
    responded = ticket.status in (Status.ACCEPTED, Status.IN_PROGRESS)
    kind = Supervision.Kind.RESOLUTION if responded else Supervision.Kind.RESPONSE
    missed = ticket.due_at
    old_users = notices.handler_users(ticket)
    old_level, old_handler = ticket.handling_level, ticket.handler
    route = first_route(ticket) if ticket.status == Status.SUBMITTED else route_above(ticket)
    with transaction.atomic():
        sup = Supervision.objects.create(ticket=ticket, kind=kind, missed_deadline=missed, created_at=now,
                                         from_level=old_level, from_handler=old_handler)
    if route is None:
        # Already at the top: the record stands, the handler is reminded, the clock restarts.
        due = fresh_window(ticket.category, now, resolve=responded, calendar=calendar)
        Ticket.objects.filter(pk=ticket.pk).update(due_at=due)
        record_note(ticket, actor=None, action=Action.ESCALATE, note=_("超时督办（已是最高层级）"))
        notices.tell(old_users, ticket, _("您承办的工单已超时，请尽快办理"), kind="supervision")
        return 1
    note = _("%(kind)s，督办升级至%(to)s") % {"kind": Supervision.Kind(kind).label, "to": route.label}
    apply_transition(ticket, Status.DISPATCHED, actor=None, action=Action.ESCALATE, note=note, now=now,
                     data={"from_level": old_level, "to_level": route.level, "supervision": sup.pk},
                     fields={"handler": route.user, "handler_org": route.org, "handling_level": route.level,
                             "due_at": fresh_window(ticket.category, now, resolve=False, calendar=calendar),
                             "escalations": ticket.escalations + 1})
    Supervision.objects.filter(pk=sup.pk).update(to_level=route.level, to_handler=route.user, note=note[:200])
    notices.escalated(ticket, [u for u in old_users if u not in notices.handler_users(ticket)], note)
    return 1
