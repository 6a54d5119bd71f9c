"""can_<verb>_<entity>(user, obj) predicates for deliberation, used by services, selectors and templates."""

from gongzhi.tickets.permissions import is_staff_for, resident_households

from .models import Owner, Step, Topic

PUBLIC_STEPS = (Step.NOTICE, Step.CONSULTATION, Step.APPLY, Step.FEEDBACK, Step.CLOSED)


def can_manage_topic(user, topic: Topic) -> bool:
    """Staff of the topic's community or street (or a superuser) run its steps, meetings and votes."""
    return is_staff_for(user, topic.place_path)


def can_manage_place(user, node) -> bool:
    return is_staff_for(user, node.path)


def households_in_place(user, topic: Topic) -> list:
    """The user's households that live under the topic's place (a topic of a street covers its communities)."""
    return [h for h in resident_households(user) if h.node_path.startswith(topic.place_path)]


def can_view_topic(user, topic: Topic) -> bool:
    if can_manage_topic(user, topic):
        return True
    if not households_in_place(user, topic):
        return False
    return topic.step in PUBLIC_STEPS or topic.step == Step.PROPOSAL


def can_comment_topic(user, topic: Topic) -> bool:
    return topic.step == Step.NOTICE and bool(households_in_place(user, topic))


def can_cosign_topic(user, topic: Topic) -> bool:
    return topic.step == Step.PROPOSAL and bool(households_in_place(user, topic))


def owner_for(user, topic: Topic) -> Owner | None:
    """The user's entry in the owners' register of the topic's compound."""
    if user is None or not user.is_authenticated:
        return None
    return Owner.objects.filter(user=user, register__compound_id=topic.place_id).first()
