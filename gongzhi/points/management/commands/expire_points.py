"""`manage.py expire_points`: the points-expiry stage of the periodic job, on its own (run_sla calls
the same function). With --community and --year, expire one community's year now."""

from django.core.management.base import BaseCommand, CommandError

from gongzhi.points.expiry import expire_community_year, expire_due
from gongzhi.territory.models import Node


class Command(BaseCommand):
    help = "积分过期：按各社区现行规则，将到期年度剩余的积分记为过期（可重复运行，不会重复扣减）"

    def add_arguments(self, parser):
        parser.add_argument("--community", type=int, help="社区节点编号")
        parser.add_argument("--year", type=int, help="积分获得年度")

    def handle(self, *args, community=None, year=None, **opts):
        if community or year:
            node = Node.objects.filter(pk=community).first()
            if node is None or not year:
                raise CommandError("需要同时给出有效的 --community 与 --year")
            n, pts = expire_community_year(node, year)
            self.stdout.write(f"expire_points: {n} 条过期记录，共 {pts} 积分")
            return
        self.stdout.write(f"expire_points: {expire_due()} 条过期记录")
