import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from gongzhi.core.testing import race
from gongzhi.deliberation import services
from gongzhi.deliberation.models import Ballot
from gongzhi.deliberation.services import Conflict

from .conftest import make_register, make_topic, to_consultation


def _vote(d, **kw):
    topic = to_consultation(d, make_topic(d))
    kw.setdefault("form", "household")
    kw.setdefault("closes_at", timezone.now() + datetime.timedelta(days=1))
    return services.vote_open(actor=d.staff, topic=topic, **kw)


def test_second_ballot_refused_across_channels(d):
    vote = _vote(d)
    services.ballot_cast(actor=d.resident, vote=vote, choice="yes")
    with pytest.raises(Conflict) as e:
        services.ballot_enter_paper(actor=d.staff, vote=vote, household=d.world.hh_a1, choice="no")
    assert e.value.code == "already_voted"
    with pytest.raises(Conflict):
        services.ballot_cast(actor=d.resident, vote=vote, choice="no")
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_before_open_and_after_close_refused(d):
    vote = _vote(d, opens_at=timezone.now() + datetime.timedelta(hours=1),
                 closes_at=timezone.now() + datetime.timedelta(hours=2))
    with pytest.raises(Conflict) as e:
        services.ballot_cast(actor=d.resident, vote=vote, choice="yes")
    assert e.value.code == "vote_not_open"
    with pytest.raises(Conflict) as e:
        services.ballot_cast(actor=d.resident, vote=vote, choice="yes", now=timezone.now() + datetime.timedelta(hours=3))
    assert e.value.code == "vote_closed"


def test_voter_outside_place_refused(d):
    vote = _vote(d)
    with pytest.raises(PermissionDenied):
        services.ballot_cast(actor=d.world.users["community_b"], vote=vote, choice="yes")
    with pytest.raises(ValidationError):
        services.ballot_enter_paper(actor=d.staff, vote=vote, household=d.world.hh_b1, choice="yes")
    with pytest.raises(ValidationError):
        services.ballot_cast(actor=d.resident, vote=vote, choice="maybe")


def test_owner_outside_register_refused(d):
    topic = to_consultation(d, make_topic(d, matter="fund_use"))
    make_register(d, [10000])
    vote = services.vote_open(actor=d.staff, topic=topic, form="owner",
                              closes_at=timezone.now() + datetime.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        services.ballot_cast(actor=d.resident, vote=vote, choice="yes")


def test_hands_counts_only_and_closing_decides(d):
    vote = _vote(d, form="hands")
    with pytest.raises(ValidationError):
        services.vote_record_hands(actor=d.staff, vote=vote, counts={"yes": -1})
    services.vote_record_hands(actor=d.staff, vote=vote, counts={"yes": 12, "no": 3, "abstain": 1})
    services.vote_close(actor=d.staff, vote=vote)
    vote.refresh_from_db()
    from gongzhi.deliberation.tally import tally

    assert tally(vote).passed is True
    services.decision_record(actor=d.staff, topic=vote.topic, text="通过", method="vote", vote=vote)
    with pytest.raises(Conflict):
        services.vote_record_hands(actor=d.staff, vote=vote, counts={"yes": 1})


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel writers need PostgreSQL")
def test_parallel_ballots_exactly_one_counts(world):
    from .conftest import D

    d = D(world, world.users["community_a"], world.users["resident_a1"])
    topic = to_consultation(d, make_topic(d, matter="fund_use"))
    owners = make_register(d, [10000, 5000], users=True)
    vote = services.vote_open(actor=d.staff, topic=topic, form="owner",
                              closes_at=timezone.now() + datetime.timedelta(days=1))
    owner = owners[0]

    def go(i):
        if i % 2:
            return services.ballot_cast(actor=owner.user, vote=vote, choice="yes")
        return services.ballot_enter_paper(actor=d.staff, vote=vote, owner=owner, choice="no")

    results = race(6, go)
    assert sum(isinstance(r, Ballot) for r in results) == 1
    assert all(isinstance(r, Ballot) or (isinstance(r, Conflict) and r.code == "already_voted") for r in results)
    assert Ballot.objects.filter(vote=vote).count() == 1
