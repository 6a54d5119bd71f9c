"""The tickets' periodic job: tell dispatchers about new tickets (services/announce.py), then supervise
and escalate overdue ones (services/sla.py). Run it from a timer (systemd/cron) every minute, or keep
it running with --loop SECONDS. Two copies at once are safe."""

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from gongzhi.tickets.services.announce import announce_new
from gongzhi.tickets.services.sla import sweep


class Command(BaseCommand):
    help = "新诉求通知分办人员；督办：超时工单记录督办并升级一级，通知新旧承办人"

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, default=0, metavar="SECONDS",
                            help="keep running, sweeping every SECONDS (0 = sweep once and exit)")
        parser.add_argument("--batch", type=int, default=500, help="tickets per sweep")

    def handle(self, *args, loop: int = 0, batch: int = 500, **opts):
        while True:
            announced = 0
            while (n := announce_new(limit=batch)):
                announced += n
                if n < batch:
                    break
            n = 1
            total = 0
            while n:  # drain: a backlog bigger than one batch is worked off in one go
                n = sweep(limit=batch)
                total += n
                if n < batch:
                    break
            self.stdout.write(f"run_sla: announced {announced}, escalated {total}")
            if not loop:
                return
            time.sleep(loop)
            close_old_connections()  # a long-running loop must not keep a dead or stale connection
