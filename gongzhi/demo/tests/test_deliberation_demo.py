from gongzhi.deliberation.models import Owner, Step, Topic, Vote
from gongzhi.deliberation.tally import tally
from gongzhi.demo import deliberation as demo
from gongzhi.territory.models import Level, Role
from gongzhi.territory.testing import assign, make_grid, make_household, make_node, make_user


def _compound(world, code, community_name, compound_name, flats):
    community = make_node(world.street, Level.COMMUNITY, community_name, code)
    compound = make_node(community, Level.COMPOUND, compound_name)
    grid = make_grid(community, "01", "一网格")
    micro = make_grid(community, "01-01", "微网格", parent=grid)
    for b in range(2):
        building = make_node(compound, Level.BUILDING, f"{b + 1}栋")
        for n in range(flats):
            make_household(building, micro, f"{101 + n}")
    return community, compound


def test_demo_builds_the_seed_topics_and_is_idempotent(world):
    assert demo.build_demo() == []
    litang, nanguo = _compound(world, demo.LITANG, "栗塘社区", "南国新家园小区", 6)
    _cg, changgou = _compound(world, demo.CHANGGOU, "长沟社区", "长沟新村小区", 15)
    assign(make_user("demo_litang"), Role.COMMUNITY_STAFF, litang)
    make_user("demo_admin", is_superuser=True)
    lines = demo.build_demo()
    assert len(lines) == 2
    steps = dict(Topic.objects.filter(place=nanguo).values_list("title", "step"))
    assert steps["修订红棟力评比细则"] == Step.CLOSED and steps["小区大门安装车辆道闸"] == Step.NOTICE
    assert steps["小区新增新能源汽车充电桩"] == Step.CONSULTATION
    vote = Vote.objects.get(topic__place=changgou, form="owner")
    t = tally(vote)
    assert t.total_heads == Owner.objects.filter(register__compound=changgou).count() < 30  # some own two flats
    assert t.participation_met and t.passed
    assert demo.build_demo() == [] and Topic.objects.count() == 5
