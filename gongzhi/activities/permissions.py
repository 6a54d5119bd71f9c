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


def organisation_places(organisation) -> list:
    """Where an organisation holds activities: the community (or street) it is based in and the places
    it serves."""
    return [organisation.community, *organisation.serves.all()]


def in_organisation_area(organisation, node, *, community: bool = False) -> bool:
    """The node lies at or below one of the organisation's places; a community also counts when it holds
    one of them (an organisation serving a compound runs activities in that compound's community)."""
    return any(node.path.startswith(p.path) or (community and p.path.startswith(node.path))
               for p in organisation_places(organisation))
