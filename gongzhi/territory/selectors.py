"""Reads of the territory that a user can reach, scoped to the user's subtree."""

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Length
from django.http import Http404

from gongzhi.core.natsort import natural_key
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


def division_by_code(code: str) -> Node | None:
    """A division (province … community) by its public 12-digit code; None for anything else."""
    code = (code or "").strip()
    if not code.isascii() or not code.isdigit() or len(code) != 12:
        return None
    return Node.objects.filter(code=code).only("id", "path", "level", "name").first()


def visible_nodes(user) -> QuerySet[Node]:
    return Node.objects.filter(scope_for(user).nodes_q())


def get_node(user, pk: int) -> Node:
    node = visible_nodes(user).select_related("parent").filter(pk=pk).first()
    if node is None:
        raise Http404
    return node


def node_children(user, node: Node) -> list[Node]:
    """The children the user may open, in natural order (2栋 before 10栋; codes first where set)."""
    rows = visible_nodes(user).filter(parent=node).annotate(n_children=Count("children", distinct=True))
    return sorted(rows, key=lambda n: (natural_key(n.code), natural_key(n.name)))


# Households in natural order inside one query (and one page): by place, then the room number with
# shorter numbers first, so 201 comes before 1201 on SQLite and PostgreSQL alike.
HOUSEHOLD_ORDER = ("node_path", Length("number"), "number")


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
    return answerable_for_many([household])[household.pk]


def answerable_for_many(households) -> dict[int, list[RoleAssignment]]:
    """`answerable_for` of many households at once (the SLA sweep's batch), in three queries whatever
    their number; each household's `micro_grid` should be select_related.

    Index look-ups only (a city has ~10^5 nodes and ~10^4 grids): the ids of the nodes on the
    households' paths (unique path index), the party organisations placed on them or their grids, then
    the holders by those keys (indexes on node, grid, party organisation). An OR across joined tables
    made PostgreSQL read the whole node and grid tables for every call."""
    households = list(households)
    paths = {hh.pk: ancestors_of(hh.node_path) for hh in households}
    node_by_path = dict(Node.objects.filter(path__in={p for ps in paths.values() for p in ps})
                        .values_list("path", "pk"))
    nodes = {hh.pk: {node_by_path[p] for p in paths[hh.pk] if p in node_by_path} for hh in households}
    grids = {hh.pk: {g for g in (hh.micro_grid_id, hh.micro_grid.parent_id) if g} for hh in households}
    all_nodes = set().union(*nodes.values()) if nodes else set()
    all_grids = set().union(*grids.values()) if grids else set()
    org_keys = list(PartyOrg.objects.filter(Q(node_id__in=all_nodes) | Q(grid_id__in=all_grids))
                    .values_list("pk", "node_id", "grid_id"))
    rows = list(
        RoleAssignment.objects.active()
        .filter(Q(node_id__in=all_nodes) | Q(grid_id__in=all_grids) | Q(party_org_id__in=[k[0] for k in org_keys]))
        .exclude(role="resident")
        .select_related("user", "node", "grid", "party_org__node", "party_org__grid")
    )
    by_key: dict[tuple, list] = {}  # ("n"|"g"|"o", id) -> holders, so each household costs its own keys only
    for ra in rows:
        for key in (("n", ra.node_id), ("g", ra.grid_id), ("o", ra.party_org_id)):
            if key[1] is not None:
                by_key.setdefault(key, []).append(ra)
    for pk, node_id, grid_id in org_keys:
        by_key.setdefault(("on", node_id), []).append(pk)
        by_key.setdefault(("og", grid_id), []).append(pk)
    out = {}
    for hh in households:
        keys = [("n", n) for n in nodes[hh.pk]] + [("g", g) for g in grids[hh.pk]]
        orgs = {o for n in nodes[hh.pk] for o in by_key.get(("on", n), ())}
        orgs |= {o for g in grids[hh.pk] for o in by_key.get(("og", g), ())}
        keys += [("o", o) for o in orgs]
        mine = {ra.pk: ra for key in keys for ra in by_key.get(key, ())}
        out[hh.pk] = sorted(mine.values(), key=lambda ra: (_level_rank(ra), ra.role, ra.user_id))
    return out


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
    keep = LEVEL_ORDER[LEVEL_ORDER.index(top_level):]
    trail = [n for n in Node.objects.filter(path__in=ancestors_of(node.path)).order_by("path") if n.level in keep]
    for n in trail:
        n.linkable = node_openable(user, n)
    return trail


def node_openable(user, node: Node) -> bool:
    """Whether `get_node` would find the node (its page opens), decided from the scope without a query."""
    scope = scope_for(user)
    return scope.everything or any(node.path.startswith(p) for p in scope.node_paths)


def grid_openable(user, grid: Grid) -> bool:
    """Whether `get_grid` would find the grid (`Scope.grids_q` in Python, no query)."""
    scope = scope_for(user)
    if scope.everything or grid.pk in scope.grid_ids or grid.pk in scope.micro_grid_ids:
        return True
    if grid.parent_id is not None and grid.parent_id in scope.grid_ids:
        return True
    community_path = grid.community.path if "community" in grid._state.fields_cache else None
    if community_path is None:
        community_path = Node.objects.filter(pk=grid.community_id).values_list("path", flat=True).first() or ""
    return any(community_path.startswith(p) for p in scope.node_paths)
