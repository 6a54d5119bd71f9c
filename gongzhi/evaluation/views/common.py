from django.contrib import messages
from django.core.exceptions import ValidationError


def report_errors(request, exc: ValidationError, form=None) -> None:
    """Show a service's refusal: on the form's fields where they match, as messages otherwise."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            if form is not None and field in form.fields:
                for e in errors:
                    form.add_error(field, e)
            else:
                for e in errors:
                    messages.error(request, e)
    else:
        for e in exc.messages:
            messages.error(request, e)
