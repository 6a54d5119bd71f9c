"""The tickets' periodic job: tell dispatchers about new tickets (services/announce.py), then supervise
and escalate overdue ones (services/sla.py). Run it from a timer (systemd/cron) every minute, or keep
it running with --loop SECONDS. Two copies at once are safe."""

import logging
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from gongzhi.core.pending import sweep_all
from gongzhi.points.duty import duty_due
from gongzhi.points.expiry import expire_due
from gongzhi.tickets.services.announce import announce_new
from gongzhi.tickets.services.sla import sweep

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "新诉求通知分办人员；督办：超时工单记录督办并升级一级，通知新旧承办人"

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, default=0, metavar="SECONDS",
                            help="keep running, sweeping every SECONDS (0 = sweep once and exit)")
        parser.add_argument("--batch", type=int, default=500, help="tickets per sweep")

    def handle(self, *args, loop: int = 0, batch: int = 500, **opts):
        while True:
            # Each stage on its own: a failing notice (say, a future SMS sender's outage) must not
            # stop the escalation of overdue tickets, nor the other way round.
            announced = self._stage("announce", _drain, announce_new, batch)
            escalated = self._stage("sweep", _drain, sweep, batch)
            expired = self._stage("points_expiry", expire_due)  # 微积分: the years whose points are due
            duty = self._stage("points_duty", duty_due)  # 三长: the month just ended, once
            care = self._stage("care", _drain, _care_overdue, batch)
            swept = self._stage("pending_uploads", sweep_all)  # checked uploads never confirmed, a day old
            self.stdout.write(f"run_sla: announced {announced}, escalated {escalated}, expired {expired}, "
                              f"duty points {duty}, care overdue reported {care}, old pending uploads removed {swept}")
            if not loop:
                if "-" in (announced, escalated, expired, duty, care, swept):
                    raise CommandError("run_sla: a stage failed (see the log)")  # non-zero exit for cron/systemd
                return
            time.sleep(loop)
            close_old_connections()  # a long-running loop must not keep a dead or stale connection

    def _stage(self, name, fn, *args):
        try:
            return fn(*args)
        except Exception:  # noqa: BLE001 - logged; the other stage and the next run go on
            log.exception("run_sla: %s failed", name)
            self.stderr.write(f"run_sla: {name} failed (see the log)")
            return "-"


def _care_overdue(limit: int) -> int:
    """visits.services.report_overdue: overdue care visits told to the grid heads, once. Imported
    here, not at the top: visits sits above tickets, and this is the one periodic job."""
    from gongzhi.visits.services import report_overdue
    return report_overdue(limit=limit)


def _drain(step, batch: int) -> int:
    """Run step(limit=batch) until a run does less than a full batch: a backlog goes in one go."""
    total = 0
    while True:
        n = step(limit=batch)
        total += n
        if n < batch:
            return total
