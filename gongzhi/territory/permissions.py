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


def can_view_full_id(user) -> bool:
    """Full identity numbers only for community/street staff (PIPL: minimum necessary)."""
    return scope_for(user).staff

