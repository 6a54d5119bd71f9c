"""Reads for the set-up pages: the places and grids of one community inside the viewer's staff area
(selectors_roles.staff_area: the same rule the services' `can_manage_node` applies). Outside = 404."""

from collections import Counter

from django.db.models import Count, Q
from django.http import Http404

from gongzhi.core.natsort import natural_key

from .models import ADMIN_LEVELS, Grid, Household, Level, Node
from .selectors_roles import Area

PLACE_LEVELS = (Level.COMPOUND, Level.BUILDING, Level.UNIT)
PLACE_CHOICES_LIMIT = 2000


def area_node(area: Area, pk: int, *, levels=None) -> Node:
    qs = Node.objects.filter(area.under("path"), pk=pk).select_related("parent")
    if levels:
        qs = qs.filter(level__in=levels)
    node = qs.first()
    if node is None:
        raise Http404
    return node


def area_community(area: Area, pk: int) -> Node:
    return area_node(area, pk, levels=[Level.COMMUNITY])


def area_communities(area: Area):
    return Node.objects.filter(area.under("path"), level=Level.COMMUNITY).select_related("parent").order_by("path")


def area_grid(area: Area, pk: int) -> Grid:
    grid = Grid.objects.filter(area.under("community__path"), pk=pk).select_related("community", "parent").first()
    if grid is None:
        raise Http404
    return grid


def community_places(community: Node) -> list[Node]:
    """Every compound, building and unit of the community in tree order, each with `n_households`
    (its whole subtree) and `indent`: two queries whatever the size."""
    nodes = list(Node.objects.filter(path__gt=community.path, path__lt=community.path + "~").order_by("path"))
    per_path = Counter(dict(Household.objects.filter(node_path__gt=community.path, node_path__lt=community.path + "~")
                            .values("node_path").annotate(n=Count("id")).values_list("node_path", "n")))
    for n in nodes:
        n.indent = n.depth - community.depth - 1
        n.n_households = sum(c for p, c in per_path.items() if p.startswith(n.path)) if per_path else 0
    return _natural_tree(nodes)


def _natural_tree(nodes: list[Node]) -> list[Node]:
    """Tree order with siblings in natural name order (2栋 before 10栋)."""
    children: dict[int | None, list[Node]] = {}
    ids = {n.pk for n in nodes}
    for n in nodes:
        children.setdefault(n.parent_id if n.parent_id in ids else None, []).append(n)
    out: list[Node] = []

    def walk(pid):
        for c in sorted(children.get(pid, []), key=lambda x: natural_key(x.name)):
            out.append(c)
            walk(c.pk)
    walk(None)
    return out


def place_label(node: Node, community: Node, names: dict[int, str]) -> str:
    parts, cur = [], node
    while cur is not None and cur.pk != community.pk:
        parts.append(cur.name)
        cur = names.get(cur.parent_id)
    return " · ".join(reversed(parts))


def place_choices(community: Node, *, levels=PLACE_LEVELS, include_community: bool = False) -> list[tuple[Node, str]]:
    nodes = community_places(community)[:PLACE_CHOICES_LIMIT]
    by_id = {n.pk: n for n in nodes}
    out = [(community, community.name)] if include_community else []
    for n in nodes:
        if n.level in levels:
            out.append((n, place_label(n, community, by_id)))
    return out


def community_grids(community: Node):
    return (Grid.objects.filter(community=community)
            .annotate(n_micro=Count("micro_grids", distinct=True),
                      n_households=Count("households", distinct=True)
                      + Count("micro_grids__households", distinct=True))
            .prefetch_related("tags").order_by("code"))


def micro_grids_of(community: Node):
    return Grid.objects.filter(community=community, kind=Grid.Kind.MICRO).order_by("code")


def grids_only(community: Node):
    return Grid.objects.filter(community=community, kind=Grid.Kind.GRID).order_by("code")


def community_in_area_q(area: Area) -> Q:
    return area.under("community__path")


def division_counts() -> list[tuple[Level, int]]:
    """How many nodes each administrative level holds, province to community: one grouped query
    over the (level, name) index."""
    counts = dict(Node.objects.filter(level__in=ADMIN_LEVELS).order_by().values("level")
                  .annotate(n=Count("id")).values_list("level", "n"))
    return [(Level(level), counts.get(level, 0)) for level in ADMIN_LEVELS]
