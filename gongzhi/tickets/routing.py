"""Who answers for a ticket: candidates by level, lowest first ("小事不出楼栋、大事不出小区").

A household place uses territory's `answerable_for`; a unit/building/compound uses a household under
it (for its grid) and drops roles below the place; a free address uses the community and above.
Functional departments and partner organisations (kind DEPARTMENT) come last."""

from dataclasses import dataclass

from django.db.models import Q

from gongzhi.core.paths import ancestors_of
from gongzhi.people.models import Organisation, OrganisationMember
from gongzhi.territory.models import Household, Level, Role, RoleAssignment
from gongzhi.territory.selectors import answerable_for, answerable_for_many

from .models import LEVEL_RANK, HandlingLevel, Ticket

H = HandlingLevel
NODE_LEVEL = {Level.UNIT: H.UNIT, Level.BUILDING: H.BUILDING, Level.COMPOUND: H.COMPOUND,
              Level.COMMUNITY: H.COMMUNITY, Level.STREET: H.STREET}
# Role -> (handling level, preference inside the level; lower is asked first).
ROLE_LEVEL = {
    Role.UNIT_HEAD: (H.UNIT, 0),
    Role.BUILDING_HEAD: (H.BUILDING, 0),
    Role.MICRO_GRID_HEAD: (H.BUILDING, 1),
    Role.GRID_WORKER: (H.GRID, 0),
    Role.GRID_HEAD: (H.GRID, 1),
    Role.COMPOUND_HEAD: (H.COMPOUND, 0),
    Role.AREA_HEAD: (H.COMPOUND, 1),
    Role.COMMUNITY_STAFF: (H.COMMUNITY, 0),
    Role.COMMUNITY_SECRETARY: (H.COMMUNITY, 1),
    Role.STREET_STAFF: (H.STREET, 0),
}


@dataclass(frozen=True)
class Route:
    level: str
    user: object | None = None
    org: Organisation | None = None

    @property
    def label(self) -> str:
        who = self.org.name if self.org else (self.user.display_name if self.user else "")
        return f"{HandlingLevel(self.level).label} · {who}"


def place_level(ticket: Ticket) -> str:
    if ticket.household_id:
        return NODE_LEVEL.get(ticket.household.node.level, H.COMMUNITY)
    if ticket.node_id:
        return NODE_LEVEL.get(ticket.node.level, H.COMMUNITY)
    return H.COMMUNITY


def _role_level(ra: RoleAssignment) -> tuple[str, int] | None:
    lvl = ROLE_LEVEL.get(ra.role)
    if lvl is None:
        return None
    if ra.role == Role.AREA_HEAD and ra.node_id and ra.node.level == Level.COMMUNITY:
        return (H.COMMUNITY, 2)
    return lvl


def _assignments(ticket: Ticket) -> list[RoleAssignment]:
    hh = ticket.household
    if hh is None and ticket.node_id and ticket.node.level != Level.COMMUNITY:
        hh = Household.objects.filter(node_path__under=ticket.node_path).select_related("micro_grid").order_by(
            "node_path", "id").first()
    if hh is not None:
        return answerable_for(hh)
    return list(RoleAssignment.objects.active().filter(node__path__in=ancestors_of(ticket.node_path))
                .select_related("user", "node"))


def _key(ticket: Ticket) -> tuple:
    return (ticket.household_id, ticket.node_id, ticket.node_path, ticket.community_id)


def candidates(ticket: Ticket, memo: dict | None = None) -> list[Route]:
    """Every person or organisation that could handle the ticket, lowest level first. `memo` (a dict
    kept for one batch, e.g. one SLA sweep) shares the answer between tickets at the same place;
    `prime` fills it for a whole batch in a few queries."""
    key = _key(ticket)
    if memo is not None and key in memo:
        return memo[key]
    out = _candidates(ticket, _assignments(ticket), department_routes(ticket))
    if memo is not None:
        memo[key] = out
    return out


def prime(tickets, memo: dict) -> None:
    """Fill `memo` with the candidates of many tickets at once: the households' holders in three
    queries (territory's answerable_for_many) and the departments in two, whatever the batch's size.
    A ticket placed on a node without a household (rare) still costs its own queries."""
    todo = {_key(t): t for t in tickets if _key(t) not in memo}
    if not todo:
        return
    homes = answerable_for_many([t.household for t in todo.values() if t.household_id])
    depts = department_routes_many(todo.values())
    for key, t in todo.items():
        assignments = homes[t.household_id] if t.household_id else _assignments(t)
        memo[key] = _candidates(t, assignments, depts[(t.node_path, t.community_id)])


def _candidates(ticket: Ticket, assignments: list[RoleAssignment], departments: list[Route]) -> list[Route]:
    floor = LEVEL_RANK[place_level(ticket)]
    rows = []
    for ra in assignments:
        lvl = _role_level(ra)
        if lvl is None or LEVEL_RANK[lvl[0]] < floor or not ra.user.is_active:
            continue
        # A role on a node below the place (another unit's head) does not answer for it.
        if ra.node_id and not ticket.node_path.startswith(ra.node.path):
            continue
        rows.append((LEVEL_RANK[lvl[0]], lvl[1], ra.user_id, Route(lvl[0], ra.user)))
    rows.sort(key=lambda r: r[:3])
    out, seen = [], set()
    for *_k, route in rows:
        key = (route.level, route.user.pk)
        if key not in seen:
            seen.add(key)
            out.append(route)
    return out + departments


def department_routes(ticket: Ticket) -> list[Route]:
    return department_routes_many([ticket])[(ticket.node_path, ticket.community_id)]


def department_routes_many(tickets) -> dict[tuple, list[Route]]:
    """Functional departments answering for each (place path, community) of the tickets, nearest
    first: those placed on the place's community or street, and those that serve its community.
    Three queries for any number of tickets."""
    places = {(t.node_path, t.community_id) for t in tickets}
    paths = {p for path, _c in places for p in ancestors_of(path)}
    communities = {c for _p, c in places}
    orgs = list(Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT)
                .filter(Q(community__path__in=paths) | Q(serves__in=communities))
                .distinct().select_related("community").order_by("-community__depth", "name"))
    serves: dict[int, set] = {}
    first_member: dict[int, OrganisationMember] = {}
    if orgs:
        for org_id, node_id in (Organisation.serves.through.objects
                                .filter(organisation__in=[o.pk for o in orgs], node_id__in=communities)
                                .values_list("organisation_id", "node_id")):
            serves.setdefault(org_id, set()).add(node_id)
        for m in (OrganisationMember.objects.filter(organisation__in=[o.pk for o in orgs], user__is_active=True)
                  .select_related("user").order_by("organisation_id", "-is_admin", "id")):
            first_member.setdefault(m.organisation_id, m)  # one query for all the departments
    out = {}
    for path, community_id in places:
        above = set(ancestors_of(path))
        out[(path, community_id)] = [
            Route(H.DEPARTMENT, first_member[o.pk].user if o.pk in first_member else None, o) for o in orgs
            if o.community.path in above or community_id in serves.get(o.pk, ())]
    return out


def route_at_or_above(ticket: Ticket, level: str, *, prefer_user_id: int | None = None,
                      memo: dict | None = None) -> Route | None:
    """The lowest candidate at `level` or above; inside that level, `prefer_user_id` if present."""
    cands = [r for r in candidates(ticket, memo) if LEVEL_RANK[r.level] >= LEVEL_RANK[level]]
    if not cands:
        return None
    first_level = cands[0].level
    if prefer_user_id:
        for r in cands:
            if r.level == first_level and r.user is not None and r.user.pk == prefer_user_id:
                return r
    return cands[0]


def first_route(ticket: Ticket, memo: dict | None = None) -> Route | None:
    """Dispatch target: the category's default level, but never below the place itself."""
    level = max(ticket.category.default_level, place_level(ticket), key=lambda lv: LEVEL_RANK[lv])
    return route_at_or_above(ticket, level, memo=memo)


def route_above(ticket: Ticket, memo: dict | None = None) -> Route | None:
    """One level up from the current handler (escalation)."""
    current = ticket.handling_level or place_level(ticket)
    cands = [r for r in candidates(ticket, memo) if LEVEL_RANK[r.level] > LEVEL_RANK[current]]
    return cands[0] if cands else None
