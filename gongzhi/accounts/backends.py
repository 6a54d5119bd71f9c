from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .services import find_user, login_attempt_allowed, record_login_failure


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with the username or the 11-digit mobile number.

    Every way in (the login page, /api/accounts/token, /admin/login/) calls authenticate(), so the
    per-account delay and the audit rows live here; the per-address lock-out is axes' backend before
    this one."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        login = username or kwargs.get("phone") or ""
        if password is None:
            return None
        user = find_user(login)
        if user is None:
            # Run the hasher anyway so a missing user takes as long as a wrong password.
            get_user_model()().set_password(password)
            record_login_failure(user=None, login=login, request=request)
            return None
        if not login_attempt_allowed(user):
            record_login_failure(user=user, login=login, request=request, reason="delay")
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        record_login_failure(user=user, login=login, request=request)
        return None
