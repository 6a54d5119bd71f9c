"""New tickets reach the community's dispatchers through the job, not through the request."""

import re
import time

import pytest
from django.core.management import call_command
from django.db import connection

from gongzhi.accounts.models import Notification
from gongzhi.core.testing import race
from gongzhi.tickets import catalogue, services
from gongzhi.tickets.models import Category, Ticket
from gongzhi.tickets.services.announce import DIGEST_OVER, announce_new

pytestmark = pytest.mark.django_db


def _inbox(user):
    return list(Notification.objects.filter(user=user).values_list("title", flat=True))


def test_intake_only_marks_the_ticket_and_the_job_tells_the_dispatchers(world, submit):
    staff = world.users["community_a"]
    t = submit(actor=world.users["grid_a1"], channel="visit")
    assert Ticket.objects.get(pk=t.pk).announce_pending
    assert _inbox(staff) == []
    assert announce_new() == 1
    assert _inbox(staff) == [f"新诉求待分办：#{t.pk} {t.title}"]
    assert not Ticket.objects.get(pk=t.pk).announce_pending
    assert _inbox(world.users["community_b"]) == []  # another community's staff hear nothing
    assert announce_new() == 0  # a second run finds nothing to say
    assert len(_inbox(staff)) == 1


def test_many_new_tickets_of_one_community_make_one_digest(world, submit):
    for i in range(DIGEST_OVER + 2):
        submit(description=f"第{i}件：楼道灯不亮需要维修")
    assert announce_new() == DIGEST_OVER + 2
    assert _inbox(world.users["community_a"]) == [f"新诉求待分办：{DIGEST_OVER + 2}件"]


def test_a_ticket_dispatched_before_the_job_ran_is_not_announced(world, submit):
    t = submit()
    services.ticket_dispatch(actor=world.users["community_a"], ticket=t)
    assert announce_new() == 1
    assert not [m for m in _inbox(world.users["community_a"]) if m.startswith("新诉求待分办")]
    assert not Ticket.objects.filter(announce_pending=True).exists()


def test_run_sla_announces_before_it_sweeps(world, submit, capsys):
    submit()
    call_command("run_sla")
    assert "announced 1" in capsys.readouterr().out
    assert len(_inbox(world.users["community_a"])) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks with SKIP LOCKED: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_jobs_at_once_announce_each_ticket_once(world, submit):
    for i in range(20):
        submit(description=f"第{i}件：楼道灯不亮需要维修")
    def run(_i):
        counts = []
        while (n := announce_new(limit=7)):
            counts.append(n)
        return counts

    counts = [n for result in race(2, run) for n in result]
    assert sum(counts) == 20  # had both jobs taken a ticket, the sum would be larger
    told = 0  # each ticket is in exactly one message: its own, or one digest counting it
    for title in _inbox(world.users["community_a"]):
        m = re.fullmatch(r"新诉求待分办：(\d+)件", title)
        told += int(m.group(1)) if m else 1
    assert told == 20
    assert not Ticket.objects.filter(announce_pending=True).exists()


def test_catalogue_is_read_once_and_a_change_here_shows_at_once(cats, django_assert_num_queries):
    assert catalogue.by_code("repair").pk == cats["repair"].pk
    with django_assert_num_queries(0):
        assert catalogue.by_code("repair").active and catalogue.by_id(cats["repair"].pk).code == "repair"
    Category.objects.filter(code="repair").update(active=False)  # a bulk update sends no signal ...
    assert catalogue.by_code("repair").active  # ... so the cached row is still there
    repair = Category.objects.get(code="repair")
    repair.save()  # a save (admin) clears the cache
    assert not catalogue.by_code("repair").active
    assert "repair" not in [c.code for c in catalogue.active()]


def test_catalogue_expires(cats, settings, monkeypatch):
    settings.TICKETS_CATALOGUE_SECONDS = 60
    assert catalogue.by_code("repair").active
    Category.objects.filter(code="repair").update(active=False)
    later = time.time() + 61  # LocMem's clock
    monkeypatch.setattr(time, "time", lambda: later)
    assert not catalogue.by_code("repair").active  # another process's change, seen after the TTL


def test_a_failing_announcement_does_not_stop_the_escalation(world, submit, monkeypatch, capsys):
    import datetime

    from django.core.management.base import CommandError
    from django.utils import timezone

    from gongzhi.tickets.management.commands import run_sla

    t = submit()
    Ticket.objects.filter(pk=t.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))

    def broken(**kw):
        raise RuntimeError("短信网关不可用")

    monkeypatch.setattr(run_sla, "announce_new", broken)
    with pytest.raises(CommandError):
        call_command("run_sla")
    assert "announced -, escalated 1" in capsys.readouterr().out
    assert Ticket.objects.get(pk=t.pk).escalations == 1
    assert Ticket.objects.get(pk=t.pk).announce_pending  # to be told on a later run
