"""The five steps in one place: the transition table and the one function that applies a step change
(checks the table, writes exactly one event row, saves the changed fields)."""

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Step, Topic, TopicEvent

S = Step
# Forward moves of the five steps; BACK holds "send back a step"; any open step may be withdrawn.
TRANSITIONS: dict[str, set[str]] = {
    S.PROPOSAL: {S.DRAFT, S.WITHDRAWN},
    S.DRAFT: {S.NOTICE, S.WITHDRAWN},
    S.NOTICE: {S.CONSULTATION, S.DRAFT, S.WITHDRAWN},
    S.CONSULTATION: {S.APPLY, S.NOTICE, S.WITHDRAWN},
    S.APPLY: {S.FEEDBACK, S.CONSULTATION, S.WITHDRAWN},
    S.FEEDBACK: {S.CLOSED, S.APPLY, S.WITHDRAWN},
    S.CLOSED: set(),
    S.WITHDRAWN: set(),
}
BACK = {S.NOTICE: S.DRAFT, S.CONSULTATION: S.NOTICE, S.APPLY: S.CONSULTATION, S.FEEDBACK: S.APPLY}
ORDER = [S.DRAFT, S.NOTICE, S.CONSULTATION, S.APPLY, S.FEEDBACK, S.CLOSED]


class Conflict(ValidationError):
    """A refusal caused by the state of things (a second ballot, a vote not open): the API answers 409
    with `code`."""


def lock_topic(topic_or_pk) -> Topic:
    pk = getattr(topic_or_pk, "pk", topic_or_pk)
    qs = Topic.objects.select_related("place")
    if connection.features.has_select_for_update:
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=pk)


def apply_step(topic: Topic, to: str, *, actor, action: str, note: str = "", data: dict | None = None,
               fields: dict | None = None) -> TopicEvent:
    """Move a locked topic to `to`, set `fields`, and write one event row."""
    if to not in TRANSITIONS[topic.step]:
        raise Conflict(_("议题不能从“%(a)s”变为“%(b)s”") % {"a": topic.get_step_display(), "b": Step(to).label},
                       code="bad_transition")
    now = timezone.now()
    event = TopicEvent.objects.create(topic=topic, actor=actor, at=now, action=action, from_step=topic.step,
                                      to_step=to, note=note, data=data or {})
    fields = dict(fields or {})
    fields.update(step=to, step_since=now)
    for name, value in fields.items():
        setattr(topic, name, value)
    topic.save(update_fields=[*fields.keys(), "updated_at"])
    return event


def record(topic: Topic, *, actor, action: str, note: str = "", data: dict | None = None) -> TopicEvent:
    """An event that changes no step (a meeting scheduled, a vote opened, minutes written)."""
    return TopicEvent.objects.create(topic=topic, actor=actor, action=action, from_step=topic.step,
                                     to_step=topic.step, note=note, data=data or {})
