"""Telling each community's dispatchers about new tickets, outside the request that filed them.

Intake only writes the ticket (with `announce_pending` set); this job, run by `run_sla` every
minute, sends the inbox messages. Up to `DIGEST_OVER` new tickets of one community in a run get one
message each; more get one message that counts them and links to the dispatch board. A ticket that
is no longer waiting for dispatch (dispatched, merged, rejected in the meantime) is not announced.

Safe to run twice at once: the pending rows are taken with `SELECT ... FOR UPDATE SKIP LOCKED` on
PostgreSQL (SQLite runs one writer at a time) and cleared in the same transaction."""

from collections import defaultdict

from django.db import connection, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.accounts.notify import notify

from .. import notices
from ..models import Status, Ticket

DIGEST_OVER = 3


def announce_new(*, limit: int = 500) -> int:
    """Announce up to `limit` pending tickets; returns how many were taken off the pending list."""
    with transaction.atomic():
        qs = Ticket.objects.filter(announce_pending=True).order_by("id").only("id", "title", "status", "community_id")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        tickets = list(qs[:limit])
        if not tickets:
            return 0
        waiting = defaultdict(list)
        for t in tickets:
            if t.status == Status.SUBMITTED:
                waiting[t.community_id].append(t)
        staff = notices.dispatchers(waiting)
        for community_id, items in waiting.items():
            users = staff.get(community_id, [])
            if not users:
                continue
            if len(items) > DIGEST_OVER:
                notify(users, title=_("新诉求待分办：%(n)d件") % {"n": len(items)}, url=reverse("tickets:board"),
                       kind="ticket")
            else:
                for t in items:
                    notices.tell(users, t, _("新诉求待分办"))
        Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(announce_pending=False)
    return len(tickets)
