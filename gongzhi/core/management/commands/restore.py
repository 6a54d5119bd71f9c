from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.backup import restore


class Command(BaseCommand):
    help = "从 backup 生成的归档恢复数据库和上传文件（会覆盖现有数据）"

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--yes", action="store_true", help="确认覆盖现有数据库和上传文件")

    def handle(self, archive, yes, **options):
        if not archive.is_file():
            raise CommandError(f"没有这个文件：{archive}")
        if not yes:
            answer = input("恢复会覆盖当前数据库和上传文件，确定吗？输入 yes 继续：")
            if answer.strip().lower() != "yes":
                raise CommandError("已取消")
        try:
            manifest = restore(archive=archive)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已恢复 {manifest['created']} 的备份（{manifest['vendor']}）")
