"""can_<verb>_<entity>(user, obj) predicates, used by services and templates."""

from gongzhi.core.paths import ancestors_of

from .models import STAFF_ROLES, Node, RoleAssignment
from .scoping import scope_for


def can_manage_node(user, node: Node) -> bool:
    """Staff of the node's street or community (or a superuser) may change what lies under it."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return (
        RoleAssignment.objects.active()
        .filter(user=user, role__in=STAFF_ROLES, node__path__in=ancestors_of(node.path))
        .exists()
    )


def staff_paths(user) -> list[str] | None:
    """The paths of the areas the user is staff of (None: everything, for a superuser)."""
    if user.is_superuser:
        return None
    return list(RoleAssignment.objects.active().filter(user=user, role__in=STAFF_ROLES)
                .values_list("node__path", flat=True))


def can_view_full_id(user, node_path: str | None = None) -> bool:
    """Full identity numbers only for community/street staff (PIPL: minimum necessary) and, for a
    given place (the resident's household's node_path), only for staff of an area that contains it:
    a role in one community does not open the numbers of another."""
    if not scope_for(user).staff:
        return False
    if node_path is None:
        return True
    return can_manage_node(user, Node(path=node_path))



def can_import_divisions(user) -> bool:
    """The division tree belongs to the whole installation: only its administrator (a superuser)
    imports it; street and community staff add single places under their own area instead."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)
