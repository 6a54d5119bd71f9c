"""The SLA job: every open ticket past its current deadline gets one supervision record (督办) and
moves one level up, with notice to the new handler and the old one.

Batch-friendly: one sweep reads up to `limit` overdue tickets under `SELECT ... FOR UPDATE SKIP
LOCKED` (PostgreSQL; a ticket another run holds is skipped, so two runs at once share the backlog),
computes their routes in a few queries (routing.prime), and writes the supervision records, the
event rows (one per ticket) and the notices with bulk_create: a bounded number of statements per
batch, whatever its size. On SQLite the IMMEDIATE transaction serialises two runs, and the second
finds the tickets no longer overdue. The unique (ticket, missed_deadline) constraint on Supervision
is the last guard: if it fires, the batch is rolled back and its tickets are taken one by one."""

import logging

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.notify import Message, notify_many
from gongzhi.people.models import OrganisationMember

from .. import notices
from ..deadlines import WorkCalendar, fresh_window
from ..models import OPEN_STATUSES, Action, Status, Supervision, Ticket, TicketEvent
from ..routing import first_route, prime, route_above
from ..workflow import apply_transition, check_transition, lock_ticket, record_note

log = logging.getLogger(__name__)


def sweep(*, now=None, limit: int = 500) -> int:
    """Escalate up to `limit` overdue tickets; returns how many this run escalated."""
    now = now or timezone.now()
    calendar = WorkCalendar()  # the work calendar is read once per sweep, not once per ticket
    try:
        return _sweep_batch(now, limit, calendar)
    except IntegrityError:  # another run recorded one of these deadlines first: one by one
        log.info("SLA batch collided with another run; escalating one ticket at a time")
    ids = list(_overdue(now).values_list("pk", flat=True)[:limit])
    done, routes = 0, {}
    for pk in ids:
        try:
            done += escalate_overdue(pk, now=now, calendar=calendar, routes=routes)
        except IntegrityError:
            log.info("ticket %s already supervised", pk)
    return done


def _overdue(now):
    return Ticket.objects.filter(status__in=OPEN_STATUSES, due_at__lte=now).order_by("due_at", "pk")


@transaction.atomic
def _sweep_batch(now, limit: int, calendar: WorkCalendar) -> int:
    qs = _overdue(now).select_related("category", "community", "handler", "household__node",
                                      "household__micro_grid", "node")
    if connection.features.has_select_for_update:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    tickets = list(qs[:limit])
    if not tickets:
        return 0
    routes: dict = {}
    prime(tickets, routes)
    plans = [(t, first_route(t, routes) if t.status == Status.SUBMITTED else route_above(t, routes))
             for t in tickets]
    members = _org_members({t.handler_org_id for t in tickets} | {r.org.pk for _t, r in plans if r and r.org})

    def handler_users(user, org_id):
        return ([user] if user is not None else []) + members.get(org_id, [])

    sups, events, messages, changed = [], [], [], []
    stamp = timezone.now()
    for t, route in plans:
        if route is not None:
            check_transition(t, Status.DISPATCHED)
        responded = t.status in (Status.ACCEPTED, Status.IN_PROGRESS)
        kind = Supervision.Kind.RESOLUTION if responded else Supervision.Kind.RESPONSE
        old_users = handler_users(t.handler, t.handler_org_id)
        sup = Supervision(ticket=t, kind=kind, missed_deadline=t.due_at, created_at=now,
                          from_level=t.handling_level, from_handler=t.handler)
        sups.append(sup)
        if route is None:
            # Already at the top: the record stands, the handler is reminded, the clock restarts.
            t.due_at = fresh_window(t.category, now, resolve=responded, calendar=calendar)
            events.append((TicketEvent(ticket=t, actor=None, action=Action.ESCALATE, from_status=t.status,
                                       to_status=t.status, note=_("超时督办（已是最高层级）"), data={}), None))
            messages.append((old_users, _message(t, _("您承办的工单已超时，请尽快办理"))))
            changed.append(t)
            continue
        note = _("%(kind)s，督办升级至%(to)s") % {"kind": Supervision.Kind(kind).label, "to": route.label}
        sup.to_level, sup.to_handler, sup.note = route.level, route.user, note[:200]
        event = TicketEvent(ticket=t, actor=None, at=now, action=Action.ESCALATE, from_status=t.status,
                            to_status=Status.DISPATCHED, note=note,
                            data={"from_level": t.handling_level, "to_level": route.level})
        events.append((event, sup))
        t.status, t.handler, t.handler_org, t.handling_level = Status.DISPATCHED, route.user, route.org, route.level
        t.due_at = fresh_window(t.category, now, resolve=False, calendar=calendar)
        t.escalations += 1
        t.updated_at = stamp  # as save() would (auto_now); bulk_update does not apply it
        changed.append(t)
        new_users = handler_users(route.user, route.org.pk if route.org else None)
        messages.append((new_users, _message(t, _("督办升级的工单已转给您"), note)))
        messages.append(([u for u in old_users if u not in new_users],
                         _message(t, _("您承办的工单已超时，已督办升级"), note)))
    Supervision.objects.bulk_create(sups)  # the unique (ticket, missed deadline) guard fires here
    for event, sup in events:
        if sup is not None:
            event.data["supervision"] = sup.pk
    TicketEvent.objects.bulk_create([e for e, _s in events])
    Ticket.objects.bulk_update(changed, ["status", "handler", "handler_org", "handling_level", "due_at",
                                         "escalations", "updated_at"])
    notify_many(messages)
    return len(tickets)


def _org_members(org_ids) -> dict[int, list]:
    out: dict[int, list] = {}
    org_ids = [pk for pk in org_ids if pk]
    if org_ids:
        for m in OrganisationMember.objects.filter(organisation_id__in=org_ids).select_related("user").order_by("id"):
            out.setdefault(m.organisation_id, []).append(m.user)
    return out


def _message(ticket: Ticket, title: str, body: str = "") -> Message:
    return Message(title=f"{title}：#{ticket.pk} {ticket.title}", body=body, url=notices.url(ticket),
                   kind="supervision")


@transaction.atomic
def escalate_overdue(pk: int, *, now=None, calendar: WorkCalendar | None = None, routes: dict | None = None) -> int:
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
    route = first_route(ticket, routes) if ticket.status == Status.SUBMITTED else route_above(ticket, routes)
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
