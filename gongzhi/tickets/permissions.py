"""can_<verb>_<entity>(user, obj) predicates for tickets, wishes and service orders."""

from django.db.models import Q

from gongzhi.people.models import Organisation, OrganisationMember, PartyMember, Resident
from gongzhi.territory.models import STAFF_ROLES, Household, Role, RoleAssignment
from gongzhi.territory.scoping import scope_for

from .models import DONE_STATUSES, Status, Ticket


def _authed(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def staff_paths(user) -> list[str]:
    """Paths of the communities/streets the user works for (cached on the user object)."""
    cached = getattr(user, "_gz_ticket_staff_paths", None)
    if cached is None:
        cached = list(
            RoleAssignment.objects.active()
            .filter(user=user, role__in=STAFF_ROLES, node__isnull=False)
            .values_list("node__path", flat=True)
        )
        user._gz_ticket_staff_paths = cached
    return cached


def is_staff_for(user, node_path: str) -> bool:
    if not _authed(user):
        return False
    if user.is_superuser:
        return True
    return any(node_path.startswith(p) for p in staff_paths(user))


def is_any_staff(user) -> bool:
    return _authed(user) and (user.is_superuser or bool(staff_paths(user)))


def org_ids(user) -> list[int]:
    cached = getattr(user, "_gz_org_ids", None)
    if cached is None:
        cached = list(OrganisationMember.objects.filter(user=user).values_list("organisation_id", flat=True))
        user._gz_org_ids = cached
    return cached


def resident_households(user) -> list[Household]:
    """The households a user lives in: a resident role, or a current Resident row linked to the account."""
    if not _authed(user):
        return []
    q = Q(role_assignments__in=RoleAssignment.objects.active().filter(user=user, role=Role.RESIDENT))
    q |= Q(residents__in=Resident.objects.filter(user=user, moved_out_on__isnull=True))
    return list(Household.objects.filter(q).distinct().select_related("node", "micro_grid"))


def is_worker_for(user, ticket_or_path) -> bool:
    """Holds a non-resident role whose area covers the place (may file on a resident's behalf)."""
    if not _authed(user):
        return False
    scope = scope_for(user, responsibility_only=True)
    if isinstance(ticket_or_path, str):
        return scope.covers(ticket_or_path)
    t = ticket_or_path
    return scope.covers(t.node_path, t.grid_id, t.micro_grid_id, t.household_id)


def can_view_ticket(user, ticket: Ticket) -> bool:
    if not _authed(user):
        return False
    if ticket.reporter_id == user.pk or ticket.handler_id == user.pk:
        return True
    if ticket.handler_org_id and ticket.handler_org_id in org_ids(user):
        return True
    return is_worker_for(user, ticket)


def can_dispatch_ticket(user, ticket: Ticket) -> bool:
    return is_staff_for(user, ticket.node_path)


def can_handle_ticket(user, ticket: Ticket) -> bool:
    if not _authed(user):
        return False
    return ticket.handler_id == user.pk or bool(ticket.handler_org_id and ticket.handler_org_id in org_ids(user))


def can_follow_up_ticket(user, ticket: Ticket) -> bool:
    return ticket.status == Status.RESOLVED and is_staff_for(user, ticket.node_path)


def can_rate_ticket(user, ticket: Ticket) -> bool:
    return _authed(user) and ticket.status == Status.RESOLVED and ticket.reporter_id == user.pk


def can_close_ticket(user, ticket: Ticket) -> bool:
    return ticket.status == Status.FOLLOWED_UP and is_staff_for(user, ticket.node_path)


def can_supervise_ticket(user, ticket: Ticket) -> bool:
    return ticket.status not in DONE_STATUSES and is_staff_for(user, ticket.node_path)


def can_claim_wish(user) -> bool:
    """Party members, cadres (any non-resident role) and members of co-building units may claim."""
    if not _authed(user):
        return False
    if user.is_superuser or org_ids(user):
        return True
    if PartyMember.objects.filter(resident__user=user).exists():
        return True
    return RoleAssignment.objects.active().filter(user=user).exclude(role=Role.RESIDENT).exists()


def can_act_for_org(user, organisation: Organisation | None) -> bool:
    return organisation is not None and _authed(user) and organisation.pk in org_ids(user)


def can_see_reporter_phone(user, ticket: Ticket) -> bool:
    """The full number is for those who call the reporter back: staff of the ticket's community (who
    dispatch and follow up) and its handler. The reporter's own number is theirs to see."""
    if not _authed(user):
        return False
    return ticket.reporter_id == user.pk or is_staff_for(user, ticket.node_path) or can_handle_ticket(user, ticket)


def files_as_staff(user) -> bool:
    """Gets the staff intake form (channels, any place they answer for): anyone with a responsibility
    (a building or unit head who also lives there included), or a user with no home at all."""
    if not _authed(user):
        return False
    return user.is_superuser or not scope_for(user, responsibility_only=True).is_empty or not resident_households(user)


def can_view_work_calendar(user) -> bool:
    """The work calendar decides the deadlines staff work to: any street or community staff (and
    administrators) may read it."""
    return is_any_staff(user)


def can_edit_work_calendar(user) -> bool:
    """One calendar serves the whole installation, so it is kept like the installation-wide category
    catalogue (`services.setup.can_manage_catalogue(user, None)`): by administrators only."""
    return _authed(user) and user.is_superuser
