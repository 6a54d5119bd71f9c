"""Who may record and read a household's visits: the people answerable for it (its grid's workers,
its micro-grid head, the 三长 of its building, unit or compound, the party member who serves it) and
those above them (community and street staff). A resident is not answerable for their own home."""

from django.db.models import Q

from gongzhi.people.models import MemberHousehold
from gongzhi.territory.models import Household
from gongzhi.territory.permissions import can_manage_node
from gongzhi.territory.scoping import scope_for


def served_household_ids(user) -> list[int]:
    """党员联系户: the households this user serves as a party member (cached on the user)."""
    cached = getattr(user, "_gz_served_households", None)
    if cached is None:
        cached = list(MemberHousehold.objects.filter(member__resident__user=user, member__resident__moved_out_on=None)
                      .values_list("household_id", flat=True))
        user._gz_served_households = cached
    return cached


def place_q(user, prefix: str = "") -> Q:
    """A Q on a row that carries a household's place (visits.models.Placed: node_path, grid,
    micro_grid, household) — the same rule as `Scope.households_q`, read from the copied columns."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    scope = scope_for(user, responsibility_only=True)
    if scope.everything:
        return Q()
    q = Q(pk__in=[])
    for p in scope.node_paths:
        q |= Q(**{f"{prefix}node_path__under": p})
    if scope.grid_ids:
        q |= Q(**{f"{prefix}grid_id__in": scope.grid_ids})
    if scope.micro_grid_ids:
        q |= Q(**{f"{prefix}micro_grid_id__in": scope.micro_grid_ids})
    households = scope.household_ids + served_household_ids(user)
    if households:
        q |= Q(**{f"{prefix}household_id__in": households})
    return q


def can_visit_household(user, household: Household) -> bool:
    """May record (and read) this household's visits."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return (scope_for(user, responsibility_only=True).covers_household(household)
            or household.pk in served_household_ids(user))


def can_manage_care(user, community) -> bool:
    """Care rules and campaigns are the community's: its staff and the street above."""
    return can_manage_node(user, community)


def household_editor(user):
    """`people.permissions.can_edit_household_people` for many households in two queries: a
    predicate over a household loaded with its micro-grid. For showing buttons on a list; the
    services check again with the people rule itself."""
    from gongzhi.people.permissions import GRID_KEEPER_ROLES
    from gongzhi.territory.models import STAFF_ROLES, RoleAssignment

    if user is None or not user.is_authenticated:
        return lambda household: False
    if user.is_superuser:
        return lambda household: True
    active = RoleAssignment.objects.active().filter(user=user)
    paths = list(active.filter(role__in=STAFF_ROLES, node__isnull=False).values_list("node__path", flat=True))
    grids = set(active.filter(role__in=GRID_KEEPER_ROLES, grid__isnull=False).values_list("grid_id", flat=True))
    return lambda h: (any(h.node_path.startswith(p) for p in paths)
                      or h.micro_grid_id in grids or h.micro_grid.parent_id in grids)
