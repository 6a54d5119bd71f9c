from django.conf import settings
from django.utils.translation import gettext as _


def site(request):
    return {"SITE_NAME": _("共治"), "SESSION_IDLE_SECONDS": settings.SESSION_IDLE_SECONDS}
