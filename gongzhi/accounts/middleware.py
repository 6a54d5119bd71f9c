import time

from django.conf import settings
from django.contrib.auth import logout


class IdleTimeoutMiddleware:
    """Log the user out after SESSION_IDLE_SECONDS without a request (等保 2.0 idle timeout).

    The session cookie age is the same figure, but a stolen cookie replayed before it expires would
    otherwise keep the session alive; the server-side timestamp is what decides."""

    KEY = "_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(self.KEY)
            if last is not None and now - int(last) > settings.SESSION_IDLE_SECONDS:
                logout(request)
                request.session["idle_logout"] = True
            else:
                request.session[self.KEY] = now
        return self.get_response(request)
