"""What a user may see, computed from their active role assignments.

Every selector that returns territory or people rows filters by a Scope. Hidden and missing look the
same: a row outside the scope is simply not found (404)."""

import functools
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from gongzhi.core.db import prepared_cursor
from gongzhi.core.paths import UPPER

from .models import STAFF_ROLES, Grid, Node, PartyOrg, Role, RoleAssignment


@dataclass
class Scope:
    everything: bool = False
    node_paths: list[str] = field(default_factory=list)
    grid_ids: list[int] = field(default_factory=list)
    micro_grid_ids: list[int] = field(default_factory=list)
    household_ids: list[int] = field(default_factory=list)
    staff: bool = False  # works for a community or street: may see full identity numbers

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.node_paths or self.grid_ids or self.micro_grid_ids or self.household_ids)

    def households_q(self, prefix: str = "") -> Q:
        """A Q on Household (or, with prefix like 'household__', on a model that points to one)."""
        if self.everything:
            return Q()
        q = Q(pk__in=[])
        for p in self.node_paths:
            q |= Q(**{f"{prefix}node_path__under": p})
        if self.grid_ids:
            q |= Q(**{f"{prefix}micro_grid__parent_id__in": self.grid_ids})
        if self.micro_grid_ids:
            q |= Q(**{f"{prefix}micro_grid_id__in": self.micro_grid_ids})
        if self.household_ids:
            q |= Q(**{f"{prefix}id__in": self.household_ids})
        return q

    def covers(self, node_path: str, grid_id=None, micro_grid_id=None, household_id=None) -> bool:
        """`households_q()` for one place already known (a household, or a ticket's place), without a
        query: under one of the node paths, in one of the grids or micro-grids, or the household."""
        if self.everything:
            return True
        return (any(node_path.startswith(p) for p in self.node_paths)
                or (grid_id is not None and grid_id in self.grid_ids)
                or (micro_grid_id is not None and micro_grid_id in self.micro_grid_ids)
                or (household_id is not None and household_id in self.household_ids))

    def covers_household(self, household) -> bool:
        """`covers` for a loaded household (its micro-grid with it)."""
        return self.covers(household.node_path, household.micro_grid.parent_id, household.micro_grid_id, household.pk)

    def nodes_q(self, prefix: str = "") -> Q:
        """A Q on Node: the subtrees the user holds a node role on."""
        if self.everything:
            return Q()
        q = Q(pk__in=[])
        for p in self.node_paths:
            q |= Q(**{f"{prefix}path__under": p})
        return q

    def grids_q(self) -> Q:
        if self.everything:
            return Q()
        q = Q(pk__in=[])
        for p in self.node_paths:
            q |= Q(community__path__under=p)
        ids = self.grid_ids + self.micro_grid_ids
        if ids:
            q |= Q(pk__in=ids)
        if self.grid_ids:
            q |= Q(parent_id__in=self.grid_ids)
        return q


def scope_for(user, *, responsibility_only: bool = False) -> Scope:
    """The user's scope. With responsibility_only, a resident's own household is left out: that is
    what the person answers for, not what they may see."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    cache_key = "_gz_scope_resp" if responsibility_only else "_gz_scope"
    cached = getattr(user, cache_key, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(everything=True, staff=True)
    else:
        scope = _build(_assignment_rows(user.pk, timezone.localdate()), responsibility_only)
    setattr(user, cache_key, scope)
    return scope


def remember_scope(user, rows: list[tuple]) -> None:
    """Seed the user's scope (both variants) from assignment rows the caller read together with
    something else (`assignment_sql()` as a subquery), so that `scope_for` costs no query."""
    if user.is_authenticated and user.is_active and not user.is_superuser:
        user._gz_scope = _build(rows, False)
        user._gz_scope_resp = _build(rows, True)


def scope_cached(user) -> bool:
    return user.is_superuser or getattr(user, "_gz_scope_resp", None) is not None


def _build(rows, responsibility_only: bool) -> Scope:
    scope = Scope()
    for role, node_path, grid_id, grid_parent, org_id, org_path, org_grid, org_grid_parent, household_id in rows:
        if role is None:  # the empty side of an outer join: no assignment
            continue
        if role in STAFF_ROLES:
            scope.staff = True
        if node_path is not None:
            scope.node_paths.append(node_path)
        elif grid_id:
            (scope.grid_ids if grid_parent is None else scope.micro_grid_ids).append(grid_id)
        elif org_id:
            if org_path is not None:
                scope.node_paths.append(org_path)
            elif org_grid:
                (scope.grid_ids if org_grid_parent is None else scope.micro_grid_ids).append(org_grid)
        elif household_id and (role != Role.RESIDENT or not responsibility_only):
            scope.household_ids.append(household_id)
    scope.node_paths = outermost(scope.node_paths)
    return scope


def covers_household_sql() -> str:
    """`Scope.covers_household` (responsibility only) as SQL, for a statement that reads the
    household as `h` (columns id, node_path, micro_grid_id) with its micro-grid as `g` (parent_id):
    true when one of the user's active assignments (`assignment_sql()`, parameters user id, day,
    day) covers it. The third form of one rule (with `households_q` and `covers_household`);
    tests/test_scoping.py checks all three agree."""
    return (
        f"EXISTS (SELECT 1 FROM ({assignment_sql()}) s WHERE "
        # a node, or a party organisation placed on a node: the household is under its path
        "(COALESCE(s.node_path, s.org_path) IS NOT NULL AND h.node_path >= COALESCE(s.node_path, s.org_path) "
        f"AND h.node_path < COALESCE(s.node_path, s.org_path) || '{UPPER}') "
        # a grid (the micro-grid's parent) or a micro-grid, directly or through a party organisation
        "OR (s.grid_id IS NOT NULL AND ((s.grid_parent IS NULL AND s.grid_id = g.parent_id) "
        "OR (s.grid_parent IS NOT NULL AND s.grid_id = h.micro_grid_id))) "
        "OR (s.org_grid IS NOT NULL AND s.org_path IS NULL AND ((s.org_grid_parent IS NULL AND s.org_grid = g.parent_id) "
        "OR (s.org_grid_parent IS NOT NULL AND s.org_grid = h.micro_grid_id))) "
        f"OR (s.household_id = h.id AND s.role <> '{Role.RESIDENT.value}'))"
    )


@functools.cache
def assignment_sql() -> str:
    """The active assignments of one user (parameters: user id, day, day) as the nine columns
    `_build` reads. Usable as a subquery."""
    q = connection.ops.quote_name
    ra, node, grid, org = (q(m._meta.db_table) for m in (RoleAssignment, Node, Grid, PartyOrg))
    return (
        f"SELECT ra.role AS role, (SELECT path FROM {node} WHERE id = ra.node_id) AS node_path, "
        f"ra.grid_id AS grid_id, (SELECT parent_id FROM {grid} WHERE id = ra.grid_id) AS grid_parent, "
        f"ra.party_org_id AS org_id, "
        f"(SELECT n.path FROM {org} o JOIN {node} n ON n.id = o.node_id WHERE o.id = ra.party_org_id) AS org_path, "
        f"(SELECT o.grid_id FROM {org} o WHERE o.id = ra.party_org_id) AS org_grid, "
        f"(SELECT g.parent_id FROM {org} o JOIN {grid} g ON g.id = o.grid_id WHERE o.id = ra.party_org_id) "
        f"AS org_grid_parent, ra.household_id AS household_id FROM {ra} ra "
        f"WHERE ra.user_id = %s AND ra.start_date <= %s AND (ra.end_date IS NULL OR ra.end_date >= %s)"
    )


def _assignment_rows(user_id: int, on) -> list[tuple]:
    """Per active assignment (the same rule as `RoleAssignment.objects.active()`): role, node path,
    grid id, that grid's parent, party organisation id, its node's path, its grid id, that grid's
    parent, household id. Hand-written because it runs on every scoped request: the ORM's five-join
    version cost ~1.2 ms of Python per call and PostgreSQL ~0.3 ms of planning; these scalar
    subqueries plan in half that. tests/test_scoping.py checks it against the ORM."""
    with prepared_cursor() as cur:
        day = connection.ops.adapt_datefield_value(on)
        cur.execute(assignment_sql(), [user_id, day, day])
        return cur.fetchall()


def outermost(paths) -> list[str]:
    """Drop paths already inside another path of the list, so the OR of ranges stays short."""
    out: list[str] = []
    for p in sorted(set(paths)):
        if not any(p.startswith(o) for o in out):
            out.append(p)
    return out
