import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.accounts.models import Notification
from gongzhi.tickets import services
from gongzhi.tickets.models import Status, TicketEvent
from gongzhi.tickets.workflow import TRANSITIONS

pytestmark = pytest.mark.django_db


def test_transition_table_covers_every_status_and_terminals_are_final():
    assert set(TRANSITIONS) == set(Status.values)
    for terminal in (Status.CLOSED, Status.REJECTED, Status.MERGED):
        assert TRANSITIONS[terminal] == set()


def test_full_loop_one_event_per_change(world, submit):
    u = world.users
    t = submit()
    assert t.status == Status.SUBMITTED and t.due_at == t.respond_by
    services.ticket_dispatch(actor=u["community_a"], ticket=t)
    t.refresh_from_db()
    # repair defaults to the grid level: the A1 grid worker answers for hh_a1.
    assert (t.status, t.handling_level, t.handler) == (Status.DISPATCHED, "grid", u["grid_a1"])
    assert Notification.objects.filter(user=u["grid_a1"]).exists()
    services.ticket_accept(actor=u["grid_a1"], ticket=t)
    services.ticket_start(actor=u["grid_a1"], ticket=t)
    services.ticket_resolve(actor=u["grid_a1"], ticket=t, result="已更换灯泡")
    t.refresh_from_db()
    assert t.responded_at and t.resolved_at and t.resolved_level == "grid" and t.due_at is None
    services.ticket_follow_up(actor=u["community_a"], ticket=t, rating="satisfied", comment="")
    services.ticket_close(actor=u["community_a"], ticket=t)
    t.refresh_from_db()
    assert t.status == Status.CLOSED and t.rating == "satisfied"
    events = list(TicketEvent.objects.filter(ticket=t).values_list("from_status", "to_status"))
    assert events == [("", "submitted"), ("submitted", "dispatched"), ("dispatched", "accepted"),
                      ("accepted", "in_progress"), ("in_progress", "resolved"), ("resolved", "followed_up"),
                      ("followed_up", "closed")]


def test_bad_transition_is_refused_in_chinese(world, submit):
    t = submit()
    with pytest.raises(ValidationError) as e:
        services.ticket_close(actor=world.users["community_a"], ticket=t)
    assert "回访之后才能结案" in str(e.value)
    services.ticket_dispatch(actor=world.users["community_a"], ticket=t)
    with pytest.raises(ValidationError) as e:
        services.ticket_resolve(actor=world.users["grid_a1"], ticket=t, result="好了")
    assert "不能从“已分办”变为“已办结”" in str(e.value)


def test_only_the_handler_may_accept_and_only_staff_dispatch(world, submit):
    t = submit()
    with pytest.raises(PermissionDenied):
        services.ticket_dispatch(actor=world.users["grid_a1"], ticket=t)
    with pytest.raises(PermissionDenied):
        services.ticket_dispatch(actor=world.users["community_b"], ticket=t)
    services.ticket_dispatch(actor=world.users["community_a"], ticket=t)
    with pytest.raises(PermissionDenied):
        services.ticket_accept(actor=world.users["grid_a2"], ticket=t)


def test_reject_requires_a_reason(world, submit):
    t = submit()
    with pytest.raises(ValidationError) as e:
        services.ticket_reject(actor=world.users["community_a"], ticket=t, reason=" ")
    assert "退回必须填写原因" in str(e.value)
    services.ticket_reject(actor=world.users["community_a"], ticket=t, reason="不属于本社区职责")
    t.refresh_from_db()
    assert t.status == Status.REJECTED and t.events.last().note == "不属于本社区职责"


def test_unsatisfied_follow_up_reopens_to_last_handlers_level(world, submit):
    u = world.users
    t = submit()
    services.ticket_dispatch(actor=u["community_a"], ticket=t)
    services.ticket_accept(actor=u["grid_a1"], ticket=t)
    services.ticket_resolve(actor=u["grid_a1"], ticket=t, result="已处理")
    with pytest.raises(ValidationError):
        services.ticket_follow_up(actor=u["community_a"], ticket=t, rating="unsatisfied", comment="")
    services.ticket_follow_up(actor=u["community_a"], ticket=t, rating="unsatisfied", comment="灯还是不亮")
    t.refresh_from_db()
    assert (t.status, t.handling_level, t.handler) == (Status.REOPENED, "grid", u["grid_a1"])
    assert t.resolved_at is None and t.due_at is not None
    services.ticket_accept(actor=u["grid_a1"], ticket=t)
    services.ticket_resolve(actor=u["grid_a1"], ticket=t, result="换了整套灯具")
    t.refresh_from_db()
    assert t.status == Status.RESOLVED


def test_resident_rates_own_ticket_only(world, submit):
    u = world.users
    t = submit(reporter=u["resident_a1"])
    services.ticket_dispatch(actor=u["community_a"], ticket=t)
    services.ticket_accept(actor=u["grid_a1"], ticket=t)
    services.ticket_resolve(actor=u["grid_a1"], ticket=t, result="已处理")
    with pytest.raises(PermissionDenied):
        services.ticket_follow_up(actor=u["grid_a2"], ticket=t, rating="satisfied", via="self")
    services.ticket_follow_up(actor=u["resident_a1"], ticket=t, rating="basic", via="self")
    t.refresh_from_db()
    assert t.status == Status.FOLLOWED_UP and t.rating == "basic"


def test_merge_follows_survivor(world, submit):
    u = world.users
    a = submit(reporter=u["resident_a1"])
    b = submit(description="楼道灯坏了很久没人修")
    services.ticket_merge(actor=u["community_a"], ticket=b, into=a)
    b.refresh_from_db()
    assert b.status == Status.MERGED and b.merged_into_id == a.pk
    with pytest.raises(ValidationError):
        services.ticket_merge(actor=u["community_a"], ticket=a, into=b)
    assert a.events.filter(action="merge").exists()


def test_redispatch_to_chosen_level_and_person(world, submit):
    u = world.users
    t = submit()
    services.ticket_dispatch(actor=u["community_a"], ticket=t, level="building")
    t.refresh_from_db()
    assert (t.handling_level, t.handler) == ("building", u["building_a1"])
    services.ticket_dispatch(actor=u["community_a"], ticket=t, user_id=u["community_a"].pk)
    t.refresh_from_db()
    assert (t.status, t.handling_level, t.handler) == ("dispatched", "community", u["community_a"])
    assert t.events.filter(action="redispatch").count() == 1
    with pytest.raises(ValidationError) as e:
        services.ticket_dispatch(actor=u["community_a"], ticket=t, user_id=u["community_b"].pk)
    assert "不负责该地点" in str(e.value)
