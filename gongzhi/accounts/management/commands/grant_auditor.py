from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gongzhi.accounts.models import User
from gongzhi.accounts.services import user_set_auditor


class Command(BaseCommand):
    help = "授予（或用 --revoke 撤销）审计员权限；三员分立：系统管理员不能是审计员。操作写入审计日志。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--revoke", action="store_true")

    def handle(self, username, revoke, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户 {username}")
        try:
            user_set_auditor(actor=None, user=user, value=not revoke)
        except ValidationError as exc:
            raise CommandError(exc.messages[0]) from exc
        self.stdout.write(f"{username}: {'已撤销' if revoke else '已授予'}审计员权限")
