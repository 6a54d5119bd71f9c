"""Load the work calendar (holidays and 调休 working days) used by working-day SLA deadlines.

    manage.py load_holidays 2026                 # the State Council arrangement shipped with the code
    manage.py load_holidays --csv 2027.csv       # any year: lines 日期,类型,名称 (类型 = 休 or 班)
    manage.py load_holidays --csv 2027.csv --replace   # also delete that year's rows not in the file

The page 工作日历 (/tickets/calendar/) does the same for an administrator, with an audit row; a server
that is running sees a change made here within TICKETS_CALENDAR_SECONDS (its cached calendar expires).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongzhi.tickets.holidays import (
    MAX_CSV_BYTES,
    OFFICIAL,
    CalendarFileError,
    calendar_load,
    decode_csv,
    parse_csv,
)


class Command(BaseCommand):
    help = "工作日历：载入法定节假日与调休上班日（内置年份或 CSV 文件）"

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int, help=f"built-in years: {sorted(OFFICIAL)}")
        parser.add_argument("--csv", metavar="FILE", help="CSV (UTF-8 or GBK): 日期,类型,名称 (类型 = 休 or 班)")
        parser.add_argument("--replace", action="store_true",
                            help="delete rows of the loaded years that the input does not list")

    def handle(self, *args, years, csv=None, replace=False, **opts):
        if not years and not csv:
            raise CommandError(f"give a year ({', '.join(map(str, sorted(OFFICIAL)))}) or --csv FILE")
        rows = []
        for y in years:
            if y not in OFFICIAL:
                raise CommandError(f"no built-in calendar for {y} (built in: {sorted(OFFICIAL)}); "
                                   f"enter it on the page 工作日历 (/tickets/calendar/) or load it with --csv FILE")
            rows += OFFICIAL[y]
        if csv:
            try:
                with Path(csv).open("rb") as f:
                    rows += parse_csv(decode_csv(f.read(MAX_CSV_BYTES + 1)))  # a larger file is refused
            except (OSError, CalendarFileError) as e:
                raise CommandError(str(e)) from e
        if len({r.date for r in rows}) != len(rows):
            raise CommandError("the same date is given twice (a built-in year and the CSV overlap)")
        n = calendar_load(rows, replace_years=replace)
        self.stdout.write(f"load_holidays: {n['created']} created, {n['updated']} updated, {n['deleted']} deleted")
