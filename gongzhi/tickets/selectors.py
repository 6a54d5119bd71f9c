"""Every ticket read a user can reach, scoped to that user. Hidden and missing look the same (404)."""

import functools

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from gongzhi.core.db import prepared_cursor
from gongzhi.core.paths import ancestors_of
from gongzhi.territory.models import Grid, Household, Level, Node
from gongzhi.territory.scoping import assignment_sql, remember_scope, scope_cached, scope_for
from gongzhi.territory.services import community_of

from .models import (
    OPEN_STATUSES,
    Attachment,
    FollowUp,
    Status,
    Supervision,
    Ticket,
    TicketEvent,
)
from .permissions import files_as_staff, org_ids, resident_households

# place_label reads household or node (or community): all three, or one query per row.
LIST_RELATED = ("category", "community", "handler", "household", "node")


def tickets_q(user) -> Q:
    """A Q on Ticket: reported by the user, handled by the user or their organisation, or in the
    territory/grids they hold a (non-resident) role on."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    scope = scope_for(user, responsibility_only=True)
    if scope.everything:
        return Q()
    q = Q(reporter=user) | Q(handler=user)
    orgs = org_ids(user)
    if orgs:
        q |= Q(handler_org_id__in=orgs)
    for p in scope.node_paths:
        q |= Q(node_path__under=p)
    if scope.grid_ids:
        q |= Q(grid_id__in=scope.grid_ids)
    if scope.micro_grid_ids:
        q |= Q(micro_grid_id__in=scope.micro_grid_ids)
    return q


def visible_tickets(user) -> QuerySet[Ticket]:
    return Ticket.objects.filter(tickets_q(user))


def get_ticket(user, pk: int) -> Ticket:
    t = (
        visible_tickets(user)
        .select_related("category", "community", "household", "node", "handler", "handler_org", "reporter",
                        "merged_into", "filed_by")
        .filter(pk=pk)
        .first()
    )
    if t is None:
        raise Http404
    return t


def ticket_events(ticket: Ticket) -> QuerySet[TicketEvent] | list[TicketEvent]:
    fresh = getattr(ticket, "intake_events", None)
    if fresh is not None and ticket.status == Status.SUBMITTED:  # just created by ticket_submit
        return fresh
    return ticket.events.select_related("actor").order_by("at", "id")


def ticket_attachments(ticket: Ticket) -> QuerySet[Attachment]:
    return ticket.attachments.order_by("id")


def ticket_follow_ups(ticket: Ticket) -> QuerySet[FollowUp]:
    return ticket.follow_ups.select_related("by").order_by("created_at")


def my_tickets(user) -> QuerySet[Ticket]:
    """What a resident reported (their own only), newest first."""
    return (Ticket.objects.filter(reporter=user).select_related(*LIST_RELATED)
            .prefetch_related(Prefetch("events", queryset=TicketEvent.objects.order_by("at", "id")))
            .order_by("-created_at", "-id"))


def handler_queue(user) -> QuerySet[Ticket]:
    """The handler's open tickets, nearest deadline first (partial index ticket_open_handler_due)."""
    q = Q(handler=user)
    orgs = org_ids(user)
    if orgs:
        q |= Q(handler_org_id__in=orgs)
    return (Ticket.objects.filter(q, status__in=OPEN_STATUSES).exclude(status=Status.SUBMITTED)
            .select_related(*LIST_RELATED).order_by("due_at", "id"))


def board(user, *, status: str = "", overdue: bool = False, now=None) -> QuerySet[Ticket]:
    """The staff dispatch board: open tickets in the user's area, nearest deadline first."""
    now = now or timezone.now()
    qs = visible_tickets(user).filter(status__in=OPEN_STATUSES)
    if status in OPEN_STATUSES:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(due_at__lt=now)
    return qs.select_related(*LIST_RELATED).order_by("due_at", "id")


def overdue_under(user, node_path: str, now=None) -> QuerySet[Ticket]:
    """Open tickets past their current deadline under a node (partial index ticket_open_place_due)."""
    now = now or timezone.now()
    return (visible_tickets(user).filter(node_path__under=node_path, status__in=OPEN_STATUSES, due_at__lt=now)
            .select_related(*LIST_RELATED).order_by("due_at", "id"))


def follow_up_list(user) -> QuerySet[Ticket]:
    return (visible_tickets(user).filter(status__in=[Status.RESOLVED, Status.FOLLOWED_UP])
            .select_related(*LIST_RELATED).order_by("resolved_at", "id"))


def supervision_list(user) -> QuerySet[Supervision]:
    return (Supervision.objects.filter(ticket__in=visible_tickets(user).values("pk"))
            .select_related("ticket__category", "ticket__community", "from_handler", "to_handler", "by")
            .order_by("-created_at", "-id"))


def handler_open_counts(user) -> dict:
    qs = handler_queue(user)
    return {"open": qs.count(), "overdue": qs.filter(due_at__lt=timezone.now()).count()}



PLACE_LEVELS = [Level.COMPOUND, Level.BUILDING]
PLACE_RESULTS = 20


def filing_communities(user) -> QuerySet[Node]:
    """Communities a staff member may file tickets in: those under or above their node roles, and
    those of their grids (the intake service checks the exact place)."""
    communities = Node.objects.filter(level=Level.COMMUNITY)
    if not user.is_superuser:
        scope = scope_for(user, responsibility_only=True)
        ids = scope.grid_ids + scope.micro_grid_ids
        grid_q = Q(pk__in=Grid.objects.filter(pk__in=ids).values("community_id")) if ids else Q(pk__in=[])
        communities = communities.filter(
            scope.nodes_q() | Q(path__in=[a for p in scope.node_paths for a in ancestors_of(p)]) | grid_q)
    return communities.order_by("path")


def places_q_for(user, *, staff_mode: bool | None = None) -> QuerySet[Node]:
    """Compounds and buildings the intake form may offer: in the staff member's communities, or in
    the resident's own. Unbounded: search it (place_search) or get one by pk, never list it."""
    places = Node.objects.filter(level__in=PLACE_LEVELS)
    if staff_mode is None:
        staff_mode = files_as_staff(user)
    if staff_mode:
        if user.is_superuser:
            return places
        return _under(places, filing_communities(user).values_list("path", flat=True))
    return _under(places, {community_of(h.node).path for h in resident_households(user)})


def _under(qs: QuerySet[Node], paths) -> QuerySet[Node]:
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(path__under=p)
    return qs.filter(q)


def place_search(user, text: str, *, limit: int = PLACE_RESULTS) -> list[Node]:
    """Up to `limit` places the user may file for whose name (or compound's name) contains `text`."""
    text = (text or "").strip()[:50]
    if not text:
        return []
    return list(places_q_for(user).filter(Q(name__icontains=text) | Q(parent__name__icontains=text))
                .select_related("parent").order_by("path")[:limit])


def place_label(node: Node) -> str:
    """A building alone ("3号楼") is ambiguous: prefix its compound."""
    if node.level == Level.BUILDING and node.parent_id:
        return f"{node.parent.name} {node.name}"
    return node.name


def filing_nodes(user) -> QuerySet[Node]:
    """Nodes a user may name as a ticket's place by id (API, duplicate hints): anything under their
    node roles, and the whole of the communities they work in (through a grid or a role below the
    community: the same communities the intake form offers) or live in. Any other id is not found,
    hidden or missing alike; the intake service checks the exact place."""
    if not user.is_authenticated:
        return Node.objects.none()
    if user.is_superuser:
        return Node.objects.all()
    scope = scope_for(user, responsibility_only=True)
    if scope.everything:
        return Node.objects.all()
    above = {a for p in scope.node_paths for a in ancestors_of(p)}
    above |= {a for h in resident_households(user) for a in ancestors_of(h.node_path)}
    comm_q = Q(level=Level.COMMUNITY, path__in=above)
    ids = scope.grid_ids + scope.micro_grid_ids
    if ids:
        comm_q |= Q(pk__in=Grid.objects.filter(pk__in=ids).values("community_id"))
    q = scope.nodes_q()
    for p in Node.objects.filter(comm_q).values_list("path", flat=True):
        q |= Q(path__under=p)
    return Node.objects.filter(q)


def filing_household(user, pk) -> Household | None:
    """The household `pk` if the user may name it when filing (in their scope, or their own home), else None.
    One primary-key read (with its micro-grid and community, which intake needs); the scope, loaded
    once per request, is checked in Python, and only a household outside it costs a read of the
    user's own homes. Intake runs this on every ticket: a scoped queryset cost ~2 ms of planning.
    When the user's scope is not loaded yet, it is read in the same statement as the household."""
    if not user.is_authenticated:
        return None
    household = _household_with_place(pk, scope_of=None if scope_cached(user) else user)
    if household is None:
        return None
    if scope_for(user, responsibility_only=True).covers_household(household):
        return household
    if household.pk in {h.pk for h in resident_households(user)}:
        return household
    return None


def _partial(model, **values):
    """A model row with only these fields loaded (the rest deferred, read on access like `.only()`)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[n] for n in names])


@functools.cache
def _household_sql(with_scope: bool) -> str:
    q = connection.ops.quote_name
    hh, grid, node = (q(m._meta.db_table) for m in (Household, Grid, Node))
    scope_cols, scope_join = "", ""
    if with_scope:  # one row per active assignment of the user (one with NULLs when none)
        scope_cols = ", s.*"
        scope_join = f" LEFT JOIN ({assignment_sql()}) s ON 1 = 1"
    return (f"SELECT h.id, h.node_id, h.node_path, h.micro_grid_id, g.parent_id, g.community_id, c.path, c.level"
            f"{scope_cols} FROM {hh} h JOIN {grid} g ON g.id = h.micro_grid_id "
            f"JOIN {node} c ON c.id = g.community_id{scope_join} WHERE h.id = %s")


def _household_with_place(pk, scope_of=None) -> Household | None:
    """The household with only what intake reads (node, path, micro-grid, the grid above it, the
    community and its path) loaded, the rest deferred; with `scope_of`, that user's scope is read
    in the same statement and remembered (territory.scoping.remember_scope). Hand-written: the same
    `select_related` cost ~0.6 ms of Python per ticket, this ~0.1 ms (tests/test_intake.py compares
    the two)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    params = [pk]
    if scope_of is not None:
        day = connection.ops.adapt_datefield_value(timezone.localdate())
        params = [scope_of.pk, day, day, pk]
    with prepared_cursor() as cur:
        cur.execute(_household_sql(scope_of is not None), params)
        rows = cur.fetchall()
    if not rows:
        return None
    if scope_of is not None:
        remember_scope(scope_of, [r[8:] for r in rows])
    hid, node_id, node_path, micro_id, parent_id, community_id, community_path, community_level = rows[0][:8]
    household = _partial(Household, id=hid, node_id=node_id, node_path=node_path, micro_grid_id=micro_id)
    micro = _partial(Grid, id=micro_id, parent_id=parent_id, community_id=community_id)
    micro.community = _partial(Node, id=community_id, path=community_path, level=community_level)
    household.micro_grid = micro
    return household
