"""微积分 points granted by deliberation's own events: a meeting attended, a ballot cast."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gongzhi.deliberation import services
from gongzhi.deliberation.services import Conflict
from gongzhi.people.models import Relation
from gongzhi.people.tests.factories import make_id, make_resident
from gongzhi.points import services as points
from gongzhi.points.models import Account, EarnKind, Entry

from .conftest import extra_resident, make_register, make_topic, to_consultation

pytestmark = pytest.mark.django_db


def rules(d, *rs, effective_from=datetime.date(2020, 1, 1)):
    return points.rule_version_create(actor=d.staff, community=d.world.community_a, effective_from=effective_from,
                                      rules=[points.RuleInput(*r) for r in rs])


@pytest.fixture
def me(d):
    """The resident record behind resident_a1's login (household hh_a1)."""
    return make_resident(d.world.hh_a1, "张三", id_number=make_id(), user=d.resident)


def meeting_topic(d, title="加装健身器材"):
    return to_consultation(d, make_topic(d, title=title))


def sign_in_by_scan(d, user, topic):
    return services.attendance_sign_in(actor=user, topic=topic, token=services.signin_token(topic.meeting))


def entries(kind):
    return list(Entry.objects.filter(rule=kind).order_by("id"))


# --- meetings --------------------------------------------------------------------------------------

def test_meeting_sign_in_grants_once_per_meeting_and_resident(d, me):
    rules(d, (EarnKind.MEETING, 5, None))
    topic = meeting_topic(d)
    sign_in_by_scan(d, d.resident, topic)
    [e] = entries(EarnKind.MEETING)
    assert (e.amount, e.account.resident, e.source_key) == (5, me, f"meeting:{topic.meeting.pk}:r{me.pk}")
    assert Account.objects.get(resident=me).balance == 5
    with pytest.raises(Conflict):  # signing in again: refused, and still one entry
        sign_in_by_scan(d, d.resident, topic)
    assert len(entries(EarnKind.MEETING)) == 1


def test_meeting_ticked_by_the_organiser_grants_the_attendee(d, me):
    rules(d, (EarnKind.MEETING, 5, None))
    topic = meeting_topic(d)
    services.attendance_signup(actor=d.resident, topic=topic)
    attendance = topic.meeting.attendances.get(user=d.resident)
    services.attendance_sign_in(actor=d.staff, topic=topic, attendance=attendance)
    [e] = entries(EarnKind.MEETING)
    assert e.account.resident == me and e.amount == 5


def test_meeting_without_a_rule_or_resident_record_grants_nothing(d, me):
    rules(d, (EarnKind.VOLUNTEER_HOUR, 10, None))  # in force, but no meeting rule
    sign_in_by_scan(d, d.resident, meeting_topic(d))
    user, _hh = extra_resident(d, "909")  # a resident by role only: no resident record, no account
    rules(d, (EarnKind.MEETING, 5, None), effective_from=datetime.date(2021, 1, 1))
    sign_in_by_scan(d, user, meeting_topic(d, "第二个议题"))
    assert not Entry.objects.exists()


def test_meeting_rule_of_a_future_version_is_not_in_force(d, me):
    rules(d, (EarnKind.MEETING, 5, None), effective_from=timezone.localdate() + datetime.timedelta(days=30))
    sign_in_by_scan(d, d.resident, meeting_topic(d))
    assert not Entry.objects.exists()


def test_meeting_monthly_cap_trims(d, me):
    rules(d, (EarnKind.MEETING, 5, 8))
    for i in range(3):
        sign_in_by_scan(d, d.resident, meeting_topic(d, f"议题{i}"))
    assert [e.amount for e in entries(EarnKind.MEETING)] == [5, 3]
    assert Account.objects.get(resident=me).balance == 8


# --- votes -------------------------------------------------------------------------------------------

def household_vote(d, title="加装健身器材"):
    topic = to_consultation(d, make_topic(d, title=title))
    return services.vote_open(actor=d.staff, topic=topic, form="household",
                              closes_at=timezone.now() + datetime.timedelta(days=1))


def test_online_ballot_grants_once_per_ballot(d, me):
    rules(d, (EarnKind.VOTE, 2, None))
    vote = household_vote(d)
    ballot = services.ballot_cast(actor=d.resident, vote=vote, choice="yes")
    [e] = entries(EarnKind.VOTE)
    assert (e.amount, e.account.resident, e.source_key) == (2, me, f"ballot:{ballot.pk}")
    with pytest.raises(Conflict):
        services.ballot_cast(actor=d.resident, vote=vote, choice="no")
    # the household's paper ballot is the same ballot (the Civil Code counts one per household)
    with pytest.raises(Conflict):
        services.ballot_enter_paper(actor=d.staff, vote=vote, household=d.world.hh_a1, choice="no")
    assert len(entries(EarnKind.VOTE)) == 1
    assert Account.objects.get(resident=me).balance == 2


def test_paper_ballot_grants_the_household_head_only(d, me):
    rules(d, (EarnKind.VOTE, 2, None))
    head = make_resident(d.world.hh_a2, "李四", id_number=make_id())
    make_resident(d.world.hh_a2, "李小四", relation=Relation.CHILD, id_number=make_id("20120101"))
    vote = household_vote(d)
    services.ballot_enter_paper(actor=d.staff, vote=vote, household=d.world.hh_a2, choice="yes")
    [e] = entries(EarnKind.VOTE)
    assert e.account.resident == head and e.amount == 2


def test_owner_ballot_grants_the_owner_linked_resident(d):
    rules(d, (EarnKind.VOTE, 2, None))
    topic = to_consultation(d, make_topic(d, matter="fund_use"))
    owners = make_register(d, [10000, 5000], users=True)
    resident = make_resident(d.world.hh_a2, "业主甲", id_number=make_id(), user=owners[0].user)
    vote = services.vote_open(actor=d.staff, topic=topic, form="owner",
                              closes_at=timezone.now() + datetime.timedelta(days=1))
    services.ballot_cast(actor=owners[0].user, vote=vote, choice="yes")
    services.ballot_enter_paper(actor=d.staff, vote=vote, owner=owners[1], choice="yes")  # no resident record
    [e] = entries(EarnKind.VOTE)
    assert e.account.resident == resident


def test_vote_without_a_rule_grants_nothing(d, me):
    rules(d, (EarnKind.MEETING, 5, None))
    services.ballot_cast(actor=d.resident, vote=household_vote(d), choice="yes")
    assert not entries(EarnKind.VOTE)


def test_vote_monthly_cap_trims(d, me):
    rules(d, (EarnKind.VOTE, 2, 3))
    for i in range(3):
        vote = household_vote(d, f"议题{i}")
        services.ballot_cast(actor=d.resident, vote=vote, choice="yes")
        services.vote_close(actor=d.staff, vote=vote)
    assert [e.amount for e in entries(EarnKind.VOTE)] == [2, 1]


def test_a_refused_ballot_books_no_points(d, me):
    rules(d, (EarnKind.VOTE, 2, None))
    vote = household_vote(d)
    with pytest.raises(ValidationError):
        services.ballot_cast(actor=d.resident, vote=vote, choice="maybe")
    assert not Entry.objects.exists()
