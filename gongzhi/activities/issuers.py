"""谁记录谁证明: the recording organiser of a volunteer's service — an organisation for the activities it
organised, or the community for its own — as one value used by the records of training,
commendations and evaluations, their pages and API, and the certificates.

An issuer's volunteers are the residents who served in its activities, those it has already recorded,
and (an organisation) its members with a resident record or (a community) the residents living in it.
Anyone else is out of its reach: hidden like a missing one (404)."""

import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from gongzhi.people.models import Organisation, OrganisationMember, Resident
from gongzhi.points.selectors import staff_communities
from gongzhi.territory.models import Level, Node

from .models import SignUp, VolunteerRecord
from .permissions import can_create_activity

KEY = re.compile(r"^([co])([1-9]\d{0,17})$")


@dataclass(frozen=True)
class Issuer:
    community: Node
    organiser: Organisation | None = None

    @property
    def key(self) -> str:
        return f"o{self.organiser.pk}" if self.organiser else f"c{self.community.pk}"

    @property
    def name(self) -> str:
        return self.organiser.name if self.organiser else self.community.name

    def activities_q(self, prefix: str = "") -> Q:
        if self.organiser:
            return Q(**{f"{prefix}organiser": self.organiser})
        return Q(**{f"{prefix}organiser__isnull": True, f"{prefix}community": self.community})

    def records(self) -> QuerySet[VolunteerRecord]:
        return VolunteerRecord.objects.filter(self.activities_q())

    def volunteers_q(self, *, residents: bool = False) -> Q:
        """The residents this issuer may record for; `residents` adds a community's whole population
        (too many to list, fine to check one)."""
        served = SignUp.objects.filter(self.activities_q("activity__"), status=SignUp.Status.CONFIRMED)
        q = Q(pk__in=served.values("resident_id")) | Q(pk__in=self.records().values("resident_id"))
        if self.organiser:
            q |= Q(user_id__in=OrganisationMember.objects.filter(organisation=self.organiser).values("user_id"))
        elif residents:
            q |= Q(household__node_path__under=self.community.path, moved_out_on__isnull=True)
        return q

    def may_record(self, user) -> bool:
        return can_create_activity(user, self.community, self.organiser)


def issuers_for(user) -> list[Issuer]:
    """The communities the user serves as staff, then the organisations they head."""
    from .selectors import led_organisations

    return ([Issuer(c) for c in staff_communities(user)[:200]]
            + [Issuer(o.community, o) for o in led_organisations(user)[:50]])


def get_issuer(user, key: str) -> Issuer:
    """The issuer named by `key` ("c<community>" / "o<organisation>") if the user records for it; 404."""
    m = KEY.match(key or "")
    if m is None:
        raise Http404
    if m[1] == "c":
        node = Node.objects.filter(pk=int(m[2]), level=Level.COMMUNITY).first()
        issuer = Issuer(node) if node else None
    else:
        org = Organisation.objects.filter(pk=int(m[2])).select_related("community").first()
        issuer = Issuer(org.community, org) if org else None
    if issuer is None or not issuer.may_record(user):
        raise Http404
    return issuer


def issuer_volunteers(issuer: Issuer) -> QuerySet[Resident]:
    return (Resident.objects.filter(issuer.volunteers_q()).select_related("household")
            .order_by("name_pinyin", "pk"))


def get_volunteer(issuer: Issuer, pk: int) -> Resident:
    resident = (Resident.objects.filter(issuer.volunteers_q(residents=True), pk=pk)
                .select_related("household").first())
    if resident is None:
        raise Http404
    return resident
