"""can_<verb>_<entity> predicates for activities."""

from gongzhi.people.models import OrganisationMember
from gongzhi.territory.permissions import can_manage_node


def can_create_activity(user, community, organiser=None) -> bool:
    """Community/street staff; or the head (负责人) of the organising organisation, team or service team."""
    if user is None or not user.is_authenticated:
        return False
    if can_manage_node(user, community):
        return True
    return organiser is not None and OrganisationMember.objects.filter(
        organisation=organiser, user=user, is_admin=True).exists()


def can_run_activity(user, activity) -> bool:
    """The activity's organiser: who created it, the organising organisation's heads, community staff."""
    if user is None or not user.is_authenticated:
        return False
    return activity.created_by_id == user.pk or can_create_activity(user, activity.community, activity.organiser)


def is_team_member(user, activity) -> bool:
    return activity.organiser_id is not None and OrganisationMember.objects.filter(
        organisation_id=activity.organiser_id, user=user).exists()
