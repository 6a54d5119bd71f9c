import datetime
import itertools
from dataclasses import dataclass, field

import pytest

from gongzhi.evaluation import seed_rules, services
from gongzhi.evaluation.models import Juror, Party, Period, RuleSet, RuleVersion
from gongzhi.territory.models import Level, Node
from gongzhi.territory.testing import make_node, make_user

_keys = itertools.count(1)


def key() -> str:
    return f"test-key-{next(_keys):06d}"


@dataclass
class HD:
    """幸福小区 with four units, the 红棟力 rule set (v1 2023-04, v2 2024-01) and a four-party jury."""

    world: object
    staff: object
    rule_set: RuleSet
    v1: RuleVersion
    v2: RuleVersion
    units: list[Node]
    jurors: dict[str, Juror] = field(default_factory=dict)

    def items(self, version: RuleVersion, kind: str | None = None):
        qs = version.items.order_by("position")
        return list(qs.filter(kind=kind) if kind else qs)

    def open(self, day=datetime.date(2023, 10, 1)) -> Period:
        return services.period_open(actor=self.staff, rule_set=self.rule_set, day=day)

    def score(self, juror_key: str, period: Period, unit_index: int, values: dict | None = None, **kw):
        juror = self.jurors[juror_key]
        subject = period.subjects.get(node=self.units[unit_index])
        return services.sheet_submit(actor=juror.user, period=period, subject_id=subject.pk,
                                     client_key=kw.pop("client_key", None) or key(), values=values or {}, **kw)


def build_hd(world) -> HD:
    """The `hd` data on top of territory.testing.build_world(); callable where the `db` fixture is not used
    (transactional browser tests)."""
    staff = world.users["community_a"]
    compound = world.compound_a
    b1 = world.building_a1
    b2 = make_node(compound, Level.BUILDING, "2栋")
    units = [world.unit_a1_1, make_node(b1, Level.UNIT, "2单元"), make_node(b2, Level.UNIT, "1单元"),
             make_node(b2, Level.UNIT, "2单元")]
    rs, v1, v2 = seed_rules.build_hongdongli(actor=staff, compound=compound)
    h = HD(world, staff, rs, v1, v2, units)
    for name, party in [("c1", Party.COMMUNITY), ("p1", Party.PROPERTY), ("o1", Party.OWNERS),
                        ("r1", Party.RESIDENTS), ("r2", Party.RESIDENTS)]:
        user = make_user(f"juror_{name}", name=f"评委{name}")
        h.jurors[name] = services.juror_add(actor=staff, rule_set=rs, user=user, party=party)
    return h


@pytest.fixture
def hd(world) -> HD:
    return build_hd(world)
