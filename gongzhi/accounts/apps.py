from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "gongzhi.accounts"
    verbose_name = _("账号与审计")

    def ready(self):
        from axes.signals import user_locked_out

        from .services import address_locked_out

        user_locked_out.connect(address_locked_out, dispatch_uid="gongzhi_audit_lockout")
