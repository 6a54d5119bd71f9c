"""Every read of activities a user can reach. Hidden and missing look the same (404)."""

import datetime

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone

from gongzhi.core.paths import ancestors_of
from gongzhi.people.models import Organisation, OrganisationMember
from gongzhi.territory.models import LEVEL_ORDER, Level, Node
from gongzhi.territory.scoping import scope_for

from .models import Activity, Certificate, SignUp, VolunteerRecord
from .permissions import can_run_activity


def _with_counts(qs: QuerySet) -> QuerySet:
    from .models import Shift

    return qs.select_related("community", "organiser", "place").annotate(
        confirmed=Subquery(SignUp.objects.filter(activity=OuterRef("pk"), status=SignUp.Status.CONFIRMED)
                           .values("activity").annotate(n=Count("pk")).values("n")[:1]),
        capacity=Subquery(Shift.objects.filter(activity=OuterRef("pk")).values("activity")
                          .annotate(n=Sum("capacity")).values("n")[:1]))


def _resident_q(user) -> Q:
    """Public activities of the street the resident lives in, and the invited ones of their teams."""
    resident = getattr(user, "resident", None)
    q = Q(pk__in=[])
    if resident is not None and resident.moved_out_on is None:
        q |= Q(audience=Activity.Audience.PUBLIC, community__path__under=_street_path(resident.household.node_path))
    teams = OrganisationMember.objects.filter(user=user).values("organisation_id")
    q |= Q(audience=Activity.Audience.INVITED, organiser_id__in=teams)
    return q


def _street_path(household_path: str) -> str:
    """The street's path: households sit at community level (depth 5) or below; the street is depth 4."""
    return household_path[:16]


def _organiser_q(user) -> Q:
    scope = scope_for(user, responsibility_only=True)
    q = Q(created_by=user) | Q(organiser__in=OrganisationMember.objects.filter(user=user, is_admin=True)
                               .values("organisation_id"))
    if scope.staff or scope.everything:
        q |= scope.nodes_q("community__")
    return q


def led_organisations(user) -> QuerySet[Organisation]:
    """The organisations, teams and service teams the user heads (负责人): they may organise activities."""
    if user is None or not user.is_authenticated:
        return Organisation.objects.none()
    return (Organisation.objects.filter(members__user=user, members__is_admin=True)
            .select_related("community").order_by("name", "pk"))


def organisation_place_choices(organisations: list[Organisation]) -> QuerySet[Node]:
    """The places these organisations may hold activities at: the community each is based in and the
    places it serves; a place above community level (a street) stands for its communities. Two queries."""
    served = Node.objects.filter(served_by_organisations__in=organisations).values_list("pk", "path", "level")
    bases = [(o.community_id, o.community.path, o.community.level) for o in organisations]
    above = set(LEVEL_ORDER[:LEVEL_ORDER.index(Level.COMMUNITY)])
    q = Q(pk__in=[])
    for pk, path, level in [*bases, *served]:
        q |= Q(path__under=path, level=Level.COMMUNITY) if level in above else Q(pk=pk)
    return Node.objects.filter(q).order_by("path")


def near_me(user) -> QuerySet[Activity]:
    """Activities near me: upcoming and running, open for me to join."""
    return _with_counts(Activity.objects.filter(_resident_q(user), status=Activity.Status.OPEN,
                                                end_at__gte=timezone.now())).order_by("start_at", "id")


def organising(user) -> QuerySet[Activity]:
    return _with_counts(Activity.objects.filter(_organiser_q(user))).order_by("-start_at", "-id")


def organising_between(user, start: datetime.datetime, end: datetime.datetime) -> QuerySet[Activity]:
    """The activities I organise that start in [start, end), soonest first."""
    return organising(user).filter(start_at__gte=start, start_at__lt=end).order_by("start_at", "id")


def get_activity(user, pk: int) -> Activity:
    a = (Activity.objects.filter(pk=pk).filter(_resident_q(user) | _organiser_q(user) | Q(signups__user=user))
         .select_related("community", "organiser", "place", "serves_node", "created_by").distinct().first())
    if a is None:
        raise Http404
    return a


def get_run_activity(user, pk: int) -> Activity:
    a = get_activity(user, pk)
    if not can_run_activity(user, a):
        raise Http404
    return a


def shifts_with_counts(activity: Activity):
    return activity.shifts.annotate(
        confirmed=Count("signups", filter=Q(signups__status=SignUp.Status.CONFIRMED)),
        waiting=Count("signups", filter=Q(signups__status=SignUp.Status.WAITLIST))).order_by("id")


def my_signup(user, activity: Activity) -> SignUp | None:
    return (SignUp.objects.filter(activity=activity, user=user).exclude(status=SignUp.Status.CANCELLED)
            .select_related("shift").first())


def signup_list(activity: Activity) -> QuerySet[SignUp]:
    return (SignUp.objects.filter(activity=activity).exclude(status=SignUp.Status.CANCELLED)
            .select_related("shift", "resident", "user").order_by("shift_id", "status", "created_at", "id"))


def my_signups(user) -> QuerySet[SignUp]:
    return SignUp.objects.filter(user=user).select_related("activity", "shift").order_by("-activity__start_at", "-id")


def next_signup(user, now: datetime.datetime) -> SignUp | None:
    """My next sign-up that is not cancelled, for an activity not yet over."""
    return (my_signups(user).select_related("activity__community").filter(activity__end_at__gte=now)
            .exclude(status=SignUp.Status.CANCELLED).order_by("activity__start_at", "id").first())


def my_hours(user) -> int:
    return (SignUp.objects.filter(user=user, status=SignUp.Status.CONFIRMED).aggregate(m=Sum("minutes"))["m"] or 0)


def my_certificates(user) -> QuerySet[Certificate]:
    return Certificate.objects.filter(resident__user=user)


def my_records(user) -> QuerySet[VolunteerRecord]:
    """My training, commendation and evaluation records, from every organiser that recorded them."""
    return (VolunteerRecord.objects.filter(resident__user=user).select_related("organiser", "community")
            .order_by("-on", "-id"))


def served_minutes(resident, issuer) -> int:
    """The volunteer's recorded service hours (minutes) in the issuer's activities."""
    return (SignUp.objects.filter(issuer.activities_q("activity__"), resident=resident, status=SignUp.Status.CONFIRMED)
            .aggregate(m=Sum("minutes"))["m"] or 0)


def get_certificate(user, pk: int) -> Certificate:
    c = Certificate.objects.filter(pk=pk).select_related("resident", "organiser", "community").first()
    if c is None:
        raise Http404
    from .permissions import can_create_activity

    if c.resident.user_id != user.pk and not can_create_activity(user, c.community, c.organiser):
        raise Http404
    return c


def verify(number: str) -> Certificate | None:
    number = (number or "").strip().upper()[:24]
    return Certificate.objects.filter(number=number).first() if number else None


def board_activities(node, start: datetime.datetime, end: datetime.datetime) -> QuerySet[Activity]:
    """The public calendar of a place: public activities of its community (or under it) in [start, end)."""
    return (Activity.objects.filter(Q(community__path__in=ancestors_of(node.path)) | Q(community__path__under=node.path),
                                    audience=Activity.Audience.PUBLIC, status=Activity.Status.OPEN,
                                    start_at__gte=start, start_at__lt=end)
            .select_related("organiser").order_by("start_at", "id"))


def ledger_activities(node, start: datetime.datetime, end: datetime.datetime) -> QuerySet[Activity]:
    return (Activity.objects.filter(community__path__under=node.path, start_at__gte=start, start_at__lt=end)
            .select_related("community", "organiser", "place")
            .annotate(signed=Count("signups", filter=Q(signups__status=SignUp.Status.CONFIRMED), distinct=True),
                      attended=Count("signups", filter=Q(signups__checked_in_at__isnull=False), distinct=True),
                      minutes=Subquery(SignUp.objects.filter(activity=OuterRef("pk"), status=SignUp.Status.CONFIRMED)
                                       .values("activity").annotate(m=Sum("minutes")).values("m")[:1]),
                      named=Count("beneficiaries", distinct=True))
            .order_by("start_at", "id"))
