"""Reads of the evaluation app. Staff reads are scoped to the user's subtree; a juror reaches the periods of
the juries they sit on; the public board reads only closed results and no personal data."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from gongzhi.accounts.services import find_user
from gongzhi.core.natsort import natural_key, natural_sorted
from gongzhi.core.paths import ancestors_of
from gongzhi.people.models import OrganisationMember, Resident
from gongzhi.territory.models import Level, Node, Role, RoleAssignment
from gongzhi.territory.scoping import scope_for

from .aggregation import display, exact
from .models import (
    Juror,
    Party,
    Period,
    PeriodEvent,
    PeriodJuror,
    RuleItem,
    RuleSet,
    RuleVersion,
    ScoreSheet,
    Subject,
    SubjectResult,
)
from .subjects import ref_id

# The role holders (三长) a rule set's subsidy can be granted to.
ROLE_HOLDERS = (Role.COMPOUND_HEAD, Role.BUILDING_HEAD, Role.UNIT_HEAD)


def visible_rule_sets(user) -> QuerySet[RuleSet]:
    return RuleSet.objects.filter(scope_for(user).nodes_q("node__")).select_related("node")


def get_rule_set(user, pk: int) -> RuleSet:
    rs = visible_rule_sets(user).filter(pk=pk).first()
    if rs is None:
        raise Http404
    return rs


def rule_set_versions(rule_set: RuleSet) -> QuerySet[RuleVersion]:
    return (
        rule_set.versions.select_related("created_by")
        .annotate(n_periods=Count("periods", distinct=True))
        .prefetch_related(Prefetch("items", queryset=RuleItem.objects.select_related("derived_from")))
        .order_by("-number")
    )


def get_version(user, pk: int) -> RuleVersion:
    v = (
        RuleVersion.objects.filter(pk=pk, rule_set__in=visible_rule_sets(user))
        .select_related("rule_set__node").annotate(n_periods=Count("periods")).first()
    )
    if v is None:
        raise Http404
    return v


def rule_set_jurors(rule_set: RuleSet) -> QuerySet[Juror]:
    return rule_set.jurors.filter(active=True).select_related("user", "organisation").order_by("party", "id")


def juror_candidate(rule_set: RuleSet, login: str):
    """The account a manager may seat on the rule set's jury, by username or phone; None otherwise.

    Only people of the place: an active role on the rule set's node or inside its subtree, or on the community
    or street it lies in (the community's staff sit on a compound's jury); a current resident of a household
    under the node; a member of an organisation of a community in or above the node. Anyone else, and a login
    that does not exist, give the same None, so the form cannot tell who has an account, nor their name."""
    user = find_user(login)
    if user is None or not user.is_active:
        return None
    path = rule_set.node.path
    # Above the node: only the street and community it lies in, not every official up to the province.
    around = list(Node.objects.filter(path__in=ancestors_of(path), level__in=[Level.STREET, Level.COMMUNITY])
                  .values_list("path", flat=True))
    roles = RoleAssignment.objects.active(timezone.localdate()).filter(user=user).filter(
        Q(node__path__under=path) | Q(node__path__in=around)
        | Q(grid__community__path__under=path) | Q(grid__community__path__in=around)
        | Q(household__node_path__under=path)
        | Q(party_org__node__path__under=path) | Q(party_org__node__path__in=around)
        | Q(party_org__grid__community__path__under=path) | Q(party_org__grid__community__path__in=around)
    )
    resident = Resident.objects.filter(user=user, moved_out_on__isnull=True, household__node_path__under=path)
    member = OrganisationMember.objects.filter(user=user).filter(
        Q(organisation__community__path__under=path) | Q(organisation__community__path__in=around))
    if roles.exists() or resident.exists() or member.exists():
        return user
    return None


def visible_periods(user) -> QuerySet[Period]:
    return Period.objects.filter(rule_set__in=visible_rule_sets(user)).select_related("rule_set__node", "version")


def get_period(user, pk: int) -> Period:
    p = visible_periods(user).filter(pk=pk).first()
    if p is None:
        raise Http404
    return p


def rule_set_periods(rule_set: RuleSet) -> QuerySet[Period]:
    return rule_set.periods.select_related("version").annotate(n_subjects=Count("subjects")).order_by("-start")


def period_events(period: Period) -> QuerySet[PeriodEvent]:
    return period.events.select_related("actor").order_by("at", "id")


@dataclass
class PartyProgress:
    party: str
    label: str
    jurors: int
    subjects_scored: int
    subjects: int

    @property
    def done(self) -> bool:
        return self.subjects_scored >= self.subjects


def period_progress(period: Period) -> list[PartyProgress]:
    """For each party on the period's jury: how many subjects at least one of its jurors has scored."""
    n_subjects = period.subjects.count()
    jurors = dict(
        period.jury.filter(active=True).values("party").annotate(n=Count("pk")).values_list("party", "n")
    )
    scored = dict(
        ScoreSheet.objects.filter(period=period, is_current=True, juror__active=True).values("party")
        .annotate(n=Count("subject_id", distinct=True)).values_list("party", "n")
    )
    labels = dict(Party.choices)
    return [PartyProgress(p, str(labels.get(p, p)), jurors.get(p, 0), scored.get(p, 0), n_subjects)
            for p in sorted(set(jurors) | set(scored))]


@dataclass
class JurorProgress:
    seat: PeriodJuror
    scored: int
    subjects: int

    @property
    def done(self) -> bool:
        return self.scored >= self.subjects

    @property
    def missing(self) -> int:
        return max(self.subjects - self.scored, 0)


def jury_progress(period: Period) -> list[JurorProgress]:
    """Every seat on the period's jury with how many subjects that person has scored (one current sheet per
    person and subject). Two queries whatever the size."""
    n_subjects = period.subjects.count()
    seats = list(period.jury.filter(active=True).select_related("user").order_by("party", "id"))
    scored = dict(
        ScoreSheet.objects.filter(period=period, is_current=True, submitted_by__in=[s.user_id for s in seats])
        .values("submitted_by").annotate(n=Count("subject_id")).values_list("submitted_by", "n")
    )
    return [JurorProgress(s, scored.get(s.user_id, 0), n_subjects) for s in seats]


def pending_jurors(period: Period) -> list[JurorProgress]:
    return [p for p in jury_progress(period) if not p.done]


def current_results(period: Period) -> QuerySet[SubjectResult]:
    """The results of the period's last close, best first; unranked (vetoed, not scored) last."""
    return (
        SubjectResult.objects.filter(period=period, round=period.round)
        .select_related("subject", "veto_item")
        .order_by(F("rank").asc(nulls_last=True), "-vetoed", "subject__sort_key")
    )


def get_subject(period: Period, pk: int) -> Subject:
    s = Subject.objects.filter(period=period, pk=pk).select_related("period__version", "period__rule_set").first()
    if s is None:
        raise Http404
    return s


def subject_result(subject: Subject) -> SubjectResult | None:
    return subject.results.filter(round=subject.period.round).select_related("veto_item").first() \
        if subject.period.round else None


# --- jurors ------------------------------------------------------------------------------------------------

def juror_periods(user) -> QuerySet[Period]:
    """Open periods whose jury the user sits on (the period's own jury, not the rule set's current one)."""
    return (
        Period.objects.filter(status=Period.Status.OPEN, jury__user=user, jury__active=True)
        .select_related("rule_set__node", "version").distinct().order_by("-start", "id")
    )


def get_juror_period(user, pk: int) -> tuple[Period, PeriodJuror]:
    period = Period.objects.filter(pk=pk).select_related("rule_set__node", "version").first()
    juror = period and PeriodJuror.objects.filter(period=period, user=user, active=True).first()
    if not juror:
        raise Http404
    return period, juror


def period_jury(period: Period) -> QuerySet[PeriodJuror]:
    return period.jury.filter(active=True).select_related("user", "organisation").order_by("party", "id")


def get_period_seat(period: Period, pk: int) -> PeriodJuror:
    seat = period.jury.filter(pk=pk, active=True).select_related("user").first()
    if seat is None:
        raise Http404
    return seat


def juror_subjects(period: Period, juror: PeriodJuror) -> QuerySet[Subject]:
    # By person: a sheet written from an earlier seat of the same person still counts (see sheet_submit).
    done = ScoreSheet.objects.filter(subject=OuterRef("pk"), submitted_by_id=juror.user_id, is_current=True)
    return period.subjects.annotate(done=Exists(done)).order_by("sort_key")


def scored_items(version: RuleVersion) -> list[RuleItem]:
    return list(version.items.order_by("position"))


def juror_sheet(subject: Subject, juror: PeriodJuror) -> ScoreSheet | None:
    return (
        ScoreSheet.objects.filter(subject=subject, submitted_by_id=juror.user_id, is_current=True)
        .prefetch_related("scores").first()
    )


# --- year standings and the public board --------------------------------------------------------------------

@dataclass
class Standing:
    key: str
    label: str
    sort_key: tuple
    node_id: int | None
    household_id: int | None
    organisation_id: int | None
    flag_months: int
    exact_total: Fraction
    vetoed_months: int

    @property
    def year_total(self) -> Decimal:
        return display(self.exact_total)

    @property
    def place_id(self) -> int | None:
        return ref_id(self)


def year_standings(rule_set: RuleSet, year: int) -> list[Standing]:
    """The year's subjects over its closed periods (each at its last round). The year total adds the months'
    exact totals, a vetoed month counting as zero. Order: most red-flag months, then the higher year total
    (exact), then fewer vetoed months, then the natural order of places."""
    rows = (
        SubjectResult.objects.filter(period__rule_set=rule_set, period__start__year=year,
                                     period__status=Period.Status.CLOSED, round=F("period__round"))
        .values_list("subject__key", "subject__label", "subject__node_id", "subject__household_id",
                     "subject__organisation_id", "honoured", "vetoed", "total", "exact_total")
        .order_by("period__start")
    )
    out: dict[str, Standing] = {}
    for key, label, node_id, household_id, organisation_id, honoured, vetoed, total, exact_text in rows:
        s = out.get(key)
        if s is None:
            s = out[key] = Standing(key, label, (), node_id, household_id, organisation_id, 0, Fraction(0), 0)
        s.label = label  # the latest month's name
        s.flag_months += honoured
        s.vetoed_months += vetoed
        if not vetoed:
            s.exact_total += exact(exact_text, total)
    result = list(out.values())
    for s in result:
        s.sort_key = natural_key(s.label)
    result.sort(key=lambda s: (-s.flag_months, -s.exact_total, s.vetoed_months, s.sort_key, s.key))
    return result


def board_compound(pk: int) -> Node:
    node = Node.objects.filter(pk=pk, level=Level.COMPOUND).select_related("parent").first()
    if node is None:
        raise Http404
    return node


def board_rule_sets(compound: Node) -> list[RuleSet]:
    """Public rule sets on the compound or below it (never household rankings)."""
    return [rs for rs in RuleSet.objects.filter(node__path__under=compound.path).select_related("node").order_by("pk")
            if rs.is_public]


def closed_periods(rule_set: RuleSet, year: int | None = None) -> QuerySet[Period]:
    qs = rule_set.periods.filter(status=Period.Status.CLOSED, round__gt=0).select_related("version")
    if year:
        qs = qs.filter(start__year=year)
    return qs.order_by("-start")


def published_results(period: Period) -> QuerySet[SubjectResult]:
    """Results as they were last closed, even while the period is reopened for a correction."""
    return (
        SubjectResult.objects.filter(period=period, round=period.round)
        .select_related("subject", "veto_item")
        .order_by(F("rank").asc(nulls_last=True), "-vetoed", "subject__sort_key")
    )


def version_for_board(rule_set: RuleSet, day: datetime.date) -> RuleVersion | None:
    v = (
        rule_set.versions.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day), effective_from__lte=day)
        .order_by("-effective_from").first()
    )
    return v or rule_set.versions.order_by("-effective_from").first()


def version_items(version: RuleVersion) -> QuerySet[RuleItem]:
    return version.items.select_related("derived_from").order_by("position")


def rule_set_places(user, limit: int = 500) -> QuerySet[Node]:
    """Places a rule set can be put on, for the editor's drop-down (bounded)."""
    return (
        Node.objects.filter(scope_for(user).nodes_q())
        .filter(level__in=[Level.STREET, Level.COMMUNITY, Level.COMPOUND, Level.BUILDING])
        .order_by("path")[:limit]
    )


def role_holders(rule_set: RuleSet, limit: int | None = 500):
    """三长 (compound, building and unit heads) with an active role on the rule set's node or below: the people
    a subsidy can be granted to. In the natural order of their places."""
    qs = (
        RoleAssignment.objects.active()
        .filter(role__in=list(ROLE_HOLDERS), node__path__under=rule_set.node.path)
        .select_related("user", "node__parent").order_by("node__path", "role", "pk")
    )
    if limit is not None:
        qs = qs[:limit]
    return natural_sorted(qs, key=lambda a: f"{a.node.parent.name if a.node.parent else ''}/{a.node.name}")


def rule_set_awards(rule_set: RuleSet):
    """The awards in force (revoked ones are left out): what the API and any count read."""
    return rule_set.awards.current().select_related("granted_by").order_by("-year", "rank")


def rule_set_award_history(rule_set: RuleSet):
    """Every award ever granted, revoked ones too (with who/when/why), for the staff rule-set page."""
    return (
        rule_set.awards.select_related("granted_by", "revoked_by")
        .order_by("-year", F("revoked_at").desc(nulls_first=True), "rank")
    )


def rule_set_subsidies(rule_set: RuleSet):
    return rule_set.role_subsidies.select_related("user", "granted_by", "version", "assignment__node__parent") \
        .order_by("-year", "id")


@dataclass
class JurorTask:
    period: Period
    total: int
    left: int


def juror_tasks(user, limit: int = 10) -> list[JurorTask]:
    """我的评分任务: each open period of the user's juries with how many subjects are still unscored."""
    done = ScoreSheet.objects.filter(subject=OuterRef("pk"), submitted_by_id=user.pk, is_current=True)
    tasks = []
    for period in juror_periods(user)[:limit]:
        counts = period.subjects.annotate(done=Exists(done)).aggregate(total=Count("pk"), left=Count("pk", filter=Q(done=False)))
        tasks.append(JurorTask(period=period, total=counts["total"], left=counts["left"]))
    return tasks
