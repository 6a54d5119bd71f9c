"""Errors shared by the apps' services."""

from django.core.exceptions import ValidationError


class Conflict(ValidationError):
    """A well-formed request that the current state refuses: a transition no longer allowed, a wish
    already claimed, a 12345 number already filed. Pages show it like any ValidationError; the API
    answers 409 with the machine-readable `code` beside the Chinese `detail`, plus `extra` (e.g. the
    existing ticket's id)."""

    def __init__(self, message, code: str, *, field: str | None = None, **extra):
        super().__init__({field: [message]} if field else message, code=code)
        self.detail = str(message)
        self.conflict_code = code
        self.extra = extra
