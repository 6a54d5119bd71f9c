"""Every read of deliberation a user can reach, scoped; hidden and missing are the same 404."""

from django.db.models import Count, Q
from django.http import Http404

from gongzhi.core.paths import ancestors_of
from gongzhi.territory.models import Node
from gongzhi.tickets.permissions import resident_households, staff_paths

from .models import Decision, Meeting, Step, Topic, Vote
from .permissions import PUBLIC_STEPS, can_view_topic


def _with_steps(qs):
    return qs.select_related("place", "meeting", "decision")


def staff_topics(user, *, place: Node | None = None, step: str | None = None):
    """Topics the user runs: under the communities/streets they work for."""
    qs = Topic.objects.all()
    if not user.is_superuser:
        q = Q(pk__in=[])
        for p in staff_paths(user):
            q |= Q(place_path__startswith=p)
        qs = qs.filter(q)
    if place is not None:
        qs = qs.filter(place_path__startswith=place.path)
    if step:
        qs = qs.filter(step=step)
    return _with_steps(qs).order_by("-updated_at", "-id")


def resident_topics(user):
    """Topics of the places the user lives in (their compound, community, street): notices and on."""
    paths = {h.node_path for h in resident_households(user)}
    if not paths:
        return Topic.objects.none()
    prefixes = {a for p in paths for a in ancestors_of(p)}
    return (_with_steps(Topic.objects.filter(place_path__in=prefixes, step__in=(*PUBLIC_STEPS, Step.PROPOSAL)))
            .order_by("-updated_at", "-id"))


def topic_for(user, pk: int) -> Topic:
    topic = _with_steps(Topic.objects.filter(pk=pk)).first()
    if topic is None or not can_view_topic(user, topic):
        raise Http404
    return topic


def board_topics(node: Node, step: str | None = None):
    """The public board of a place: notices, results and feedback of the topics at or under it.
    Only what the board shows is read (no people, no comments)."""
    qs = Topic.objects.filter(place_path__startswith=node.path, step__in=PUBLIC_STEPS)
    if step:
        qs = qs.filter(step=step)
    return (qs.select_related("place", "meeting", "decision")
            .only("id", "title", "matter", "step", "plan_how", "plan_who", "plan_supervise", "options", "budget",
                  "notice_until", "notice_published_at", "feedback", "feedback_published_at", "place__name",
                  "meeting__kind", "meeting__starts_at", "meeting__location", "decision__text",
                  "decision__decided_at", "decision__method", "place_path")
            .order_by("-updated_at", "-id"))


def board_topic(node: Node, pk: int) -> Topic:
    topic = board_topics(node).filter(pk=pk).first()
    if topic is None:
        raise Http404
    return topic


def vote_for(user, pk: int) -> Vote:
    vote = Vote.objects.select_related("topic", "topic__place").filter(pk=pk).first()
    if vote is None or not can_view_topic(user, vote.topic):
        raise Http404
    return vote


def counts(user, place: Node | None = None) -> dict:
    """The seeds' figures: consultations held, matters decided, matters fed back (with their topic count)."""
    qs = staff_topics(user, place=place)
    agg = qs.aggregate(
        topics=Count("id"),
        held=Count("meeting", filter=Q(meeting__held_at__isnull=False)),
        decided=Count("decision"),
        fed_back=Count("id", filter=Q(feedback_published_at__isnull=False)),
    )
    return agg


def history(topic: Topic):
    return topic.events.select_related("actor").order_by("at", "id")


def meeting_of(topic: Topic) -> Meeting | None:
    try:
        return topic.meeting
    except Meeting.DoesNotExist:
        return None


def decisions_adoptable_at(node: Node, limit: int = 50):
    """The decisions a rule set at this place may name as what adopted its new version: decisions of
    topics at the place itself or above it (a street's decision can adopt a compound's rules), newest first."""
    return (Decision.objects.filter(topic__place_path__in=[*ancestors_of(node.path), node.path])
            .select_related("topic").order_by("-decided_at", "-id")[:limit])
