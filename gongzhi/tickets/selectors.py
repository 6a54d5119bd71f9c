"""Every ticket read a user can reach, scoped to that user. Hidden and missing look the same (404)."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from gongzhi.core.paths import ancestors_of
from gongzhi.territory.models import Grid, Household, Level, Node
from gongzhi.territory.scoping import scope_for
from gongzhi.territory.services import community_of

from .models import (
    OPEN_STATUSES,
    Attachment,
    FollowUp,
    Status,
    Supervision,
    Ticket,
    TicketEvent,
    WorkCalendarDay,
)
from .permissions import can_view_work_calendar, files_as_staff, is_worker_for, org_ids, resident_households

# place_label reads household or node (or community): all three, or one query per row.
LIST_RELATED = ("category", "community", "handler", "handler_org", "household", "node")


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


# Notes written for the people handling a ticket (dispatch instructions, supervision, internal
# remarks); the resident sees that the step happened, not the note.
INTERNAL_NOTE_ACTIONS = {"dispatch", "redispatch", "escalate", "note"}


def ticket_timeline(user, ticket: Ticket) -> list[TicketEvent]:
    """The ticket's history as this viewer may read it: everything for those who work on it, the
    internal notes left out for the resident who filed it."""
    events = list(ticket_events(ticket))
    if not any(e.note and e.action in INTERNAL_NOTE_ACTIONS for e in events):
        return events  # nothing to hold back (a ticket just filed): no need to read the viewer's scope
    if is_worker_for(user, ticket) or ticket.handler_id == user.pk or (
            ticket.handler_org_id and ticket.handler_org_id in org_ids(user)):
        return events
    for e in events:
        if e.action in INTERNAL_NOTE_ACTIONS:
            e.note = ""
    return events


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


def measures_node(user, node_id: int) -> Node:
    """A node whose ticket figures the user may read (page, API and Excel alike): one they can see
    and work in (a non-resident role covering it). Anything else is not found."""
    from gongzhi.territory.selectors import get_node

    from .permissions import is_worker_for

    node = get_node(user, node_id)
    if not is_worker_for(user, node.path):
        raise Http404
    return node


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
    """The household `pk` (with its micro-grid and community, which intake reads) if the user may
    name it when filing: in their scope, or their own home. Otherwise None (hidden or missing)."""
    if not user.is_authenticated:
        return None
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    try:
        household = Household.objects.select_related("micro_grid__community").get(pk=pk)
    except Household.DoesNotExist:
        return None
    if scope_for(user, responsibility_only=True).covers_household(household):
        return household
    if household.pk in {h.pk for h in resident_households(user)}:
        return household
    return None


# --- Open311 (the public GeoReport feed and keyed clients) ---------------------------------------

OPEN311_RELATED = ("category", "community", "node", "household")


def open311_requests() -> QuerySet[Ticket]:
    """Every ticket as the Open311 feed lists it: what the public may see is decided row by row by
    open311_full (a key for the ticket's community) and by the feed's window."""
    return Ticket.objects.select_related(*OPEN311_RELATED)


def open311_keyed_ids(qs: QuerySet[Ticket], community_path: str | None) -> set[int]:
    """The ids among qs that a key for this community sees in full (path__under, one query)."""
    if not community_path:
        return set()
    return set(qs.filter(node_path__under=community_path).values_list("pk", flat=True))


def open311_rejection_notes(ids) -> dict[int, str]:
    """The last rejection note per ticket, for all rows at once (one query, not one per row)."""
    notes: dict[int, str] = {}
    rows = (TicketEvent.objects.filter(ticket_id__in=list(ids), to_status=Status.REJECTED)
            .order_by("ticket_id", "at", "id").values_list("ticket_id", "note"))
    for tid, note in rows:
        notes[tid] = note or ""
    return notes


def open311_node_in(community_path: str, pk: int) -> Node | None:
    return Node.objects.filter(pk=pk, path__under=community_path).first()


# --- the figures of the home pages' to-do tiles and the tab bar's badge -------------------------------

def handler_todo(user, now=None) -> dict:
    """A handler's (grid worker's, 三长's, an organisation's) open work in one query: to accept, overdue, all."""
    now = now or timezone.now()
    return handler_queue(user).order_by().aggregate(
        to_accept=Count("pk", filter=Q(status__in=[Status.DISPATCHED, Status.REOPENED])),
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        open=Count("pk"),
    )


def staff_todo(user, now=None) -> dict:
    """What waits at the dispatch desk of the user's area, in one query: to dispatch, overdue, open."""
    now = now or timezone.now()
    return visible_tickets(user).filter(status__in=OPEN_STATUSES).order_by().aggregate(
        to_dispatch=Count("pk", filter=Q(status=Status.SUBMITTED)),
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        open=Count("pk"),
    )


def follow_ups_due(user) -> int:
    return visible_tickets(user).filter(status=Status.RESOLVED).count()


def my_open_tickets(user, limit: int = 5) -> list[Ticket]:
    """A resident's latest demands still moving or waiting for their rating."""
    return list(Ticket.objects.filter(reporter=user).exclude(status__in=[Status.CLOSED, Status.MERGED, Status.REJECTED])
                .select_related("category").order_by("-created_at", "-id")[:limit])


def to_rate_count(user) -> int:
    """The resident's resolved demands that still wait for their rating."""
    return Ticket.objects.filter(reporter=user, status=Status.RESOLVED, rating="").count()


# --- The work calendar (工作日历): one for the installation, read by any staff --------------------------

def work_calendar_years(user) -> list[int]:
    """The years the calendar has rows for, newest first (one query). Anyone but staff: 404."""
    if not can_view_work_calendar(user):
        raise Http404
    return sorted((d.year for d in WorkCalendarDay.objects.dates("date", "year")), reverse=True)


def work_calendar_days(user, year: int) -> list[WorkCalendarDay]:
    """One year's exception days in date order (at most 366 rows: one query, no pagination)."""
    if not can_view_work_calendar(user):
        raise Http404
    return list(WorkCalendarDay.objects.filter(date__year=year).order_by("date"))


def work_calendar_day(user, pk: int) -> WorkCalendarDay | None:
    """One row of the calendar, or None when it is gone (deleted meanwhile). Anyone but staff: 404."""
    if not can_view_work_calendar(user):
        raise Http404
    return WorkCalendarDay.objects.filter(pk=pk).first()
