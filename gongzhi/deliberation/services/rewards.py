"""微积分 points for taking part in deliberation, granted by the events themselves (points.services.earn,
in the caller's transaction): a meeting attended (the sign-in) and a ballot cast.

Ballots are counted as the Civil Code counts them — one per household, or one per owner — so the points
follow the ballot, not the people behind it: one grant per ballot, to the one resident who cast it
online; for a paper ballot, to the household's head (a household ballot) or to the resident linked to the
owner's account (an owner ballot). A show of hands has no ballots, so it grants nothing. Someone without
a current resident record (a co-building unit's delegate, an owner living elsewhere) has no account."""

from django.utils.translation import gettext as _

from gongzhi.people.models import Relation, Resident
from gongzhi.points import services as points
from gongzhi.points.models import EarnKind

from ..models import Attendance, Ballot, Channel


def _resident_of_user(user_id: int | None) -> Resident | None:
    if user_id is None:
        return None
    return Resident.objects.filter(user_id=user_id, moved_out_on__isnull=True).select_related("household").first()


def grant_meeting(attendance: Attendance, topic) -> None:
    resident = _resident_of_user(attendance.user_id)
    if resident is not None:
        points.earn(resident=resident, kind=EarnKind.MEETING, at=attendance.signed_in_at,
                    source_key=f"meeting:{attendance.meeting_id}:r{resident.pk}",
                    note=_("参加议事会议：%(t)s") % {"t": topic.title})


def ballot_resident(ballot: Ballot) -> Resident | None:
    if ballot.channel == Channel.ONLINE:
        resident = _resident_of_user(ballot.cast_by_id)
    elif ballot.owner_id is not None:
        resident = _resident_of_user(ballot.owner.user_id)
    else:
        resident = (Resident.objects.filter(household_id=ballot.household_id, relation=Relation.HEAD,
                                            moved_out_on__isnull=True).select_related("household").first())
    if resident is not None and ballot.household_id is not None and resident.household_id != ballot.household_id:
        return None  # the ballot is the household's: only one of its members earns for it
    return resident


def grant_ballot(ballot: Ballot, topic) -> None:
    resident = ballot_resident(ballot)
    if resident is not None:
        points.earn(resident=resident, kind=EarnKind.VOTE, source_key=f"ballot:{ballot.pk}", at=ballot.at,
                    note=_("参与表决：%(t)s") % {"t": topic.title})
