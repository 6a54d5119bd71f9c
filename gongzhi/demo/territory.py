"""Demo data, territory side: the five seed communities' compounds, buildings, units, households,
grids and micro-grids, party organisation trees, role holders and the demo accounts.

`gongzhi.demo.people` fills the households with residents, party members and organisations;
`manage.py load_demo` runs both. Everything is deterministic: each community has its own
`random.Random` seeded with its code, so one community's figures do not depend on which others
were built in the same run. A community that already has grids is left as it is (re-running is safe).
"""

from __future__ import annotations

import datetime
import functools
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from faker import Faker

from gongzhi.accounts.models import User
from gongzhi.core.paths import step, step_number
from gongzhi.territory.models import FunctionTag, Grid, Household, Level, Node, PartyOrg, Role, RoleAssignment

DEMO_PASSWORD = "Gongzhi@2026"
DIVISIONS_DIR = Path(__file__).resolve().parent.parent / "territory" / "data" / "divisions"
# Ages and dates are computed from a fixed day, not from today, so the data is the same every run.
ANCHOR = datetime.date(2025, 7, 1)
ROLE_START = datetime.date(2024, 1, 1)

# 12-digit statistical codes of the seed places.
CHANGGOU = "510185114003"   # 四川 简阳市 石钟镇 长沟社区
NANGUAN = "620702002003"    # 甘肃 张掖市 甘州区 南街街道 南关社区
LITANG = "430304005006"     # 湖南 湘潭市 岳塘区 下摄司街道 栗塘社区
NANJIE = "511381001008"     # 四川 阆中市 保宁街道 南街社区
NEIDONGJIE = "511381001006"  # 四川 阆中市 保宁街道 内东街社区
SHUYUANJIE = "511381001021"  # 四川 阆中市 保宁街道 书院街社区
GUANYAN = "420804002011"    # 湖北 荆门市 掇刀区 白庙街道 官堰社区
BAIMIAO_STREET = "420804002000"  # 白庙街道
SEED_CODES = (CHANGGOU, NANGUAN, LITANG, NANJIE, NEIDONGJIE, SHUYUANJIE, GUANYAN)

CN_DIGITS = "零一二三四五六七八九十"


def cn_number(n: int) -> str:
    """1..99 in Chinese numerals: 一, 十, 十二, 二十三."""
    if n <= 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (CN_DIGITS[tens] if tens > 1 else "") + "十" + (CN_DIGITS[ones] if ones else "")


# --- names and phones ---------------------------------------------------------------------------

class Names:
    """Made-up Chinese names and mobile numbers: Faker's zh_CN provider, seeded from the community's
    generator so that a re-run makes the same people."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(rng.randrange(2**32))

    def surname(self) -> str:
        return self.fake.last_name()

    def given(self, gender: str) -> str:
        return self.fake.first_name_male() if gender == "M" else self.fake.first_name_female()

    def full(self, gender: str, surname: str | None = None) -> str:
        return (surname or self.surname()) + self.given(gender)

    def mobile(self) -> str:
        return self.fake.phone_number()


# --- the demo accounts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    phone: str
    name: str
    role_label: str
    sees: str


DEMO_ACCOUNTS = (
    DemoAccount("demo_admin", "13900000001", "系统管理员", "系统管理员（超级用户）", "全部数据与后台管理 /admin/"),
    DemoAccount("demo_auditor", "13900000002", "审计员", "审计员", "审计日志（谁在何时查看或修改了谁的信息）"),
    DemoAccount("demo_street", "13900000003", "白庙街道干部", "街道工作人员（荆门 白庙街道）", "白庙街道下全部社区，含官堰社区"),
    DemoAccount("demo_secretary", "13900000004", "官堰社区书记", "社区书记（官堰社区）", "官堰社区全部网格、住户、居民"),
    DemoAccount("demo_community", "13900000005", "官堰社区干事", "社区工作人员（官堰社区）", "官堰社区全部网格、住户、居民"),
    DemoAccount("demo_litang", "13900000006", "栗塘社区干事", "社区工作人员（湘潭 栗塘社区）", "栗塘社区，含南国新家园小区各单元"),
    DemoAccount("demo_grid", "13900000007", "官堰网格员", "网格员（官堰社区第一网格）", "本网格（官堰社区第一网格）的住户和居民"),
    DemoAccount("demo_micro", "13900000008", "官堰联户长", "微网格长/联户长（官堰社区 01-01 微网格）", "本微网格约十余户"),
    DemoAccount("demo_compound", "13900000009", "南街小区长", "小区长（阆中 南街社区 锦屏花园小区）", "本小区全部楼栋、单元和住户"),
    DemoAccount("demo_building", "13900000010", "南街楼栋长", "楼栋长（锦屏花园小区1栋）", "本楼栋的单元和住户"),
    DemoAccount("demo_unit", "13900000011", "南街单元长", "单元长（锦屏花园小区1栋1单元）", "本单元的住户"),
    DemoAccount("demo_branch", "13900000012", "长沟支部书记", "支部书记（长沟新村小区党支部）", "长沟新村小区全部住户"),
    DemoAccount("demo_resident", "13900000013", "官堰居民", "居民（官堰社区，本户户主）", "只看本户"),
    DemoAccount("demo_party", "13900000014", "官堰党员", "在职党员（双报到到官堰社区）", "本户；本人的党员联系户"),
    DemoAccount("demo_property", "13900000015", "南国物业客服", "物业公司工作人员（南国新家园）", "所属物业公司；参与红棟力评分"),
)


@functools.cache
def demo_password_hash() -> str:
    """DEMO_PASSWORD hashed once per process: the role holders are hundreds of accounts."""
    return make_password(DEMO_PASSWORD)


def ensure_demo_users(password: str = DEMO_PASSWORD) -> dict[str, User]:
    """Create or refresh the demo accounts: the printed password, phone and name, unlocked.

    The password is hashed once and the hash shared: hashing it for every account would cost about
    half a second each with the production hasher."""
    hashed = make_password(password)
    existing = {u.username: u for u in User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])}
    users: dict[str, User] = {}
    for acc in DEMO_ACCOUNTS:
        user = existing.get(acc.username) or User(username=acc.username)
        # A phone held by some other account would block login by phone: free it for the demo.
        User.objects.filter(phone=acc.phone).exclude(username=acc.username).update(phone=None, phone_index=None)
        user.password = hashed
        user.phone = acc.phone
        user.name = user.name or acc.name
        user.is_active = True
        user.failed_logins = 0
        user.locked_until = None
        user.is_superuser = user.is_staff = acc.username == "demo_admin"
        user.is_auditor = acc.username == "demo_auditor"
        user.save()
        users[acc.username] = user
    return users


# --- divisions ------------------------------------------------------------------------------------


def node_by_code(code: str) -> Node | None:
    return Node.objects.filter(code=code.ljust(12, "0")).first()


def ensure_divisions() -> bool:
    """Import the shipped division extract if a seed place is missing. True if it imported."""
    if Node.objects.filter(code__in=SEED_CODES + (BAIMIAO_STREET,)).count() == len(SEED_CODES) + 1:
        return False
    from gongzhi.territory.divisions import import_divisions

    import_divisions(DIVISIONS_DIR)
    return True


# --- building a community -------------------------------------------------------------------------

HouseholdSpec = tuple[Node, str]  # (node the household sits at, number)


@dataclass
class Holder:
    """A role holder's account, with the households among which they should live (empty: a staff
    member who need not live here). The people side links each to a resident there."""

    user: User
    area: list[Household]
    prefer_party: bool = False


@dataclass
class Plan:
    """What a community builder made, handed to the people side."""

    community: Node
    short: str
    rng: random.Random
    names: Names
    households: list[Household] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    micro_grids: list[Grid] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    committee: PartyOrg | None = None
    party_orgs: list[PartyOrg] = field(default_factory=list)
    # Households that must have a party member as head (党员中心户).
    party_households: list[Household] = field(default_factory=list)
    holders: list[Holder] = field(default_factory=list)
    # Households whose residents no holder may be linked to (the demo resident's own household).
    reserved_households: list[Household] = field(default_factory=list)
    secretary: User | None = None
    residents_total: int | None = None   # exact number of residents, when the seed gives one
    member_links: int | None = None      # exact number of 党员联系户 links, when the seed gives one
    party_share: float = 0.07            # share of adults who are party members

    @property
    def county_code(self) -> str:
        return self.community.code[:6]

    def counts(self) -> dict[str, int]:
        levels: dict[str, int] = {}
        for n in self.nodes:
            levels[n.level] = levels.get(n.level, 0) + 1
        return {
            "compounds": levels.get(Level.COMPOUND, 0), "buildings": levels.get(Level.BUILDING, 0),
            "units": levels.get(Level.UNIT, 0), "households": len(self.households), "grids": len(self.grids),
            "micro_grids": len(self.micro_grids), "party_orgs": len(self.party_orgs),
            "role_holders": len({h.user.pk for h in self.holders}),
        }


_ROLE_ABBR = {
    Role.COMMUNITY_SECRETARY: "sj", Role.COMMUNITY_STAFF: "gz", Role.GRID_HEAD: "wgz", Role.GRID_WORKER: "wgy",
    Role.MICRO_GRID_HEAD: "lhz", Role.AREA_HEAD: "pz", Role.COMPOUND_HEAD: "xqz", Role.BUILDING_HEAD: "ldz",
    Role.UNIT_HEAD: "dyz", Role.BRANCH_SECRETARY: "zb",
}
DEFAULT_TAGS = ("党建", "综治", "民政", "城管", "平安建设")


class Builder:
    """Creates one community's places, grids, party organisations and role holders in bulk."""

    def __init__(self, community: Node, *, prefix: str, short: str, phone_block: int, demo_users: dict[str, User]):
        rng = random.Random(f"gongzhi-demo:{community.code}")
        self.plan = Plan(community=community, short=short, rng=rng, names=Names(rng))
        self.rng = rng
        self.prefix = prefix
        self.phone_block = phone_block
        self.demo_users = demo_users
        self._steps: dict[int, int] = {}
        self._seq: dict[str, int] = {}
        self._phone_seq = 0
        self._assignments: list[RoleAssignment] = []
        self._index: dict[tuple[str, object], list[Household]] | None = None

    # nodes
    def _next_step(self, parent: Node) -> int:
        if parent.pk not in self._steps:
            last = Node.objects.filter(parent=parent).order_by("-path").values_list("path", flat=True).first()
            self._steps[parent.pk] = step_number(last[-4:]) if last else 0
        self._steps[parent.pk] += 1
        return self._steps[parent.pk]

    def nodes(self, specs: Iterable[tuple[Node, str, str]]) -> list[Node]:
        objs = []
        for parent, level, name in specs:
            path = parent.path + step(self._next_step(parent))
            objs.append(Node(path=path, depth=len(path) // 4, parent=parent, level=level, name=name))
        Node.objects.bulk_create(objs, batch_size=500)
        self.plan.nodes.extend(objs)
        return objs

    def estate(self, name: str, buildings: list[tuple[int, int, int]], *, parent: Node | None = None,
               building_names: list[str] | None = None) -> tuple[Node, list[Node], list[list[Node]], list[HouseholdSpec]]:
        """A compound with buildings; each building is (units, households per unit or per building, per floor).
        With units == 0 the households sit at the building. Returns compound, buildings, units, households."""
        compound = self.nodes([(parent or self.plan.community, Level.COMPOUND, name)])[0]
        names = building_names or [f"{i}栋" for i in range(1, len(buildings) + 1)]
        blds = self.nodes([(compound, Level.BUILDING, n) for n in names])
        unit_specs = [(b, Level.UNIT, f"{u}单元") for b, (units, _, _) in zip(blds, buildings, strict=True)
                      for u in range(1, units + 1)]
        units_flat = self.nodes(unit_specs) if unit_specs else []
        units_by_building: list[list[Node]] = []
        hh: list[HouseholdSpec] = []
        it = iter(units_flat)
        for b, (units, count, per_floor) in zip(blds, buildings, strict=True):
            mine = [next(it) for _ in range(units)]
            units_by_building.append(mine)
            for place in mine or [b]:
                hh.extend((place, _room(i, per_floor)) for i in range(count))
        return compound, blds, units_by_building, hh

    def lanes(self, lanes: list[tuple[str, int]], per_house: tuple[int, int]) -> tuple[list[Node], list[HouseholdSpec]]:
        """Scattered housing (散居户): numbered houses along lanes, straight under the community."""
        specs = [(self.plan.community, Level.BUILDING, f"{lane}{n}号") for lane, count in lanes for n in range(1, count + 1)]
        houses = self.nodes(specs)
        hh = [(h, f"{k}户") for h in houses for k in range(1, self.rng.randint(*per_house) + 1)]
        return houses, hh

    # grids and households
    def grids(self, layout: list[list[list[HouseholdSpec]]], *, tags: Iterable[str] = DEFAULT_TAGS,
              micro_names: Callable[[int, int], str] | None = None) -> None:
        """layout[i][j] is the list of household specs of micro-grid j in grid i (path order)."""
        community = self.plan.community
        grids = [Grid(community=community, kind=Grid.Kind.GRID, code=f"{i:02d}",
                      name=f"{self.plan.short}第{cn_number(i)}网格") for i in range(1, len(layout) + 1)]
        Grid.objects.bulk_create(grids)
        micros = []
        for gi, (grid, micro_layout) in enumerate(zip(grids, layout, strict=True), start=1):
            for mj in range(1, len(micro_layout) + 1):
                name = micro_names(gi, mj) if micro_names else f"{grid.name}第{mj}微网格"
                micros.append(Grid(community=community, parent=grid, kind=Grid.Kind.MICRO,
                                   code=f"{gi:02d}-{mj:02d}", name=name))
        Grid.objects.bulk_create(micros, batch_size=500)
        tag_objs = [FunctionTag.objects.get_or_create(name=t)[0] for t in tags]
        Through = Grid.tags.through
        Through.objects.bulk_create([Through(grid_id=g.pk, functiontag_id=t.pk) for g in grids for t in tag_objs])
        households = []
        it = iter(micros)
        for micro_layout in layout:
            for specs in micro_layout:
                micro = next(it)
                for node, number in specs:
                    households.append(Household(node=node, node_path=node.path, micro_grid=micro, number=number,
                                                address=self._address(node) + number))
        Household.objects.bulk_create(households, batch_size=1000)
        self.plan.grids, self.plan.micro_grids, self.plan.households = grids, micros, households

    def _address(self, node: Node) -> str:
        parts = []
        n = node
        while n is not None and n.level not in (Level.COMMUNITY, Level.STREET, Level.COUNTY):
            parts.append(n.name)
            n = n.parent
        return "".join(reversed(parts))

    # party organisations
    def party(self, kind: str, name: str, parent: PartyOrg | None = None, *, node: Node | None = None,
              grid: Grid | None = None, household: Household | None = None) -> PartyOrg:
        org = PartyOrg.objects.create(kind=kind, name=name, parent=parent, node=node, grid=grid, household=household)
        self.plan.party_orgs.append(org)
        if kind == PartyOrg.Kind.COMMITTEE:
            self.plan.committee = org
        return org

    # role holders
    def _new_user(self, role: str) -> User:
        abbr = _ROLE_ABBR[role]
        n = self._seq[abbr] = self._seq.get(abbr, 0) + 1
        self._phone_seq += 1
        gender = "M" if self.rng.random() < 0.55 else "F"
        user = User(username=f"{self.prefix}_{abbr}_{n:03d}", name=self.plan.names.full(gender),
                    phone=f"15{self.phone_block}{self._phone_seq:08d}")
        user.password = demo_password_hash()  # every role in the demo can log in (printed by load_demo)
        return user

    def holder(self, role: str, target, *, live: bool = True, user: User | str | None = None,
               prefer_party: bool = False) -> User:
        """Give a role on a target to `user` (an existing user, a demo account's username, or a new
        holder account). Accounts are saved in `flush()`."""
        if isinstance(user, str):
            user = self.demo_users[user]
        user = user or self._new_user(role)
        field_name = {"Node": "node", "Grid": "grid", "PartyOrg": "party_org", "Household": "household"}[
            type(target).__name__]
        self._assignments.append(RoleAssignment(user=user, role=role, start_date=ROLE_START, **{field_name: target}))
        if live:
            self.plan.holders.append(Holder(user=user, area=self._area(target), prefer_party=prefer_party))
        else:
            self.plan.holders.append(Holder(user=user, area=[]))
        if role == Role.COMMUNITY_SECRETARY:
            self.plan.secretary = user
        return user

    def _area(self, target) -> list[Household]:
        if self._index is None:
            # Households under every node path and in every grid, built once (holders are many).
            self._index = {}
            base = len(self.plan.community.path)
            for h in self.plan.households:
                for end in range(base, len(h.node_path) + 1, 4):
                    self._index.setdefault(("node", h.node_path[:end]), []).append(h)
                self._index.setdefault(("grid", h.micro_grid_id), []).append(h)
                self._index.setdefault(("grid", h.micro_grid.parent_id), []).append(h)
        if isinstance(target, Node):
            return self._index.get(("node", target.path), [])
        if isinstance(target, Grid):
            return self._index.get(("grid", target.pk), [])
        if isinstance(target, PartyOrg):
            if target.grid_id:
                return self._area(target.grid)
            return self._area(target.node or self.plan.community)
        return []

    def flush(self) -> Plan:
        new_users = [u for u in {id(h.user): h.user for h in self.plan.holders}.values() if u.pk is None]
        User.objects.bulk_create(new_users, batch_size=500)
        for ra in self._assignments:
            ra.user_id = ra.user.pk
        RoleAssignment.objects.bulk_create(self._assignments, batch_size=500)
        return self.plan


def _room(i: int, per_floor: int) -> str:
    floor, k = divmod(i, per_floor)
    return f"{floor + 1}{k + 1:02d}"


def chunks(items: list, n: int) -> list[list]:
    """n contiguous, nearly equal parts (the first ones one longer)."""
    q, r = divmod(len(items), n)
    out, start = [], 0
    for i in range(n):
        end = start + q + (1 if i < r else 0)
        out.append(items[start:end])
        start = end
    return out


def is_built(community: Node) -> bool:
    return Grid.objects.filter(community=community).exists()


# --- the seed communities -------------------------------------------------------------------------


def build_changgou(community: Node, demo_users: dict[str, User]) -> Plan:
    """长沟社区 (seed 000): 长沟新村小区, a former farmers' resettlement estate with 19 buildings,
    339 households and 964 residents; 小区党支部 + 片长 + 楼栋长; 7 self-management groups."""
    b = Builder(community, prefix="cg", short="长沟社区", phone_block=1, demo_users=demo_users)
    b.plan.residents_total = 964
    per_building = [18] * 16 + [17] * 3
    b.rng.shuffle(per_building)
    compound, buildings, _, hh = b.estate("长沟新村小区", [(0, n, 3) for n in per_building])
    by_building = [[s for s in hh if s[0] is bld] for bld in buildings]
    # Two grids (buildings 1–10, 11–19); each building is a micro-grid (步梯房以楼栋为单位).
    b.grids([by_building[:10], by_building[10:]])
    committee = b.party(PartyOrg.Kind.COMMITTEE, "中共长沟社区委员会", node=community)
    branch = b.party(PartyOrg.Kind.BRANCH, "长沟新村小区党支部", committee, node=compound)
    areas = chunks(buildings, 4)
    for i, area in enumerate(areas, start=1):
        b.party(PartyOrg.Kind.GROUP, f"长沟新村第{cn_number(i)}片党小组", branch, node=area[0])
    b.holder(Role.COMMUNITY_SECRETARY, community, live=False)
    b.holder(Role.BRANCH_SECRETARY, branch, user="demo_branch", prefer_party=True)
    for grid in b.plan.grids:
        b.holder(Role.GRID_WORKER, grid, live=False)
    for area in areas:
        # 片长 are held on the compound; each lives in their area.
        b.holder(Role.AREA_HEAD, compound, prefer_party=True)
        b.plan.holders[-1].area = [h for h in b.plan.households if any(h.node_path.startswith(x.path) for x in area)]
    micro_by_building = dict(zip([bld.pk for bld in buildings], b.plan.micro_grids, strict=True))
    for bld in buildings:
        head = b.holder(Role.BUILDING_HEAD, bld)
        b.holder(Role.MICRO_GRID_HEAD, micro_by_building[bld.pk], user=head)
        b.plan.holders.pop()  # same person: link to a resident once
    return b.flush()


def build_nanguan(community: Node, demo_users: dict[str, User]) -> Plan:
    """南关社区 (seed 001): 10 grids, each with a grid party branch and a full-time grid head;
    96 党员联系户 links; micro-grids under every grid."""
    b = Builder(community, prefix="ng", short="南关社区", phone_block=2, demo_users=demo_users)
    b.plan.member_links = 96
    hh: list[HouseholdSpec] = []
    estates = [
        ("南关小区", 6, 2, 6), ("南街家属院", 4, 2, 5), ("粮食局家属院", 3, 2, 6), ("南关新苑", 8, 2, 7),
        ("民乐花园", 5, 3, 6), ("南城根小区", 4, 2, 5), ("玉关苑", 6, 2, 6), ("南华小区", 4, 2, 6),
    ]
    for name, n_bld, units, floors in estates:
        *_, specs = b.estate(name, [(units, floors * 2, 2)] * n_bld)
        hh.extend(specs)
    micro_counts = [10, 9, 11, 10, 12, 9, 10, 11, 10, 9]
    parts = chunks(hh, len(micro_counts))
    b.grids([chunks(part, m) for part, m in zip(parts, micro_counts, strict=True)])
    committee = b.party(PartyOrg.Kind.COMMITTEE, "中共南关社区委员会", node=community)
    b.holder(Role.COMMUNITY_SECRETARY, community, live=False)
    b.holder(Role.COMMUNITY_STAFF, community, live=False)
    for i, grid in enumerate(b.plan.grids, start=1):
        branch = b.party(PartyOrg.Kind.BRANCH, f"南关社区第{cn_number(i)}网格党支部", committee, grid=grid)
        b.holder(Role.GRID_HEAD, grid, live=False)  # 专职网格长
        b.holder(Role.BRANCH_SECRETARY, branch, prefer_party=True)
    for micro in b.plan.micro_grids:
        b.holder(Role.MICRO_GRID_HEAD, micro)
    return b.flush()


def build_litang(community: Node, demo_users: dict[str, User]) -> Plan:
    """栗塘社区 (seed 002): 南国新家园小区, 8 buildings of 2–3 units (the 红棟力 subjects), 三长,
    小区党支部 under the community's 党总支."""
    b = Builder(community, prefix="lt", short="栗塘社区", phone_block=3, demo_users=demo_users)
    units_per_building = [3, 2, 3, 2, 2, 3, 2, 3]
    compound, buildings, units, hh = b.estate("南国新家园小区", [(u, 12, 2) for u in units_per_building])
    unit_households = [[s for s in hh if s[0] is u] for bu in units for u in bu]
    # Grid one: buildings 1–4, grid two: 5–8; every unit is a micro-grid.
    split = sum(units_per_building[:4])
    b.grids([unit_households[:split], unit_households[split:]],
            micro_names=lambda g, m: f"南国新家园第{g}网格第{m}微网格")
    committee = b.party(PartyOrg.Kind.COMMITTEE, "中共栗塘社区总支部委员会", node=community)
    branch = b.party(PartyOrg.Kind.BRANCH, "南国新家园小区党支部", committee, node=compound)
    for bld in buildings:
        b.party(PartyOrg.Kind.GROUP, f"南国新家园{bld.name}党小组", branch, node=bld)
    b.holder(Role.COMMUNITY_SECRETARY, community, live=False)
    b.holder(Role.COMMUNITY_STAFF, community, live=False, user="demo_litang")
    for grid in b.plan.grids:
        b.holder(Role.GRID_WORKER, grid, live=False)
    b.holder(Role.BRANCH_SECRETARY, branch, prefer_party=True)
    b.holder(Role.COMPOUND_HEAD, compound, prefer_party=True)
    for bld in buildings:
        b.holder(Role.BUILDING_HEAD, bld)
    micro_iter = iter(b.plan.micro_grids)
    for bu in units:
        for unit in bu:
            head = b.holder(Role.UNIT_HEAD, unit)
            b.holder(Role.MICRO_GRID_HEAD, next(micro_iter), user=head)
            b.plan.holders.pop()
    return b.flush()


_LANGZHONG_ESTATES = {
    NANJIE: [("锦屏花园小区", [(2, 12, 2)] * 4), ("南街老街院落", [(0, 8, 2)] * 6), ("华光楼小区", [(2, 10, 2)] * 3),
             ("嘉陵江畔小区", [(3, 12, 2)] * 4)],
    NEIDONGJIE: [("内东街院落", [(0, 6, 2)] * 5), ("贡院小区", [(2, 10, 2)] * 3)],
    SHUYUANJIE: [("书院街小区", [(2, 12, 2)] * 3), ("学道街院落", [(0, 6, 2)] * 4)],
}


def build_langzhong(community: Node, demo_users: dict[str, User]) -> Plan:
    """阆中 南街 / 内东街 / 书院街社区 (seed 003): 三长共治 — a 小区长 on every compound, a 楼栋长 on
    every building and a 单元长 on every unit; 社区党委—小区党支部—楼栋党小组—党员中心户;
    a property company with its own party organisation (南街)."""
    code = community.code
    short = {NANJIE: "南街社区", NEIDONGJIE: "内东街社区", SHUYUANJIE: "书院街社区"}[code]
    prefix = {NANJIE: "nj", NEIDONGJIE: "ndj", SHUYUANJIE: "syj"}[code]
    block = {NANJIE: 4, NEIDONGJIE: 6, SHUYUANJIE: 7}[code]
    b = Builder(community, prefix=prefix, short=short, phone_block=block, demo_users=demo_users)
    estates = []
    hh: list[HouseholdSpec] = []
    for name, buildings in _LANGZHONG_ESTATES[code]:
        compound, blds, units, specs = b.estate(name, buildings)
        estates.append((compound, blds, units))
        hh.extend(specs)
    # One micro-grid per unit (or per building without units); grids by compound, the big ones split.
    groups = []
    for _compound, blds, units in estates:
        places = [u for bu in units for u in bu] or blds
        micro = [[s for s in hh if s[0] is p] for p in places]
        groups.extend(chunks(micro, 2) if len(micro) > 8 else [micro])
    tags = DEFAULT_TAGS + ("民情走访", "政策宣传", "综合服务")
    b.grids(groups, tags=tags)
    committee = b.party(PartyOrg.Kind.COMMITTEE, f"中共{short}委员会", node=community)
    b.holder(Role.COMMUNITY_SECRETARY, community, live=False)
    for grid in b.plan.grids:
        b.holder(Role.GRID_WORKER, grid, live=False)
    first = code == NANJIE
    for ci, (compound, blds, units) in enumerate(estates):
        branch = b.party(PartyOrg.Kind.BRANCH, f"{compound.name}党支部", committee, node=compound)
        b.holder(Role.BRANCH_SECRETARY, branch, prefer_party=True)
        b.holder(Role.COMPOUND_HEAD, compound, prefer_party=True, user="demo_compound" if first and ci == 0 else None)
        for bi, bld in enumerate(blds):
            group = b.party(PartyOrg.Kind.GROUP, f"{compound.name}{bld.name}党小组", branch, node=bld)
            central = next(h for h in b.plan.households if h.node_path.startswith(bld.path))
            b.party(PartyOrg.Kind.CENTRAL_HOUSEHOLD, f"{compound.name}{bld.name}党员中心户（{central.number}）",
                    group, household=central)
            b.plan.party_households.append(central)
            b.holder(Role.BUILDING_HEAD, bld, user="demo_building" if first and ci == 0 and bi == 0 else None)
            for ui, unit in enumerate(units[bi]):
                b.holder(Role.UNIT_HEAD, unit, user="demo_unit" if first and ci == 0 and bi == 0 and ui == 0 else None)
    # Every micro-grid gets a head: the unit head where the micro-grid is a unit, else a new 联户长.
    unit_heads = {ra.node_id: ra.user for ra in b._assignments if ra.role == Role.UNIT_HEAD}
    for micro in b.plan.micro_grids:
        place = next(h.node for h in b.plan.households if h.micro_grid is micro)
        if place.pk in unit_heads:
            b.holder(Role.MICRO_GRID_HEAD, micro, user=unit_heads[place.pk])
            b.plan.holders.pop()
        else:
            b.holder(Role.MICRO_GRID_HEAD, micro)
    if first:
        # The property company's own party branch (红色物业); the company itself is in demo.people.
        b.party(PartyOrg.Kind.BRANCH, "阆中锦城物业服务有限公司党支部", committee, node=estates[0][0])
    return b.flush()


def build_guanyan(community: Node, demo_users: dict[str, User]) -> Plan:
    """官堰社区 (seed 004): 12 grids and exactly 150 micro-grids (十户一联; a building or unit for
    high-rises), each with a 微网格长/联户长; compounds plus scattered lanes."""
    b = Builder(community, prefix="gy", short="官堰社区", phone_block=5, demo_users=demo_users)
    hh: list[HouseholdSpec] = []
    for name, buildings in [
        ("云中仙居小区", [(2, 22, 2)] * 8), ("银河星座小区", [(2, 18, 2)] * 4),
        ("物资储运家属区", [(2, 12, 2)] * 8), ("高店居民点", [(3, 10, 2)] * 12),
        ("西区居民点", [(3, 12, 2)] * 8), ("官堰花园小区", [(2, 12, 2)] * 10),
    ]:
        *_, specs = b.estate(name, buildings)
        hh.extend(specs)
    _, lane_hh = b.lanes([("官堰北巷", 50), ("官堰南巷", 40), ("慈孝巷", 40)], (1, 4))
    hh.extend(lane_hh)
    micro_parts = chunks(hh, 150)
    per_grid = [13] * 6 + [12] * 6
    layout, start = [], 0
    for n in per_grid:
        layout.append(micro_parts[start:start + n])
        start += n
    b.grids(layout)
    b.plan.reserved_households = [b.plan.households[0]]  # see demo_resident_household()
    committee = b.party(PartyOrg.Kind.COMMITTEE, "中共官堰社区委员会", node=community)
    b.holder(Role.COMMUNITY_SECRETARY, community, live=False, user="demo_secretary")
    b.holder(Role.COMMUNITY_STAFF, community, live=False, user="demo_community")
    for i, grid in enumerate(b.plan.grids, start=1):
        branch = b.party(PartyOrg.Kind.BRANCH, f"官堰社区第{cn_number(i)}网格党支部", committee, grid=grid)
        b.holder(Role.GRID_HEAD, grid, live=False)
        b.holder(Role.GRID_WORKER, grid, live=False, user="demo_grid" if i == 1 else None)
        b.holder(Role.BRANCH_SECRETARY, branch, prefer_party=True)
    for micro in b.plan.micro_grids:
        b.holder(Role.MICRO_GRID_HEAD, micro, user="demo_micro" if micro.code == "01-01" else None)
    return b.flush()


COMMUNITIES: tuple[tuple[str, Callable[[Node, dict[str, User]], Plan]], ...] = (
    (CHANGGOU, build_changgou),
    (NANGUAN, build_nanguan),
    (LITANG, build_litang),
    (NANJIE, build_langzhong),
    (NEIDONGJIE, build_langzhong),
    (SHUYUANJIE, build_langzhong),
    (GUANYAN, build_guanyan),
)


# --- the demo accounts' roles (re-asserted on every run) ------------------------------------------


def demo_resident_household() -> Household | None:
    """The demo resident's household: the first one created in 官堰's micro-grid 01-01."""
    community = node_by_code(GUANYAN)
    return (Household.objects.filter(micro_grid__community=community, micro_grid__code="01-01")
            .order_by("id").first())


@transaction.atomic
def ensure_demo_roles(users: dict[str, User]) -> None:
    """Make sure each demo account holds its role, whatever earlier runs left behind."""
    guanyan, nanjie, changgou, litang = (node_by_code(c) for c in (GUANYAN, NANJIE, CHANGGOU, LITANG))
    street = node_by_code(BAIMIAO_STREET)
    wanted: list[tuple[str, str, object]] = []
    if street:
        wanted.append(("demo_street", Role.STREET_STAFF, street))
    if guanyan:
        wanted += [("demo_secretary", Role.COMMUNITY_SECRETARY, guanyan), ("demo_community", Role.COMMUNITY_STAFF, guanyan)]
        grid = Grid.objects.filter(community=guanyan, code="01").first()
        micro = Grid.objects.filter(community=guanyan, code="01-01").first()
        if grid:
            wanted.append(("demo_grid", Role.GRID_WORKER, grid))
        if micro:
            wanted.append(("demo_micro", Role.MICRO_GRID_HEAD, micro))
        hh = demo_resident_household()
        if hh:
            wanted.append(("demo_resident", Role.RESIDENT, hh))
    if litang:
        wanted.append(("demo_litang", Role.COMMUNITY_STAFF, litang))
    if nanjie:
        compound = Node.objects.filter(parent=nanjie, level=Level.COMPOUND, name="锦屏花园小区").first()
        if compound:
            building = Node.objects.filter(parent=compound, name="1栋").first()
            unit = Node.objects.filter(parent=building, name="1单元").first() if building else None
            wanted += [("demo_compound", Role.COMPOUND_HEAD, compound)]
            if building:
                wanted.append(("demo_building", Role.BUILDING_HEAD, building))
            if unit:
                wanted.append(("demo_unit", Role.UNIT_HEAD, unit))
    if changgou:
        branch = PartyOrg.objects.filter(name="长沟新村小区党支部", node__parent=changgou).first()
        if branch:
            wanted.append(("demo_branch", Role.BRANCH_SECRETARY, branch))
    for username, role, target in wanted:
        field_name = {"Node": "node", "Grid": "grid", "PartyOrg": "party_org", "Household": "household"}[
            type(target).__name__]
        ra = RoleAssignment.objects.filter(user=users[username], role=role, **{field_name: target}).first()
        if ra is None:
            RoleAssignment.objects.create(user=users[username], role=role, start_date=ROLE_START, **{field_name: target})
        elif ra.end_date is not None:
            RoleAssignment.objects.filter(pk=ra.pk).update(end_date=None)
