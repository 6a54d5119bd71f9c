from django.contrib.auth.backends import ModelBackend

from .services import find_user


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with the username or the 11-digit mobile number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = find_user(username or kwargs.get("phone") or "")
        if user is None:
            # Run the hasher anyway so a missing user takes as long as a wrong password.
            self.user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
