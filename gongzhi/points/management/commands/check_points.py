"""`manage.py check_points`: every account's stored balance must equal the sum of its entries, and every
kept per-year credit total (read by the expiry) the sum of that year's positive entries."""

from django.core.management.base import BaseCommand, CommandError

from gongzhi.points.selectors import balance_differences, year_credit_differences


class Command(BaseCommand):
    help = "核对积分账户：余额应等于其全部积分记录之和，列出不一致的账户"

    def handle(self, *args, **opts):
        diffs = balance_differences()
        for pk, stored, total in diffs:
            self.stdout.write(f"账户 {pk}：余额 {stored}，记录合计 {total}，相差 {stored - total}")
        years = year_credit_differences()
        for pk, year, kept, total in years:
            self.stdout.write(f"账户 {pk} {year}年：获得积分合计 {kept}，记录合计 {total}，相差 {kept - total}")
        if diffs or years:
            raise CommandError(f"check_points: {len(diffs)} 个账户余额与记录不一致，{len(years)} 个年度合计与记录不一致")
        self.stdout.write("check_points: 全部账户余额与记录一致")
