"""Races, on PostgreSQL with real parallel connections (skipped on SQLite, whose IMMEDIATE
transactions serialise writers anyway)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from gongzhi.core.testing import race
from gongzhi.people.models import Organisation, OrganisationMember
from gongzhi.territory.testing import make_user
from gongzhi.tickets import services
from gongzhi.tickets.models import Supervision, Ticket, TicketEvent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor == "sqlite", reason="parallel writers are tested on PostgreSQL"),
]


def test_two_handlers_accepting_at_once_only_one_wins(world, submit, cats):
    org = Organisation.objects.create(name="区住建局", kind=Organisation.Kind.DEPARTMENT, community=world.street)
    members = [make_user(f"zj{i}") for i in range(2)]
    for m in members:
        OrganisationMember.objects.create(organisation=org, user=m)
    t = submit(category=cats["road"])
    services.ticket_dispatch(actor=world.users["community_a"], ticket=t, org_id=org.pk)
    t.refresh_from_db()
    results = race(2, lambda i: services.ticket_accept(actor=members[i], ticket=t))
    assert sum(isinstance(r, Ticket) for r in results) == 1
    assert sum(isinstance(r, ValidationError) for r in results) == 1
    assert TicketEvent.objects.filter(ticket=t, action="accept").count() == 1


def test_resolve_and_redispatch_at_once_leave_one_consistent_history(world, submit, cats):
    t = submit()
    services.ticket_dispatch(actor=world.users["community_a"], ticket=t)
    services.ticket_accept(actor=world.users["grid_a1"], ticket=t)

    def act(i):
        if i == 0:
            return services.ticket_resolve(actor=world.users["grid_a1"], ticket=t, result="已修好")
        return services.ticket_dispatch(actor=world.users["community_a"], ticket=t, level="community")

    results = race(2, act)
    t.refresh_from_db()
    events = list(TicketEvent.objects.filter(ticket=t).order_by("id").values_list("from_status", "to_status"))
    # Whatever order they ran in, each event starts where the previous one ended.
    for (_, prev_to), (nxt_from, _) in zip(events, events[1:], strict=False):
        assert prev_to == nxt_from
    assert events[-1][1] == t.status
    assert sum(isinstance(r, Ticket) for r in results) >= 1


def test_concurrent_wish_claims_have_exactly_one_winner(world):
    w = services.wish_create(actor=world.users["resident_a1"], title="想要一个助行器")
    claimers = [world.users[k] for k in ("grid_a1", "grid_a2", "community_a", "street", "building_a1", "unit_a1")]
    results = race(len(claimers), lambda i: services.wish_claim(actor=claimers[i], wish=w))
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(isinstance(r, ValidationError) for r in results if isinstance(r, Exception))
    w.refresh_from_db()
    assert w.claimed_by == winners[0].claimed_by and w.events.filter(to_status="claimed").count() == 1


def test_two_sla_jobs_at_once_escalate_each_ticket_once(world, submit, cats):
    tickets = [submit(category=cats["hazard"], description=f"第{i}处安全隐患需要处理") for i in range(12)]
    for t in tickets:
        services.ticket_dispatch(actor=world.users["community_a"], ticket=t)
    Ticket.objects.update(due_at=timezone.now() - datetime.timedelta(minutes=1))
    now = timezone.now()
    results = race(2, lambda i: services.sweep(now=now))
    assert sum(results) == 12
    assert Supervision.objects.count() == 12
    assert TicketEvent.objects.filter(action="escalate").count() == 12
    assert set(Ticket.objects.values_list("handling_level", flat=True)) == {"community"}


def test_double_submit_at_once_creates_one_ticket(world, cats):
    results = race(4, lambda i: services.ticket_submit(
        actor=world.users["resident_a1"], channel="self", category=cats["repair"],
        description="同时提交的同一件诉求内容", idempotency_key="same-form"))
    assert Ticket.objects.count() == 1
    assert {r.pk for r in results} == {Ticket.objects.get().pk}
