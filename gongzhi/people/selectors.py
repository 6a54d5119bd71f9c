"""Reads of people a user can reach, scoped to the user's subtree. Hidden and missing both raise Http404."""

from collections.abc import Iterator

from django.db.models import Case, Exists, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.http import Http404

from gongzhi.core.paths import ancestors_of
from gongzhi.territory.models import STAFF_ROLES, Grid, Household, Level, Node, PartyOrg, RoleAssignment
from gongzhi.territory.scoping import scope_for
from gongzhi.territory.selectors import get_household, visible_households

from .models import DualReport, KeyGroup, MemberHousehold, Organisation, PartyMember, Resident
from .pinyin import is_pinyin_query, pinyin_query

RESIDENT_LIST_RELATED = ("household__node", "household__micro_grid__parent", "party_member")


def visible_residents(user) -> QuerySet[Resident]:
    return Resident.objects.filter(scope_for(user).households_q("household__"))


def search_residents(qs: QuerySet[Resident], q: str) -> QuerySet[Resident]:
    """Name (Chinese, contains), pinyin (full or initials: "zhangsan", "zs"), or the household's address."""
    q = (q or "").strip()
    if not q:
        return qs
    if is_pinyin_query(q):
        return qs.filter(name_pinyin__contains=pinyin_query(q))
    return qs.filter(Q(name__contains=q) | Q(household__address__contains=q))


def resident_list(user, *, q: str = "", tag: str = "", include_moved_out: bool = False,
                  household: Household | None = None, node: Node | None = None) -> QuerySet[Resident]:
    qs = visible_residents(user)
    if not include_moved_out:
        qs = qs.filter(moved_out_on__isnull=True)
    if household is not None:
        qs = qs.filter(household=household)
    if node is not None:
        qs = qs.filter(household__node_path__under=node.path)
    if tag:
        if tag not in KeyGroup.values:
            return qs.none()
        qs = qs.filter(tags__tag=tag)
    qs = search_residents(qs, q)
    return (
        qs.select_related(*RESIDENT_LIST_RELATED)
        .prefetch_related("tags")
        .order_by("household__node_path", "household__number", "household_id", "relation", "id")
    )


def get_resident(user, pk: int) -> Resident:
    resident = (
        visible_residents(user)
        .select_related("household__node", "household__micro_grid__parent", "user")
        .prefetch_related("tags")
        .filter(pk=pk)
        .first()
    )
    if resident is None:
        raise Http404
    return resident


def resident_party_member(resident: Resident) -> PartyMember | None:
    return PartyMember.objects.filter(resident=resident).select_related("party_org").first()


def household_residents(household: Household, *, include_moved_out: bool = False) -> QuerySet[Resident]:
    qs = Resident.objects.filter(household=household)
    if not include_moved_out:
        qs = qs.filter(moved_out_on__isnull=True)
    return qs.select_related("party_member").prefetch_related("tags").order_by("moved_out_on", "relation", "id")


def household_detail(user, pk: int) -> Household:
    """The household (scoped, 404 otherwise) with what the household page needs."""
    return get_household(user, pk)


def household_members_serving(household: Household) -> QuerySet[MemberHousehold]:
    return (
        MemberHousehold.objects.filter(household=household)
        .select_related("member__resident", "member__party_org")
        .order_by("since", "id")
    )


def households_for_person(user) -> QuerySet[Household]:
    """"Which households does this person answer for": through their roles (网格员, 楼栋长 …) and as a
    party member serving them (党员联系户). Each row says how: `via_role` and/or `via_member`."""
    role_scope = scope_for(user, responsibility_only=True)
    served = MemberHousehold.objects.filter(member__resident__user=user).values("household_id")
    role_q = role_scope.households_q() if not role_scope.is_empty else Q(pk__in=[])
    # Everything (a superuser) is Q(), which When() cannot take: every household is then via a role.
    via_role = Value(True) if role_scope.everything else Case(When(role_q, then=Value(True)), default=Value(False))
    return (
        Household.objects.filter(role_q | Q(pk__in=served))
        .annotate(
            via_role=via_role,
            via_member=Exists(MemberHousehold.objects.filter(household=OuterRef("pk"), member__resident__user=user)),
        )
        .select_related("node", "micro_grid")
        .order_by("node_path", "number")
    )


def household_list(user, *, node: Node | None = None, grid: Grid | None = None, q: str = "") -> QuerySet[Household]:
    qs = visible_households(user)
    if node is not None:
        qs = qs.filter(node_path__under=node.path)
    if grid is not None:
        qs = qs.filter(Q(micro_grid=grid) | Q(micro_grid__parent=grid))
    if q:
        qs = qs.filter(Q(address__contains=q) | Q(number=q))
    current = Resident.objects.filter(moved_out_on__isnull=True).prefetch_related("tags").order_by("relation", "id")
    return (
        qs.select_related("node", "micro_grid__parent")
        .prefetch_related(Prefetch("residents", queryset=current, to_attr="current_residents"))
        .order_by("node_path", "number")
    )


def party_member_list(user, *, category: str = "", q: str = "") -> QuerySet[PartyMember]:
    qs = PartyMember.objects.filter(scope_for(user).households_q("resident__household__"))
    if category:
        qs = qs.filter(category=category)
    if q:
        qs = qs.filter(Q(resident__name__contains=q) | Q(resident__name_pinyin__contains=pinyin_query(q))
                       if is_pinyin_query(q) else Q(resident__name__contains=q))
    return (
        qs.select_related("resident__household__micro_grid__parent", "party_org")
        .prefetch_related(Prefetch("served", queryset=MemberHousehold.objects.select_related("household")))
        .order_by("resident__household__node_path", "resident__name", "id")
    )


def party_orgs_for_household(household: Household) -> QuerySet[PartyOrg]:
    """The party organisations of the household's community (at any node, grid or central household in it)."""
    community = Node.objects.filter(path__in=ancestors_of(household.node_path), level=Level.COMMUNITY).first()
    if community is None:
        return PartyOrg.objects.none()
    return PartyOrg.objects.filter(
        Q(node__path__under=community.path) | Q(grid__community=community)
        | Q(household__node_path__under=community.path)
    ).order_by("id")


def get_party_member(user, pk: int) -> PartyMember:
    m = party_member_list(user).filter(pk=pk).first()
    if m is None:
        raise Http404
    return m


def _dual_reports_q(user) -> Q:
    scope = scope_for(user)
    if scope.everything:
        return Q()
    return scope.nodes_q("community__") | scope.households_q("member__resident__household__")


def dual_report_list(user, *, status: str = "") -> QuerySet[DualReport]:
    qs = DualReport.objects.filter(_dual_reports_q(user))
    if status:
        qs = qs.filter(status=status)
    return (
        qs.select_related("member__resident__household", "community", "decided_by")
        .order_by("status", "-created_at", "-id")
    )


def get_dual_report(user, pk: int) -> DualReport:
    report = dual_report_list(user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def _organisation_q(user) -> Q:
    """Organisations of the communities the user works in, and of the streets above them."""
    scope = scope_for(user)
    if scope.everything:
        return Q()
    q = scope.nodes_q("community__")
    above: set[str] = set()
    for p in scope.node_paths:
        above.update(ancestors_of(p))
    grid_ids = scope.grid_ids + scope.micro_grid_ids
    community_ids = set(Grid.objects.filter(pk__in=grid_ids).values_list("community_id", flat=True)) if grid_ids else set()
    if scope.household_ids:
        for path in Household.objects.filter(pk__in=scope.household_ids).values_list("node_path", flat=True):
            above.update(ancestors_of(path))
    if community_ids:
        for path in Node.objects.filter(pk__in=community_ids).values_list("path", flat=True):
            above.update(ancestors_of(path))
    if above:
        q |= Q(community__path__in=above, community__level__in=[Level.COMMUNITY, Level.STREET])
    return q


def organisation_list(user, *, kind: str = "", q: str = "") -> QuerySet[Organisation]:
    qs = Organisation.objects.filter(_organisation_q(user))
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(name__contains=q)
    return qs.select_related("community").order_by("community__path", "kind", "name")


def get_organisation(user, pk: int) -> Organisation:
    org = organisation_list(user).prefetch_related("serves").filter(pk=pk).first()
    if org is None:
        raise Http404
    return org


def _managed_q(user) -> Q | None:
    """Subtrees the user holds a staff role on (what can_manage_node allows), or None for everything."""
    if user.is_superuser:
        return None
    paths = list(
        RoleAssignment.objects.active()
        .filter(user=user, role__in=STAFF_ROLES, node__isnull=False)
        .values_list("node__path", flat=True)
    )
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(path__under=p)
    return q


def manageable_communities(user) -> QuerySet[Node]:
    """Communities the user may import into (staff of the community or of its street)."""
    q = _managed_q(user)
    qs = Node.objects.filter(level=Level.COMMUNITY)
    return (qs if q is None else qs.filter(q)).order_by("path")


def manageable_organisation_places(user) -> QuerySet[Node]:
    """Communities and streets where the user may register organisations."""
    q = _managed_q(user)
    qs = Node.objects.filter(level__in=[Level.COMMUNITY, Level.STREET])
    return (qs if q is None else qs.filter(q)).order_by("path")


def ledger_households(user, *, node_id: int | None = None, grid_id: int | None = None,
                      full: bool = False) -> tuple[QuerySet[Household], str]:
    """The households a ledger export covers, and its label: under a node (one the user may browse,
    or any node with households they can see under it — a grid worker exporting by the community
    gets their own grid's), in a grid, or everything the user can see. Hidden or missing: Http404.
    With `full` (full ID numbers): only staff of the whole area exported (PermissionDenied otherwise),
    and "everything I can see" is narrowed to the areas the user is staff of."""
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    from gongzhi.territory import selectors as territory
    from gongzhi.territory.permissions import can_view_full_id, staff_paths

    from .permissions import can_export_full

    households, area = visible_households(user), None
    if node_id is not None:
        node = territory.visible_nodes(user).filter(pk=node_id).first()
        if node is None:
            node = Node.objects.filter(pk=node_id).first()
            if node is None or not territory.households_under(user, node).exists():
                raise Http404
        households, label, area = households.filter(node_path__under=node.path), node.name, node.path
    elif grid_id is not None:
        grid = territory.get_grid(user, grid_id)
        households, label, area = territory.grid_households(user, grid), grid.name, grid.community.path
    else:
        label = _("我可见的全部住户")
    if full:
        if not (can_export_full(user) and (area is None or can_view_full_id(user, area))):
            raise PermissionDenied
        paths = staff_paths(user) if area is None else None
        if paths is not None:
            under = Q(pk__in=[])
            for path in paths:
                under |= Q(node_path__under=path)
            households = households.filter(under)
    return households, label


# --- look-ups by identity number: the only place that filters residents by it ----------------------

def current_resident_with_id(id_number: str, *, exclude_pk: int | None = None) -> bool:
    """Whether a current (not moved-out) resident holds this ID number (another than `exclude_pk`)."""
    qs = Resident.objects.filter(id_number=id_number, moved_out_on__isnull=True)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def residents_with_ids(id_numbers: list[str], *, chunk: int = 500) -> Iterator[Resident]:
    """Every record (current or moved out, anywhere) holding one of these ID numbers, with its
    household. Unscoped: for the ledger import's matching, never shown as such."""
    for i in range(0, len(id_numbers), chunk):
        yield from Resident.objects.filter(id_number__in=id_numbers[i:i + chunk]).select_related("household")


def is_party_member(user) -> bool:
    """The account belongs to a party member (who may report to a community: 双报到)."""
    return user.is_authenticated and PartyMember.objects.filter(resident__user=user).exists()
