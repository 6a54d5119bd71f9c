"""can_<verb>_<entity>(user, obj) predicates for people, used by services, views and templates."""

from gongzhi.territory.models import Household, Node, Role, RoleAssignment
from gongzhi.territory.permissions import can_manage_node, can_view_full_id
from gongzhi.territory.scoping import scope_for

from .models import DualReport, Organisation, Resident

# Grid roles that collect and keep residents' data for their grid (网格员采集信息).
GRID_KEEPER_ROLES = {Role.GRID_HEAD, Role.GRID_WORKER}

__all__ = [
    "can_view_full_id", "can_edit_household_people", "can_edit_resident", "can_manage_party_members",
    "can_decide_dual_report", "can_manage_organisation", "can_import_ledger", "can_export_full",
]


def _is_grid_keeper(user, household: Household) -> bool:
    grid_id = household.micro_grid.parent_id
    return (
        RoleAssignment.objects.active()
        .filter(user=user, role__in=GRID_KEEPER_ROLES, grid_id__in=[grid_id, household.micro_grid_id])
        .exists()
    )


def can_edit_household_people(user, household: Household) -> bool:
    """Community/street staff, or the grid head/worker of the household's grid, may keep its residents."""
    if user is None or not user.is_authenticated:
        return False
    return can_manage_node(user, household.node) or _is_grid_keeper(user, household)


def can_edit_resident(user, resident: Resident) -> bool:
    return can_edit_household_people(user, resident.household)


def can_manage_party_members(user, household: Household) -> bool:
    """Party membership is kept by community/street staff (the community party committee)."""
    return can_manage_node(user, household.node)


def can_decide_dual_report(user, report: DualReport) -> bool:
    """The community where the member reports confirms or returns the 双报到."""
    return report.status == DualReport.Status.SUBMITTED and can_manage_node(user, report.community)


def can_submit_dual_report(user, member) -> bool:
    """The member themselves, or staff of the community where they live."""
    if user is None or not user.is_authenticated:
        return False
    return member.resident.user_id == user.pk or can_manage_node(user, member.resident.household.node)


def can_manage_organisation(user, organisation: Organisation | None = None, community: Node | None = None) -> bool:
    node = community if community is not None else organisation.community
    return can_manage_node(user, node)


def can_import_ledger(user, community: Node) -> bool:
    return can_manage_node(user, community)


def can_export_full(user) -> bool:
    """Only staff who may see full ID numbers may export them."""
    return can_view_full_id(user)


def is_staff_scope(user) -> bool:
    return scope_for(user).staff
