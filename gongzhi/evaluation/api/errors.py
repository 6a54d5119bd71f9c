"""Refusals from the services as 400 JSON with per-field messages.

gongzhi.core.api's handler reads `errors.messages` on each value of `error_dict`, but Django keeps plain
lists there, so a field-keyed ValidationError became a 500. Until that is fixed in core, the evaluation
endpoints answer such refusals themselves, in the same shape ({"detail", "errors"})."""

import functools

import orjson
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _


def refusals(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            return HttpResponse(orjson.dumps({"detail": _("数据有误"), "errors": errors}), status=400,
                                content_type="application/json")

    return wrapper
