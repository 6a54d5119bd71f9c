import datetime
import zoneinfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from gongzhi.accounts.models import Notification
from gongzhi.people.models import Organisation, OrganisationMember
from gongzhi.territory.testing import make_user
from gongzhi.tickets import services
from gongzhi.tickets.deadlines import add_hours
from gongzhi.tickets.models import Status, Supervision
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
