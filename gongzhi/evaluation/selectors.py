"""Reads of the evaluation app. Staff reads are scoped to the user's subtree; a juror reaches the periods of
the juries they sit on; the public board reads only closed results and no personal data."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from gongzhi.accounts.services import find_user
from gongzhi.core.paths import ancestors_of
from gongzhi.people.models import OrganisationMember, Resident
from gongzhi.territory.models import Level, Node, RoleAssignment
from gongzhi.territory.scoping import scope_for

from .models import (
    Juror,
    Party,
    Period,
    PeriodEvent,
    RuleItem,
    RuleSet,
    RuleVersion,
    ScoreSheet,
    Subject,
    SubjectResult,
)


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
    """For each party on the jury: how many subjects at least one of its jurors has scored."""
    n_subjects = period.subjects.count()
    jurors = dict(
        Juror.objects.filter(rule_set_id=period.rule_set_id, active=True).values("party")
        .annotate(n=Count("pk")).values_list("party", "n")
    )
    scored = dict(
        ScoreSheet.objects.filter(period=period, is_current=True).values("party")
        .annotate(n=Count("subject_id", distinct=True)).values_list("party", "n")
    )
    labels = dict(Party.choices)
    return [PartyProgress(p, str(labels.get(p, p)), jurors.get(p, 0), scored.get(p, 0), n_subjects)
            for p in sorted(set(jurors) | set(scored))]


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
    """Open periods of every jury the user sits on."""
    return (
        Period.objects.filter(status=Period.Status.OPEN, rule_set__jurors__user=user, rule_set__jurors__active=True)
        .select_related("rule_set__node", "version").distinct().order_by("-start", "id")
    )


def get_juror_period(user, pk: int) -> tuple[Period, Juror]:
    period = Period.objects.filter(pk=pk).select_related("rule_set__node", "version").first()
    juror = period and Juror.objects.filter(rule_set_id=period.rule_set_id, user=user, active=True).first()
    if not juror:
        raise Http404
    return period, juror


def juror_subjects(period: Period, juror: Juror) -> QuerySet[Subject]:
    # By person: a sheet written from an earlier seat of the same person still counts (see sheet_submit).
    done = ScoreSheet.objects.filter(subject=OuterRef("pk"), submitted_by_id=juror.user_id, is_current=True)
    return period.subjects.annotate(done=Exists(done)).order_by("sort_key")


def scored_items(version: RuleVersion) -> list[RuleItem]:
    return list(version.items.order_by("position"))


def juror_sheet(subject: Subject, juror: Juror) -> ScoreSheet | None:
    return (
        ScoreSheet.objects.filter(subject=subject, submitted_by_id=juror.user_id, is_current=True)
        .prefetch_related("scores").first()
    )


# --- year standings and the public board --------------------------------------------------------------------

@dataclass
class Standing:
    key: str
    label: str
    sort_key: str
    node_id: int | None
    household_id: int | None
    organisation_id: int | None
    flag_months: int
    year_total: Decimal
    vetoed_months: int


# Year-end order: most red-flag months, then the higher total over the year's closed periods, then fewer
# vetoed months, then the subject's place in the tree.
YEAR_TIE_BREAK = ("flag_months DESC", "year_total DESC", "vetoed_months ASC", "sort_key ASC")


def year_standings(rule_set: RuleSet, year: int) -> list[Standing]:
    rows = (
        SubjectResult.objects.filter(period__rule_set=rule_set, period__start__year=year,
                                     period__status=Period.Status.CLOSED, round=F("period__round"))
        .values("subject__key")
        .annotate(flags=Count("pk", filter=Q(honoured=True)), total=Sum("total"),
                  vetoes=Count("pk", filter=Q(vetoed=True)), label=Max("subject__label"),
                  sort_key=Max("subject__sort_key"), node_id=Max("subject__node_id"),
                  household_id=Max("subject__household_id"), organisation_id=Max("subject__organisation_id"))
    )
    out = [Standing(r["subject__key"], r["label"], r["sort_key"], r["node_id"], r["household_id"],
                    r["organisation_id"], r["flags"], Decimal(r["total"] or 0).quantize(Decimal("0.01")), r["vetoes"])
           for r in rows]
    out.sort(key=lambda s: (-s.flag_months, -s.year_total, s.vetoed_months, s.sort_key))
    return out


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


def role_holders(rule_set: RuleSet, limit: int = 500):
    """三长 on the rule set's node or below, for the subsidy form."""
    from gongzhi.territory.models import Role, RoleAssignment

    return (
        RoleAssignment.objects.active()
        .filter(role__in=[Role.COMPOUND_HEAD, Role.BUILDING_HEAD, Role.UNIT_HEAD], node__path__under=rule_set.node.path)
        .select_related("user", "node").order_by("node__path", "role")[:limit]
    )


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
    return rule_set.role_subsidies.select_related("user", "granted_by", "version", "assignment__node").order_by("-year", "id")
