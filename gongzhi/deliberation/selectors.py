"""Every read of deliberation a user can reach, scoped; hidden and missing are the same 404."""

import datetime

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from gongzhi.core.paths import ancestors_of
from gongzhi.territory.models import Node
from gongzhi.tickets.permissions import resident_households, staff_paths

from .models import Ballot, BallotForm, Decision, Meeting, Owner, Step, Topic, Vote
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


def resident_topics(user, households=None):
    """Topics of the places the user lives in (their compound, community, street): notices and on.
    `households`: the user's `resident_households`, when the caller has them already."""
    paths = {h.node_path for h in (resident_households(user) if households is None else households)}
    if not paths:
        return Topic.objects.none()
    prefixes = {a for p in paths for a in ancestors_of(p)}
    return (_with_steps(Topic.objects.filter(place_path__in=prefixes, step__in=(*PUBLIC_STEPS, Step.PROPOSAL)))
            .order_by("-updated_at", "-id"))


# What a resident's home shows as the notices of their place: topics in a step residents are told
# about (a notice, a consultation, a decision, its application) and results posted in the last month.
NOTICE_STEPS = (Step.NOTICE, Step.CONSULTATION, Step.APPLY, Step.FEEDBACK)
RESULT_DAYS = 30


def resident_notices(user, households=None, limit: int = 3, now: datetime.datetime | None = None,
                     exclude=()):
    """The newest public notices of the places the user lives in (see NOTICE_STEPS), but the topics
    in `exclude` (ids)."""
    since = (now or timezone.now()) - datetime.timedelta(days=RESULT_DAYS)
    qs = resident_topics(user, households).filter(Q(step__in=NOTICE_STEPS)
                                                  | Q(step=Step.CLOSED, feedback_published_at__gte=since))
    if exclude:
        qs = qs.exclude(pk__in=list(exclude))
    return qs[:limit]


def votes_waiting(user, households=None, now: datetime.datetime | None = None, limit: int = 5) -> list[Vote]:
    """Open votes the user may still cast online: a household vote of a topic at a place they live in
    that none of their households has answered, an owners' vote of a compound whose register lists
    them that they have not answered. Four queries (three with `households` given) whatever the number
    of topics, votes and ballots."""
    now = now or timezone.now()
    households = resident_households(user) if households is None else households
    owners: dict[int, list[int]] = {}
    for pk, compound_id in Owner.objects.filter(user=user).values_list("pk", "register__compound_id"):
        owners.setdefault(compound_id, []).append(pk)
    prefixes = {a for h in households for a in ancestors_of(h.node_path)}
    if not prefixes and not owners:
        return []
    q = Q(pk__in=[])
    if prefixes:
        q |= Q(form=BallotForm.HOUSEHOLD, topic__place_path__in=prefixes)
    if owners:
        q |= Q(form=BallotForm.OWNER, topic__place_id__in=list(owners))
    votes = list(Vote.objects.filter(q, closed_at__isnull=True, opens_at__lte=now, closes_at__gt=now)
                 .select_related("topic", "topic__place").order_by("closes_at", "id")[:limit])
    if not votes:
        return []
    keys = {v.pk: ({f"h{h.pk}" for h in households if h.node_path.startswith(v.topic.place_path)}
                   if v.form == BallotForm.HOUSEHOLD else {f"o{pk}" for pk in owners.get(v.topic.place_id, [])})
            for v in votes}
    cast = set(Ballot.objects.filter(vote__in=votes, voter_key__in=set().union(*keys.values()))
               .values_list("vote_id", "voter_key"))
    return [v for v in votes if not any((v.pk, k) in cast for k in keys[v.pk])]


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


# The steps where a topic waits for its staff: publish the plan, open the consultation once the notice
# has hung, decide, record how the decision is carried out, publish the feedback.
STAFF_STEPS = (Step.DRAFT, Step.NOTICE, Step.CONSULTATION, Step.APPLY, Step.FEEDBACK)


def step_counts(user) -> dict[str, int]:
    """How many of the topics the user runs are in each of STAFF_STEPS (one query)."""
    rows = (staff_topics(user).filter(step__in=STAFF_STEPS).order_by().values("step").annotate(n=Count("id")))
    found = {r["step"]: r["n"] for r in rows}
    return {s: found.get(s, 0) for s in STAFF_STEPS}


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
