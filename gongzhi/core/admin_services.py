"""The Django admin through the services: a form validates by running the service in a savepoint
that is rolled back (the same checks, the same messages, nothing written), and the admin then saves
by calling the service for real, which writes the audit row. No domain logic here."""

from django.core.exceptions import ValidationError
from django.db import transaction


class _DryRun(Exception):
    pass


def dry_run(call) -> None:
    """Run `call()` and roll back whatever it wrote; its ValidationError reaches the form."""
    try:
        with transaction.atomic():
            call()
            raise _DryRun
    except _DryRun:
        pass


class ActorFormMixin:
    """The admin's form knows who is saving (set by ServiceAdminMixin.get_form)."""

    actor = None

    def run_checks(self, call) -> None:
        try:
            dry_run(call)
        except ValidationError as e:
            if hasattr(e, "error_dict"):
                for name, errors in e.error_dict.items():
                    self.add_error(name if name in self.fields else None, errors)
            else:
                self.add_error(None, e.messages)


class ServiceAdminMixin:
    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user  # get_form builds a new class per request
        return form

    @staticmethod
    def adopt(obj, saved) -> None:
        """Make the admin's unsaved `obj` stand for the row the service created."""
        obj.pk = saved.pk
        obj._state.adding = False
        obj._state.db = saved._state.db
