"""What a user may see, computed from their active role assignments.

Every selector that returns territory or people rows filters by a Scope. Hidden and missing look the
same: a row outside the scope is simply not found (404)."""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from .models import STAFF_ROLES, Role, RoleAssignment


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


def _assignment_rows(user_id: int, on) -> list[tuple]:
    """Per active assignment: role, node path, grid id, that grid's parent, party organisation id,
    its node's path, its grid id, that grid's parent, household id (what `_build` reads)."""
    return list(RoleAssignment.objects.active(on).filter(user_id=user_id).order_by().values_list(
        "role", "node__path", "grid_id", "grid__parent_id", "party_org_id", "party_org__node__path",
        "party_org__grid_id", "party_org__grid__parent_id", "household_id"))


def outermost(paths) -> list[str]:
    """Drop paths already inside another path of the list, so the OR of ranges stays short."""
    out: list[str] = []
    for p in sorted(set(paths)):
        if not any(p.startswith(o) for o in out):
            out.append(p)
    return out
