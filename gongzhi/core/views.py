from django.db import connection
from django.http import JsonResponse


def healthz(request):
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"ok": True})


def csrf_failure(request, reason=""):
    """A refused CSRF check: the API's JSON error shape under /api/ (a client sending a session cookie
    without the token), the site's own 403 page elsewhere."""
    from django.shortcuts import render
    from django.utils.translation import gettext as _

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("请求缺少有效的 CSRF 令牌：使用会话登录时请带上 X-CSRFToken，或改用 API 令牌"),
                             "code": "csrf"}, status=403, json_dumps_params={"ensure_ascii": False})
    return render(request, "403.html", status=403)
