import datetime
import zoneinfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import Notification
from gongzhi.people.models import Organisation, OrganisationMember
from gongzhi.territory.testing import make_user
from gongzhi.tickets import services
from gongzhi.tickets.deadlines import add_hours
from gongzhi.tickets.models import Status, Supervision, Ticket, TicketEvent
from gongzhi.tickets.routing import candidates, first_route

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_working_day_deadline_skips_weekend():
    fri = datetime.datetime(2026, 11, 6, 20, 0, tzinfo=SH)  # a Friday evening
    assert add_hours(fri, 8) == datetime.datetime(2026, 11, 7, 4, 0, tzinfo=SH)
    assert add_hours(fri, 8, working_days=True) == datetime.datetime(2026, 11, 9, 4, 0, tzinfo=SH)
    sat = datetime.datetime(2026, 11, 7, 10, 0, tzinfo=SH)
    assert add_hours(sat, 24, working_days=True) == datetime.datetime(2026, 11, 10, 0, 0, tzinfo=SH)


def test_small_matters_stay_in_the_building(world, submit, cats):
    t = submit(category=cats["sanitation"])  # default level: building
    r = first_route(t)
    assert (r.level, r.user) == ("building", world.users["building_a1"])
    levels = [c.level for c in candidates(t)]
    assert levels == sorted(levels, key=["unit", "building", "grid", "compound", "community", "street",
                                         "department"].index)
    assert "unit" in levels  # the unit head is a candidate for a household in the unit


def test_place_level_is_the_floor(world, submit, cats):
    # A matter at the compound never goes to a unit or building head.
    t = submit(category=cats["sanitation"], node=world.compound_a)
    assert first_route(t).level in ("compound", "community")
    assert {c.level for c in candidates(t)} <= {"compound", "community", "street", "department"}
    # A free address in community B goes to B's staff, not A's.
    t2 = submit(actor=world.users["community_b"], category=cats["repair"], community=world.community_b,
                address="乙社区东门")
    assert first_route(t2).user == world.users["community_b"]


def test_department_category_routes_to_partner_org(world, submit, cats):
    org = Organisation.objects.create(name="区住建局", kind=Organisation.Kind.DEPARTMENT, community=world.street)
    member = make_user("zhujian")
    OrganisationMember.objects.create(organisation=org, user=member, is_admin=True)
    t = submit(category=cats["road"])
    services.ticket_dispatch(actor=world.users["community_a"], ticket=t)
    t.refresh_from_db()
    assert (t.handling_level, t.handler_org, t.handler) == ("department", org, member)
    services.ticket_accept(actor=member, ticket=t)


def _dispatched(world, submit, cats, **kw):
    t = submit(category=cats["hazard"], **kw)  # 2 h response, default grid
    services.ticket_dispatch(actor=world.users["community_a"], ticket=t)
    t.refresh_from_db()
    return t


def test_sla_escalates_one_level_with_supervision_and_notices(world, submit, cats):
    t = _dispatched(world, submit, cats)
    assert t.handler == world.users["grid_a1"]
    later = t.due_at + datetime.timedelta(minutes=1)
    assert services.sweep(now=later) == 1
    t.refresh_from_db()
    assert (t.status, t.handling_level, t.handler, t.escalations) == ("dispatched", "community",
                                                                      world.users["community_a"], 1)
    sup = Supervision.objects.get(ticket=t)
    assert (sup.kind, sup.from_level, sup.to_level) == ("response", "grid", "community")
    assert Notification.objects.filter(user=world.users["grid_a1"], kind="supervision").exists()
    assert Notification.objects.filter(user=world.users["community_a"], kind="supervision").exists()
    # Running again at the same moment does nothing more: the new handler has a fresh window.
    assert services.sweep(now=later) == 0
    assert Supervision.objects.filter(ticket=t).count() == 1
    assert t.events.filter(action="escalate").count() == 1


def test_sla_walks_up_to_the_street_and_then_only_reminds(world, submit, cats):
    t = _dispatched(world, submit, cats)
    when = timezone.now()
    for _ in range(4):
        t.refresh_from_db()
        when = t.due_at + datetime.timedelta(minutes=1)
        services.sweep(now=when)
    t.refresh_from_db()
    assert t.handling_level == "street" and t.handler == world.users["street"]
    levels = list(Supervision.objects.filter(ticket=t).order_by("id").values_list("to_level", flat=True))
    assert levels[:2] == ["community", "street"]
    assert Supervision.objects.filter(ticket=t).count() == 4  # top level: recorded, handler reminded
    assert t.due_at > when


def test_resolution_overdue_after_accept(world, submit, cats):
    t = _dispatched(world, submit, cats)
    services.ticket_accept(actor=world.users["grid_a1"], ticket=t)
    t.refresh_from_db()
    assert t.due_at == t.resolve_by
    services.sweep(now=t.resolve_by + datetime.timedelta(seconds=1))
    assert Supervision.objects.get(ticket=t).kind == "resolution"


def test_undispatched_ticket_is_routed_when_overdue(world, submit, cats):
    t = submit(category=cats["hazard"])
    services.sweep(now=t.respond_by + datetime.timedelta(seconds=1))
    t.refresh_from_db()
    assert t.status == Status.DISPATCHED and t.handler == world.users["grid_a1"]


def test_run_sla_command(world, submit, cats, capsys):
    t = _dispatched(world, submit, cats)
    type(t).objects.filter(pk=t.pk).update(due_at=timezone.now() - datetime.timedelta(minutes=5))
    call_command("run_sla")
    assert "escalated 1" in capsys.readouterr().out
    call_command("run_sla")
    assert "escalated 0" in capsys.readouterr().out


def test_manual_supervision(world, submit, cats):
    t = _dispatched(world, submit, cats)
    services.ticket_supervise(actor=world.users["street"], ticket=t, note="请今天处理")
    assert Supervision.objects.get(ticket=t).kind == "manual"
    assert Notification.objects.filter(user=world.users["grid_a1"], title__contains="被督办").exists()


def _backlog(world, submit, cats, n: int) -> list:
    """n overdue tickets at n different households of both communities: some never dispatched, some
    dispatched to the grid, one already at the street (reminded only), one with a department."""
    from gongzhi.territory.testing import make_household

    org = Organisation.objects.get_or_create(name="区住建局", kind=Organisation.Kind.DEPARTMENT,
                                             community=world.street)[0]
    OrganisationMember.objects.get_or_create(organisation=org, user=make_user(f"zj{n}"), is_admin=True)
    homes = [world.hh_a1, world.hh_a2, world.hh_b1]
    homes += [make_household(world.unit_a1_1, world.micro_a1_1, f"{n}0{i}") for i in range(n - len(homes))]
    tickets = []
    for i, hh in enumerate(homes):
        actor = world.users["community_b" if hh == world.hh_b1 else "community_a"]
        t = submit(actor=actor, household=hh, category=cats["road" if i == 3 else "hazard"])
        if i % 2:
            services.ticket_dispatch(actor=actor, ticket=t)
        tickets.append(t)
    return tickets


@pytest.mark.parametrize("n", [4, 12])
def test_sla_sweep_queries_do_not_grow_with_the_backlog(world, submit, cats, n, django_assert_num_queries):
    """The job reads a batch and its routes in a few queries and writes with bulk_create: the same
    bound for 4 overdue tickets at 4 places as for 12 at 12 (it was ~17 statements per ticket)."""
    tickets = _backlog(world, submit, cats, n)
    later = max(t.due_at for t in Ticket.objects.filter(pk__in=[t.pk for t in tickets])) + datetime.timedelta(minutes=1)
    # savepoint; the batch under lock; nodes, party orgs, holders; departments, their communities and
    # first members; the handlers' organisations; the work calendar; supervision, events, tickets,
    # notices; release
    with django_assert_num_queries(15):
        assert services.sweep(now=later) == n
    assert Supervision.objects.filter(ticket__in=tickets).count() == n
    assert TicketEvent.objects.filter(ticket__in=tickets, action="escalate").count() == n  # one row per change
    for t in Ticket.objects.filter(pk__in=[t.pk for t in tickets]):
        assert t.status == Status.DISPATCHED and t.due_at > later
        # the department is the top: its ticket is reminded, not moved
        assert (t.handling_level, t.escalations) == ("department", 0) if t == tickets[3] else t.escalations == 1
    sup = Supervision.objects.filter(ticket=tickets[1]).get()
    ev = TicketEvent.objects.get(ticket=tickets[1], action="escalate")
    assert ev.data == {"from_level": sup.from_level, "to_level": sup.to_level, "supervision": sup.pk}
    assert Notification.objects.filter(kind="supervision").count() >= n


def test_sla_sweep_batch_matches_one_by_one(world, submit, cats):
    """The batch and the one-ticket path (escalate_overdue, kept for the demo and for a collision)
    route and record the same way."""
    a = _backlog(world, submit, cats, 5)
    later = max(t.due_at for t in Ticket.objects.filter(pk__in=[t.pk for t in a])) + datetime.timedelta(minutes=1)
    snap = Ticket.objects.filter(pk__in=[t.pk for t in a])
    before = {t.pk: (t.status, t.handling_level, t.handler_id, t.due_at) for t in snap}
    with transaction.atomic():
        for t in a:
            services.escalate_overdue(t.pk, now=later)
        one_by_one = {t.pk: (t.status, t.handling_level, t.handler_id, t.handler_org_id, t.due_at)
                      for t in Ticket.objects.filter(pk__in=before)}
        transaction.set_rollback(True)
    assert services.sweep(now=later) == 5
    batch = {t.pk: (t.status, t.handling_level, t.handler_id, t.handler_org_id, t.due_at)
             for t in Ticket.objects.filter(pk__in=before)}
    assert batch == one_by_one


def test_sla_sweep_collision_falls_back_to_one_by_one(world, submit, cats):
    """Another run recorded one deadline first (the unique guard fires in the batch's bulk insert):
    the batch is rolled back and its tickets go one at a time; the recorded one is left alone."""
    a = _backlog(world, submit, cats, 4)
    later = max(t.due_at for t in Ticket.objects.filter(pk__in=[t.pk for t in a])) + datetime.timedelta(minutes=1)
    taken = Ticket.objects.get(pk=a[1].pk)
    Supervision.objects.create(ticket=taken, kind="response", missed_deadline=taken.due_at)
    assert services.sweep(now=later) == 3
    assert Supervision.objects.filter(ticket=taken).count() == 1
    assert not TicketEvent.objects.filter(ticket=taken, action="escalate").exists()
    assert TicketEvent.objects.filter(ticket__in=a, action="escalate").count() == 3
