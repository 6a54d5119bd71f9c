"""Reads of visits, care dues and campaigns, scoped to what the user answers for. Hidden and missing
look the same (Http404)."""

import datetime

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from gongzhi.people.models import MemberHousehold, Resident
from gongzhi.territory.models import Household, Role, RoleAssignment
from gongzhi.territory.selectors import get_household

from .models import Campaign, CampaignHousehold, CareDue, CareRole, CareRule, HouseholdChange, Visit
from .permissions import can_visit_household, place_q, served_household_ids

VISIT_RELATED = ("household", "resident", "recorded_by", "campaign")


def visible_visits(user) -> QuerySet[Visit]:
    return Visit.objects.filter(place_q(user))


def visit_list(user, *, household: Household | None = None, kind: str = "", tag: str = "",
               since: datetime.date | None = None, until: datetime.date | None = None) -> QuerySet[Visit]:
    qs = visible_visits(user)
    if household is not None:
        qs = qs.filter(household=household)
    if kind:
        qs = qs.filter(kind=kind)
    if tag:
        qs = qs.filter(tags__tag=tag)
    if since:
        qs = qs.filter(visited_at__date__gte=since)
    if until:
        qs = qs.filter(visited_at__date__lte=until)
    return qs.select_related(*VISIT_RELATED).prefetch_related("tags", "visitors").order_by("-visited_at", "-id")


def get_visit(user, pk: int) -> Visit:
    visit = (visible_visits(user).select_related(*VISIT_RELATED, "household__micro_grid__parent")
             .prefetch_related("tags", "visitors", "photos", "follow_ups__ticket", "follow_ups__wish",
                               "changes__resident").filter(pk=pk).first())
    if visit is None:
        raise Http404
    return visit


def visit_household(user, pk: int) -> Household:
    """The household to record a visit at: visible and answered for by the user, else 404."""
    household = get_household(user, pk) if not _served(user, pk) else (
        Household.objects.select_related("node", "micro_grid__parent", "micro_grid__community").get(pk=pk))
    if not can_visit_household(user, household):
        raise Http404
    return household


def _served(user, pk: int) -> bool:
    return MemberHousehold.objects.filter(member__resident__user=user, household_id=pk).exists()


def current_residents(household: Household) -> list[Resident]:
    return list(Resident.objects.filter(household=household, moved_out_on__isnull=True)
                .prefetch_related("tags").order_by("relation", "id"))


def my_care_q(user, on: datetime.date | None = None) -> Q:
    """The care dues on this user's own list: by the rule's role, the grids they work, the
    micro-grids they head, the households they serve as a party member. Community and street staff
    see every due in their area."""
    if user.is_superuser:
        return Q()
    on = on or timezone.localdate()
    q = Q(pk__in=[])
    grids, micros, nodes = [], [], []
    for role, grid_id, node_path in (RoleAssignment.objects.active(on).filter(user=user)
                                     .values_list("role", "grid_id", "node__path")):
        if role in (Role.GRID_WORKER, Role.GRID_HEAD) and grid_id:
            grids.append(grid_id)
        elif role == Role.MICRO_GRID_HEAD and grid_id:
            micros.append(grid_id)
        elif role in (Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.STREET_STAFF) and node_path:
            nodes.append(node_path)
    if grids:
        q |= Q(role=CareRole.GRID_WORKER, grid_id__in=grids)
    if micros:
        q |= Q(role=CareRole.MICRO_GRID_HEAD, micro_grid_id__in=micros)
    for p in nodes:
        q |= Q(node_path__under=p)
    # Read first, and left out when empty: an OR with a subquery keeps PostgreSQL off the
    # (grid, due_on) index and scans every open due (bench/bench_visits.py: 40 ms → under 1 ms).
    served = served_household_ids(user)
    if served:
        q |= Q(role=CareRole.PARTY_MEMBER, household_id__in=served)
    return q


# What the 今天 page and API show of a due, and nothing else: the resident's identity number (and its
# decryption, per row) and the rows' other columns stay in the database.
TODAY_FIELDS = ("due_on", "done_on", "household_id", "resident_id", "rule_id", "resident__name", "resident__phone",
                "household__number", "household__address", "household__micro_grid_id",
                "household__updated_at", "rule__key_group", "rule__every_days")


def today_list(user, *, on: datetime.date | None = None, limit: int = 200) -> list[CareDue]:
    """"今天": the open care dues due today or earlier on my list, oldest due first, with the
    resident and household in the same query."""
    on = on or timezone.localdate()
    return list(CareDue.objects.filter(my_care_q(user, on), done_on__isnull=True, due_on__lte=on)
                .select_related("resident", "household", "rule").only(*TODAY_FIELDS)
                .order_by("due_on", "id")[:limit])


def today_counts(user, *, on: datetime.date | None = None) -> dict[str, int]:
    """The home page's figures for "今天": open care dues on my list due today and overdue, counted in
    one query (the list itself stops at `today_list`'s limit; these counts do not)."""
    on = on or timezone.localdate()
    return CareDue.objects.filter(my_care_q(user, on), done_on__isnull=True, due_on__lte=on).aggregate(
        due_today=Count("pk", filter=Q(due_on=on)), overdue=Count("pk", filter=Q(due_on__lt=on)))


def campaign_list(user) -> QuerySet[Campaign]:
    """Campaigns with at least one household the user answers for, with their progress counts."""
    mine = CampaignHousehold.objects.filter(place_q(user)).values("campaign_id")
    return (Campaign.objects.filter(pk__in=mine)
            .annotate(total=Count("households"),
                      visited=Count("households", filter=Q(households__state=CampaignHousehold.State.VISITED)),
                      nobody=Count("households", filter=Q(households__state=CampaignHousehold.State.NOBODY_HOME)))
            .select_related("community").order_by("-deadline", "-id"))


def get_campaign(user, pk: int) -> Campaign:
    c = campaign_list(user).filter(pk=pk).first()
    if c is None:
        raise Http404
    return c


def campaign_households(user, campaign: Campaign, *, state: str = "") -> QuerySet[CampaignHousehold]:
    qs = CampaignHousehold.objects.filter(place_q(user), campaign=campaign)
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("household").order_by("state", "node_path", "household__number")


def care_rules(community) -> QuerySet[CareRule]:
    return CareRule.objects.filter(community=community).order_by("every_days", "key_group")


def pending_changes(user) -> QuerySet[HouseholdChange]:
    """Proposed household changes in the user's area (deciding them is checked per row)."""
    return (HouseholdChange.objects.filter(place_q(user, "visit__"), status=HouseholdChange.Status.PROPOSED)
            .select_related("household__micro_grid", "resident", "visit", "proposed_by").order_by("id"))


def get_change(user, pk: int) -> HouseholdChange:
    c = (HouseholdChange.objects.filter(place_q(user, "visit__"), pk=pk)
         .select_related("household__micro_grid", "household__node", "resident", "visit").first())
    if c is None:
        raise Http404
    return c


def colleagues(households, user) -> dict[int, list[dict]]:
    """Per household: who else may go with the user — the grid's workers and head, the micro-grid's
    head (one query for all the households)."""
    grids = {h.pk: (h.micro_grid.parent_id if Household.micro_grid.is_cached(h) else None, h.micro_grid_id)
             for h in households}
    missing = [pk for pk, (g, _m) in grids.items() if g is None]
    if missing:
        for pk, parent in Household.objects.filter(pk__in=missing).values_list("pk", "micro_grid__parent_id"):
            grids[pk] = (parent, grids[pk][1])
    parents = {g for g, _m in grids.values()}
    micros = {m for _g, m in grids.values()}
    holders: dict[int, list] = {}
    for ra in (RoleAssignment.objects.active()
               .filter(Q(grid_id__in=parents, role__in=[Role.GRID_WORKER, Role.GRID_HEAD])
                       | Q(grid_id__in=micros, role=Role.MICRO_GRID_HEAD))
               .exclude(user=user).select_related("user").order_by("role", "id")):
        if ra.user.is_active:
            holders.setdefault(ra.grid_id, []).append({"id": ra.user_id, "name": ra.user.display_name})
    out = {}
    for pk, (g, m) in grids.items():
        seen, people = set(), []
        for p in holders.get(g, []) + holders.get(m, []):
            if p["id"] not in seen:
                seen.add(p["id"])
                people.append(p)
        out[pk] = people
    return out


def campaigns_running(user, on: datetime.date) -> QuerySet[Campaign]:
    """campaign_list's campaigns in progress on `on` (started, deadline not passed), nearest deadline first."""
    return campaign_list(user).filter(starts_on__lte=on, deadline__gte=on).order_by("deadline", "id")
