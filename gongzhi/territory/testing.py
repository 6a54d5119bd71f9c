"""A small, complete world for tests: two communities under one street, grids, households and one
user per role. Other apps' tests build on it (`world` fixture in the root conftest)."""

import itertools
from dataclasses import dataclass, field

from gongzhi.accounts.models import User

from .models import Grid, Household, Level, Node, Role, RoleAssignment
from .services import next_child_path

_seq = itertools.count(1)


def make_user(username: str | None = None, *, name: str = "", password: str = "Gongzhi-2026", **extra) -> User:
    username = username or f"user{next(_seq)}"
    user = User(username=username, name=name or username, **extra)
    user.set_password(password)
    user.save()
    return user


def make_node(parent: Node | None, level: str, name: str, code: str | None = None) -> Node:
    path = next_child_path(parent)
    return Node.objects.create(path=path, depth=len(path) // 4, parent=parent, level=level, name=name, code=code)


def make_grid(community: Node, code: str, name: str, parent: Grid | None = None) -> Grid:
    return Grid.objects.create(community=community, parent=parent, kind="micro" if parent else "grid", code=code, name=name)


def make_household(node: Node, micro_grid: Grid, number: str) -> Household:
    return Household.objects.create(node=node, node_path=node.path, micro_grid=micro_grid, number=number,
                                    address=f"{node.name}{number}")


def assign(user: User, role: str, target) -> RoleAssignment:
    field_name = {"Node": "node", "Grid": "grid", "PartyOrg": "party_org", "Household": "household"}[type(target).__name__]
    return RoleAssignment.objects.create(user=user, role=role, **{field_name: target})


@dataclass
class World:
    street: Node
    community_a: Node
    community_b: Node
    compound_a: Node
    building_a1: Node
    unit_a1_1: Node
    building_b1: Node
    grid_a1: Grid
    grid_a2: Grid
    micro_a1_1: Grid
    micro_a2_1: Grid
    grid_b1: Grid
    micro_b1_1: Grid
    hh_a1: Household  # grid A1
    hh_a2: Household  # grid A2
    hh_b1: Household  # community B
    users: dict[str, User] = field(default_factory=dict)


def build_world() -> World:
    prov = make_node(None, Level.PROVINCE, "测试省", "990000000000")
    city = make_node(prov, Level.CITY, "测试市", "990100000000")
    county = make_node(city, Level.COUNTY, "测试区", "990101000000")
    street = make_node(county, Level.STREET, "测试街道", "990101001000")
    ca = make_node(street, Level.COMMUNITY, "甲社区", "990101001001")
    cb = make_node(street, Level.COMMUNITY, "乙社区", "990101001002")
    compound = make_node(ca, Level.COMPOUND, "幸福小区")
    b1 = make_node(compound, Level.BUILDING, "1栋")
    u1 = make_node(b1, Level.UNIT, "1单元")
    bb1 = make_node(cb, Level.BUILDING, "乙1栋")
    g1 = make_grid(ca, "01", "甲第一网格")
    g2 = make_grid(ca, "02", "甲第二网格")
    m11 = make_grid(ca, "01-01", "甲1-1微网格", parent=g1)
    m21 = make_grid(ca, "02-01", "甲2-1微网格", parent=g2)
    gb = make_grid(cb, "01", "乙第一网格")
    mb = make_grid(cb, "01-01", "乙1-1微网格", parent=gb)
    hh_a1 = make_household(u1, m11, "101")
    hh_a2 = make_household(u1, m21, "102")
    hh_b1 = make_household(bb1, mb, "201")
    w = World(street, ca, cb, compound, b1, u1, bb1, g1, g2, m11, m21, gb, mb, hh_a1, hh_a2, hh_b1)
    roles = {
        "street": (Role.STREET_STAFF, street),
        "community_a": (Role.COMMUNITY_STAFF, ca),
        "community_b": (Role.COMMUNITY_STAFF, cb),
        "grid_a1": (Role.GRID_WORKER, g1),
        "grid_a2": (Role.GRID_WORKER, g2),
        "micro_a1": (Role.MICRO_GRID_HEAD, m11),
        "building_a1": (Role.BUILDING_HEAD, b1),
        "unit_a1": (Role.UNIT_HEAD, u1),
        "resident_a1": (Role.RESIDENT, hh_a1),
    }
    for key, (role, target) in roles.items():
        user = make_user(key, name=f"{key}人员")
        assign(user, role, target)
        w.users[key] = user
    w.users["nobody"] = make_user("nobody", name="无角色")
    w.users["auditor"] = make_user("auditor", name="审计员", is_auditor=True)
    w.users["admin"] = make_user("admin", name="管理员", is_superuser=True, is_staff=True)
    return w
