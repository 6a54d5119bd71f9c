from django.conf import settings


def site(request):
    return {"SITE_NAME": "共治", "SESSION_IDLE_SECONDS": settings.SESSION_IDLE_SECONDS}
