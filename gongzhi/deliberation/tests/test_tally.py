"""Civil Code Art. 278 at its exact edges, on the pure function and through the database."""

import datetime

import pytest
from django.utils import timezone

from gongzhi.deliberation import services
from gongzhi.deliberation.models import Matter
from gongzhi.deliberation.tally import judge_owners, tally

from .conftest import make_register, make_topic, to_consultation


def judge(matter=Matter.FUND_USE, **kw):
    return judge_owners(matter, **kw)


@pytest.mark.parametrize("part_heads,part_area_c,met", [
    (2, 20000, True),     # exactly 2/3 of 3 owners and of 300.00 m²: "以上" includes the figure
    (2, 19999, False),    # 0.01 m² short of 2/3 of the area
    (1, 30000, False),    # all the area, but only 1 of 3 owners
])
def test_participation_two_thirds_edges(part_heads, part_area_c, met):
    participation, passed, checks = judge(total_heads=3, total_area_c=30000, part_heads=part_heads,
                                          part_area_c=part_area_c, yes_heads=part_heads, yes_area_c=part_area_c)
    assert participation is met
    assert (passed is None) is (not met)  # a missed threshold is not "rejected"


@pytest.mark.parametrize("yes_heads,yes_area_c,passed", [
    (3, 7500, True),    # exactly 3/4 of 4 owners and of 100.00 m²
    (3, 7499, False),   # 74.99 m² < 3/4
    (2, 10000, False),  # 2 of 4 owners < 3/4
])
def test_special_matters_three_quarters_edges(yes_heads, yes_area_c, passed):
    for matter in (Matter.FUND_RAISE, Matter.REBUILD, Matter.COMMON_USE):
        ok, result, checks = judge(matter, total_heads=4, total_area_c=10000, part_heads=4, part_area_c=10000,
                                   yes_heads=yes_heads, yes_area_c=yes_area_c)
        assert ok and result is passed
        assert "四分之三" in checks[2].rule


@pytest.mark.parametrize("yes_heads,yes_area_c,passed", [
    (2, 5001, False),   # exactly half of the owners is not "过半数"
    (3, 5000, False),   # exactly half of the area is not "过半数"
    (3, 5001, True),    # more than half of both
])
def test_other_matters_more_than_half_edges(yes_heads, yes_area_c, passed):
    ok, result, _checks = judge(Matter.FUND_USE, total_heads=4, total_area_c=10000, part_heads=4, part_area_c=10000,
                                yes_heads=yes_heads, yes_area_c=yes_area_c) if yes_heads != 3 else \
        judge(Matter.FUND_USE, total_heads=5, total_area_c=10000, part_heads=5, part_area_c=10000,
              yes_heads=yes_heads, yes_area_c=yes_area_c)
    assert ok and result is passed


def test_denominators_are_participants_not_all_owners():
    # 6 owners, 4 take part (2/3), 3 say yes: 3/4 of the participants although only half of all owners.
    ok, passed, _ = judge(Matter.FUND_RAISE, total_heads=6, total_area_c=600, part_heads=4, part_area_c=400,
                          yes_heads=3, yes_area_c=300)
    assert ok and passed


def _owner_vote(d, matter, areas_c):
    topic = to_consultation(d, make_topic(d, matter=matter, title="使用维修资金更换电梯"))
    owners = make_register(d, areas_c)
    vote = services.vote_open(actor=d.staff, topic=topic, form="owner",
                              closes_at=timezone.now() + datetime.timedelta(days=3))
    return vote, owners


def test_db_tally_exact_special_edge(d):
    # 4 owners, 100.00 m² in all (33.33 + 33.33 + 33.34 + 0.00-free areas must be positive: 25 each)
    vote, owners = _owner_vote(d, Matter.FUND_RAISE, [2500, 2500, 2500, 2500])
    for o, c in zip(owners, ["yes", "yes", "yes", "no"], strict=True):
        services.ballot_enter_paper(actor=d.staff, vote=vote, owner=o, choice=c)
    t = tally(vote)
    assert (t.participants, t.participating_area_c, t.total_heads, t.total_area_c) == (4, 10000, 4, 10000)
    assert t.participation_met and t.passed is True  # 3/4 exactly, by head and by area
    assert str(t.outcome) == "通过"
    d_ = t.as_dict()
    assert d_["participating_area"] == "100.00" and all(c["met"] for c in d_["checks"])


def test_db_tally_one_hundredth_short(d):
    # yes area 74.99 of 100.00: fails by area although 3 of 4 heads say yes
    vote, owners = _owner_vote(d, Matter.FUND_RAISE, [2500, 2500, 2499, 2501])
    for o, c in zip(owners, ["yes", "yes", "yes", "no"], strict=True):
        services.ballot_enter_paper(actor=d.staff, vote=vote, owner=o, choice=c)
    t = tally(vote)
    assert t.participation_met and t.passed is False
    assert [c.met for c in t.checks] == [True, True, False, True]


def test_db_tally_participation_missed(d):
    vote, owners = _owner_vote(d, Matter.FUND_USE, [3333, 3333, 3334])
    services.ballot_enter_paper(actor=d.staff, vote=vote, owner=owners[0], choice="yes")
    services.ballot_enter_paper(actor=d.staff, vote=vote, owner=owners[1], choice="yes")
    t = tally(vote)  # 2 of 3 owners but 66.66 of 100.00 m² < 2/3
    assert not t.participation_met and t.passed is None
    assert str(t.outcome) == "未达到参与门槛"


def test_owner_with_several_flats_counts_once_by_sum_of_areas(d):
    from gongzhi.deliberation.models import Owner

    owners = make_register(d, [8937, 12050])
    assert Owner.objects.count() == 2
    assert sum(o.area_c for o in owners) == 20987


def test_household_vote_majority_of_ballots(d):
    from .conftest import extra_resident

    topic = to_consultation(d, make_topic(d))
    vote = services.vote_open(actor=d.staff, topic=topic, form="household",
                              closes_at=timezone.now() + datetime.timedelta(days=1))
    services.ballot_cast(actor=d.resident, vote=vote, choice="yes")
    u, _h = extra_resident(d, "301")
    services.ballot_cast(actor=u, vote=vote, choice="no")
    t = tally(vote)
    assert t.participants == 2 and t.passed is False  # 1 of 2 is not more than half
