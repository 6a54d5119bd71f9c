from django.shortcuts import redirect
from django.urls import reverse


class PasswordAgeMiddleware:
    """A password older than PASSWORD_MAX_AGE_DAYS must be changed before any other page opens."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(("/static/", "/api/")):
            from .services import password_expired

            allowed = {reverse("accounts:password_change"), reverse("accounts:logout")}
            if request.path not in allowed and password_expired(user):
                return redirect("accounts:password_change")
        return self.get_response(request)
