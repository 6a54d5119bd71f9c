"""Reads of the territory that a user can reach, scoped to the user's subtree."""

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from gongzhi.core.paths import ancestors_of

from .models import LEVEL_ORDER, Grid, Household, Level, Node, PartyOrg, RoleAssignment
from .scoping import Scope, scope_for


def active_roles(user) -> QuerySet[RoleAssignment]:
    return (
        RoleAssignment.objects.active()
        .filter(user=user)
        .select_related("node", "grid", "party_org", "household")
        .order_by("role")
    )


def visible_nodes(user) -> QuerySet[Node]:
    return Node.objects.filter(scope_for(user).nodes_q())


def get_node(user, pk: int) -> Node:
    node = visible_nodes(user).select_related("parent").filter(pk=pk).first()
    if node is None:
        raise Http404
    return node


def node_children(user, node: Node) -> QuerySet[Node]:
    return (
        visible_nodes(user)
        .filter(parent=node)
        .annotate(n_children=Count("children", distinct=True))
        .order_by("code", "name")
    )


def root_nodes(user) -> QuerySet[Node]:
    """The top of what the user may browse: the outermost nodes of their scope."""
    scope = scope_for(user)
    if scope.everything:
        return Node.objects.filter(parent__isnull=True).order_by("code", "name")
    return Node.objects.filter(path__in=scope.node_paths).order_by("path")


def visible_households(user) -> QuerySet[Household]:
    return Household.objects.filter(scope_for(user).households_q())


def households_under(user, node: Node) -> QuerySet[Household]:
    return visible_households(user).filter(node_path__under=node.path)


def get_household(user, pk: int) -> Household:
    hh = (
        visible_households(user)
        .select_related("node__parent__parent", "micro_grid__parent")
        .filter(pk=pk)
        .first()
    )
    if hh is None:
        raise Http404
    return hh


def visible_grids(user) -> QuerySet[Grid]:
    return Grid.objects.filter(scope_for(user).grids_q())


def get_grid(user, pk: int) -> Grid:
    grid = visible_grids(user).select_related("community", "parent").filter(pk=pk).first()
    if grid is None:
        raise Http404
    return grid


def grids_of_community(user, community: Node) -> QuerySet[Grid]:
    return (
        visible_grids(user)
        .filter(community=community, kind=Grid.Kind.GRID)
        .annotate(n_micro=Count("micro_grids", distinct=True))
        .prefetch_related("tags")
        .order_by("code")
    )


def grid_households(user, grid: Grid) -> QuerySet[Household]:
    q = Q(micro_grid=grid) if grid.kind == Grid.Kind.MICRO else Q(micro_grid__parent=grid)
    return visible_households(user).filter(q).select_related("node", "micro_grid")


def my_grids(user) -> QuerySet[Grid]:
    """Grids and micro-grids the user holds a role on (for the grid worker's home page)."""
    scope = scope_for(user)
    return (
        Grid.objects.filter(pk__in=scope.grid_ids + scope.micro_grid_ids)
        .select_related("community", "parent")
        .prefetch_related("tags")
        .annotate(n_micro=Count("micro_grids", distinct=True))
        .order_by("community_id", "code")
    )


def _level_rank(ra: RoleAssignment) -> int:
    """Lower rank = closer to the household: unit 0, micro-grid 5, building 10, grid 15, compound 20,
    community 30, street 40. A party organisation ranks as the place it sits on, just after its holders."""
    node = ra.node or (ra.party_org.node if ra.party_org_id else None)
    grid = ra.grid or (ra.party_org.grid if ra.party_org_id else None)
    bump = 1 if ra.party_org_id else 0
    if node is not None:
        return {lvl: i for i, lvl in enumerate(reversed(LEVEL_ORDER))}[node.level] * 10 + bump
    if grid is not None:
        return (5 if grid.parent_id else 15) + bump
    return 99


def answerable_for(household: Household) -> list[RoleAssignment]:
    """Everyone answerable for the household, from the closest level (unit head) upward."""
    node_paths = ancestors_of(household.node_path)
    grid_ids = [household.micro_grid_id, household.micro_grid.parent_id]
    q = Q(node__path__in=node_paths) | Q(grid_id__in=grid_ids)
    q |= Q(party_org__in=PartyOrg.objects.filter(Q(node__path__in=node_paths) | Q(grid_id__in=grid_ids)))
    rows = list(
        RoleAssignment.objects.active()
        .filter(q)
        .exclude(role="resident")
        .select_related("user", "node", "grid", "party_org__node", "party_org__grid")
    )
    return sorted(rows, key=lambda ra: (_level_rank(ra), ra.role, ra.user_id))


def households_answered_by(person) -> QuerySet[Household]:
    """Every household the person answers for through a role (their own home is not counted)."""
    scope: Scope = scope_for(person, responsibility_only=True)
    if scope.everything:
        return Household.objects.all()
    return Household.objects.filter(scope.households_q())



def grid_role_holders(grid: Grid) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.active().filter(grid=grid).select_related("user").order_by("role")


def node_role_holders(node: Node) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.active().filter(node=node).select_related("user").order_by("role", "user_id")


def node_trail(user, node: Node, *, top_level: str = Level.COUNTY) -> list[Node]:
    """Breadcrumbs from `top_level` down to the node itself; each node's `linkable` says whether the
    user may open its page (a grid worker sees the names of the places above, but no links)."""
    scope = scope_for(user)
    keep = LEVEL_ORDER[LEVEL_ORDER.index(top_level):]
    trail = [n for n in Node.objects.filter(path__in=ancestors_of(node.path)).order_by("path") if n.level in keep]
    for n in trail:
        n.linkable = scope.everything or any(n.path.startswith(p) for p in scope.node_paths)
    return trail
