"""can_<verb>_<entity> predicates for the points accounts and the exchange."""

from gongzhi.territory.models import Node
from gongzhi.territory.permissions import can_manage_node


def can_manage_points(user, community: Node) -> bool:
    """Rules, items, the counter, manual awards and corrections: staff of the community or its street."""
    return can_manage_node(user, community)
