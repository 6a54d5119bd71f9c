from ninja.security import HttpBearer, django_auth

from .services import token_user


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


# Token for API clients, the login session (with CSRF) for the pages' own htmx/JS calls.
API_AUTH = [TokenAuth(), django_auth]
