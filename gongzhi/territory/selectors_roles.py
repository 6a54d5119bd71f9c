"""Reads for the role-holder pages: who holds which role inside the area a staff member manages.

The area is where the viewer holds a staff role (the same rule `can_manage_node` applies to writes),
so a row the pages offer is a row `role_assign`/`role_end` will accept. Outside it is not found."""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from gongzhi.territory.selectors import HOUSEHOLD_ORDER

from .models import ROLE_TARGETS, STAFF_ROLES, Grid, Household, Node, PartyOrg, Role, RoleAssignment
from .scoping import outermost, scope_for

TARGET_MODELS = {"node": Node, "grid": Grid, "party_org": PartyOrg, "household": Household}
TARGET_CHOICES_LIMIT = 200


@dataclass
class Area:
    everything: bool = False
    paths: list[str] = field(default_factory=list)
    node: Node | None = None  # set when the area was narrowed to one node's subtree

    def under(self, lookup: str) -> Q:
        """A Q true when the path at `lookup` lies in the area."""
        if self.everything:
            return Q()
        q = Q(pk__in=[])
        for p in self.paths:
            q |= Q(**{f"{lookup}__under": p})
        return q

    def targets_q(self, field_name: str, prefix: str = "") -> Q:
        """A Q on a target model (or, with prefix like 'grid__', on a model that points to one)."""
        if field_name == "node":
            return self.under(f"{prefix}path")
        if field_name == "grid":
            return self.under(f"{prefix}community__path")
        if field_name == "household":
            return self.under(f"{prefix}node_path")
        # A party organisation sits on a node, a grid or a household (services._target_node).
        return (self.under(f"{prefix}node__path") | self.under(f"{prefix}grid__community__path")
                | self.under(f"{prefix}household__node_path"))

    def assignments_q(self) -> Q:
        q = Q(pk__in=[])
        for name in TARGET_MODELS:
            q |= self.targets_q(name, prefix=f"{name}__")
        return Q() if self.everything else q


def staff_area(user) -> Area:
    """The places the user manages as community or street staff; anyone else: 404."""
    scope = scope_for(user)
    if scope.everything:
        return Area(everything=True)
    if not scope.staff:
        raise Http404
    paths = outermost(RoleAssignment.objects.active()
                      .filter(user=user, role__in=STAFF_ROLES, node__isnull=False)
                      .values_list("node__path", flat=True))
    if not paths:
        raise Http404
    return Area(paths=paths)


def area_node(area: Area, pk: int) -> Area:
    """The part of the area under one of its nodes (the community page's link narrows the list)."""
    node = Node.objects.filter(area.under("path"), pk=pk).only("path", "name").first()
    if node is None:
        raise Http404
    return Area(paths=[node.path], node=node)


def role_holders(area: Area, *, role: str = "", q: str = "") -> QuerySet[RoleAssignment]:
    """Current holders of every role inside the area, one row per assignment."""
    qs = (
        RoleAssignment.objects.active()
        .filter(area.assignments_q())
        .select_related("user", "node", "grid", "party_org", "household")
        .order_by("role", "user__name", "pk")
    )
    if role:
        qs = qs.filter(role=role)
    if q:
        match = Q(user__name__icontains=q) | Q(user__username__icontains=q)
        if q.isdigit() and len(q) == 11:
            # Phones are sealed at rest: only a whole number is found (through its blind index).
            match |= Q(user__phone=q)
        qs = qs.filter(match)
    return qs


def get_open_assignment(area: Area, pk: int) -> RoleAssignment:
    """An assignment inside the area whose term has not ended before today."""
    today = timezone.localdate()
    ra = (
        RoleAssignment.objects.filter(area.assignments_q(), Q(end_date__isnull=True) | Q(end_date__gte=today), pk=pk)
        .select_related("user", "node", "grid", "party_org", "household")
        .first()
    )
    if ra is None:
        raise Http404
    return ra


def role_target_choices(area: Area, role: str, q: str = "") -> tuple[list[tuple[str, str]], bool]:
    """("<field>:<pk>", label) for the targets the role may be held on inside the area, at most
    TARGET_CHOICES_LIMIT of them; the flag says more matched (the form asks to narrow the search)."""
    field_name, allowed = ROLE_TARGETS[Role(role)]
    qs = TARGET_MODELS[field_name].objects.filter(area.targets_q(field_name))
    if field_name == "node":
        qs = qs.filter(level__in=allowed).select_related("parent__parent").order_by("path")
        if q:
            qs = qs.filter(name__icontains=q)
        label = _node_label
    elif field_name == "grid":
        qs = qs.filter(kind__in=allowed).select_related("community", "parent").order_by("community__path", "code")
        if q:
            qs = qs.filter(name__icontains=q)
        label = _grid_label
    elif field_name == "party_org":
        qs = qs.filter(kind__in=allowed).order_by("pk")
        if q:
            qs = qs.filter(name__icontains=q)
        label = str
    else:
        qs = qs.order_by(*HOUSEHOLD_ORDER)
        if q:
            qs = qs.filter(address__icontains=q)
        label = str
    rows = list(qs[:TARGET_CHOICES_LIMIT + 1])
    return [(f"{field_name}:{t.pk}", label(t)) for t in rows[:TARGET_CHOICES_LIMIT]], len(rows) > TARGET_CHOICES_LIMIT


def get_role_target(area: Area, value: str):
    """The target named by "<field>:<pk>" if it exists inside the area, else None (hidden = missing)."""
    field_name, _sep, pk = (value or "").partition(":")
    model = TARGET_MODELS.get(field_name)
    if model is None or not pk.isdigit():
        return None
    return model.objects.filter(area.targets_q(field_name), pk=int(pk)).first()


def _node_label(node: Node) -> str:
    above = [n.name for n in (node.parent.parent if node.parent else None, node.parent) if n is not None]
    return " · ".join([*above[-2:], node.name])


def _grid_label(grid: Grid) -> str:
    return " · ".join(n for n in (grid.community.name, grid.parent.name if grid.parent else "", grid.name) if n)
