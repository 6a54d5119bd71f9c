from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from gongzhi.core.backup import backup


class Command(BaseCommand):
    help = "备份数据库和上传文件到一个带日期的归档（默认 BACKUP_DIR）"

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=None, help="归档目录（默认 settings.BACKUP_DIR）")

    def handle(self, output, **options):
        path = backup(out_dir=output or settings.BACKUP_DIR)
        self.stdout.write(str(path))
