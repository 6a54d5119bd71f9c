"""Reads for the wish wall and the 四单 service orders, scoped to the user."""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from gongzhi.core.paths import ancestors_of
from gongzhi.people.models import DualReport, Organisation
from gongzhi.territory.models import Grid, Household, Level, Node
from gongzhi.territory.scoping import scope_for

from .models import ServiceOffering, ServiceOrder, Wish
from .models_wishes import WishStatus
from .permissions import org_ids, staff_paths


def community_paths(user) -> list[str]:
    """Communities (or wider areas) whose wish wall and services the user takes part in."""
    if not user.is_authenticated:
        return []
    scope = scope_for(user)
    if scope.everything:
        return [""]
    paths = set(scope.node_paths)
    grid_ids = scope.grid_ids + scope.micro_grid_ids
    paths |= set(Grid.objects.filter(pk__in=grid_ids).values_list("community__path", flat=True))
    paths |= set(Household.objects.filter(pk__in=scope.household_ids).values_list("node_path", flat=True))
    paths |= set(DualReport.objects.filter(member__resident__user=user, status=DualReport.Status.CONFIRMED)
                 .values_list("community__path", flat=True))
    orgs = Organisation.objects.filter(pk__in=org_ids(user))
    paths |= set(orgs.values_list("community__path", flat=True))
    paths |= set(Node.objects.filter(served_by_organisations__in=orgs).values_list("path", flat=True))
    # Widen anything below a community to its community.
    deep = [p for p in paths if p]
    comms = dict(Node.objects.filter(level=Level.COMMUNITY, path__in={a for p in deep for a in ancestors_of(p)})
                 .values_list("path", "depth"))
    out = set()
    for p in deep:
        hit = next((c for c in comms if p.startswith(c)), None)
        out.add(hit or p)
    return sorted(out)


def _under(paths: list[str], field: str = "node_path") -> Q:
    if paths == [""]:
        return Q()
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field}__under": p})
    return q


def wall(user, *, status: str = "open") -> QuerySet[Wish]:
    qs = Wish.objects.filter(_under(community_paths(user)) | Q(resident=user) | Q(claimed_by=user))
    if status in WishStatus.values:
        qs = qs.filter(status=status)
    return qs.select_related("community", "claimed_by", "claimed_org").order_by("-created_at", "-id")


def get_wish(user, pk: int) -> Wish:
    w = wall(user, status="").filter(pk=pk).first()
    if w is None:
        raise Http404
    return w


def offerings_for(user) -> QuerySet[ServiceOffering]:
    return (ServiceOffering.objects.filter(_under(community_paths(user), "community__path"), active=True)
            .select_related("organisation", "community").order_by("community__path", "title"))


def get_offering(user, pk: int) -> ServiceOffering:
    o = offerings_for(user).filter(pk=pk).first()
    if o is None:
        raise Http404
    return o


def visible_orders(user) -> QuerySet[ServiceOrder]:
    q = Q(resident=user)
    orgs = org_ids(user)
    if orgs:
        q |= Q(organisation_id__in=orgs)
    if user.is_superuser:
        q = Q()
    else:
        for p in staff_paths(user):
            q |= Q(node_path__under=p)
    return (ServiceOrder.objects.filter(q).select_related("offering__organisation", "organisation", "community",
                                                          "resident").order_by("-created_at", "-id"))


def get_order(user, pk: int) -> ServiceOrder:
    o = visible_orders(user).filter(pk=pk).first()
    if o is None:
        raise Http404
    return o


def dispatch_orgs(user) -> QuerySet[Organisation]:
    """Organisations a staff member may dispatch orders to (in their area)."""
    paths = staff_paths(user) if not user.is_superuser else [""]
    if not paths:
        return Organisation.objects.none()
    return Organisation.objects.filter(_under(paths, "community__path")).order_by("name")


def dispatch_orgs_for_order(user, order: ServiceOrder) -> QuerySet[Organisation]:
    """Organisations `user` may dispatch `order` to: those of the user's area (dispatch_orgs), those
    based in or serving an area that covers the order's place, and the offering's own organisation.
    Empty for anyone who is not staff for the order's place."""
    if not (user.is_superuser or any(order.node_path.startswith(p) for p in staff_paths(user))):
        return Organisation.objects.none()
    covering = ancestors_of(order.node_path)  # the place itself and every area above it
    q = Q(pk__in=dispatch_orgs(user).values("pk")) | Q(community__path__in=covering)
    q |= Q(pk__in=Organisation.serves.through.objects.filter(node__path__in=covering).values("organisation_id"))
    if order.offering_id:
        q |= Q(pk=order.offering.organisation_id)
    return Organisation.objects.filter(q)


def get_dispatch_org(user, order: ServiceOrder, pk: int) -> Organisation:
    org = dispatch_orgs_for_order(user, order).filter(pk=pk).first()
    if org is None:
        raise Http404(_("没有这个组织"))
    return org
