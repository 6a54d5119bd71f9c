"""Who hears about what. Everything goes through accounts.notify (in-app inbox; other senders later)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.accounts.notify import notify
from gongzhi.people.models import OrganisationMember
from gongzhi.territory.models import STAFF_ROLES, RoleAssignment

from .models import Ticket


def url(ticket: Ticket) -> str:
    return reverse("tickets:detail", args=[ticket.pk])


def handler_users(ticket: Ticket) -> list:
    users = [ticket.handler] if ticket.handler_id else []
    if ticket.handler_org_id:
        users += [m.user for m in OrganisationMember.objects.filter(organisation_id=ticket.handler_org_id)
                  .select_related("user")]
    return users


def dispatchers(community_ids) -> dict[int, list]:
    """Community staff (who dispatch) of each of these communities, in one query."""
    out: dict[int, list] = {}
    for ra in (RoleAssignment.objects.active().filter(node_id__in=list(community_ids), role__in=STAFF_ROLES)
               .select_related("user")):
        out.setdefault(ra.node_id, []).append(ra.user)
    return out


def reporters(ticket: Ticket) -> list:
    """The reporter and the reporters of every ticket merged into this one (they follow it)."""
    users = [ticket.reporter] if ticket.reporter_id else []
    users += [t.reporter for t in ticket.merged_tickets.select_related("reporter") if t.reporter_id]
    return users


def tell(users, ticket: Ticket, title: str, body: str = "", kind: str = "ticket") -> int:
    return notify(users, title=f"{title}：#{ticket.pk} {ticket.title}", body=body, url=url(ticket), kind=kind)


def assigned(ticket: Ticket, note: str = "") -> None:
    tell(handler_users(ticket), ticket, _("您有新的诉求工单"), note)


def escalated(ticket: Ticket, old_users: list, note: str) -> None:
    tell(handler_users(ticket), ticket, _("督办升级的工单已转给您"), note, kind="supervision")
    tell(old_users, ticket, _("您承办的工单已超时，已督办升级"), note, kind="supervision")


def progress(ticket: Ticket, title: str, body: str = "") -> None:
    tell(reporters(ticket), ticket, title, body)
