"""Writes to the territory: nodes, grids, households, party organisations and role assignments."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import audit_record
from gongzhi.core.paths import ancestors_of, step, step_number

from .models import (
    CHILD_LEVELS,
    HOUSEHOLD_LEVELS,
    ROLE_TARGETS,
    STAFF_ROLES,
    Grid,
    Household,
    Level,
    Node,
    PartyOrg,
    Role,
    RoleAssignment,
)
from .permissions import can_manage_node


def next_child_path(parent: Node | None) -> str:
    if parent is None:
        last = Node.objects.filter(depth=1).order_by("-path").values_list("path", flat=True).first()
        prefix = ""
    else:
        last = (
            Node.objects.filter(parent=parent).order_by("-path").values_list("path", flat=True).first()
        )
        prefix = parent.path
    n = step_number(last[-4:]) + 1 if last else 1
    return prefix + step(n)


# Significant digits of the 12-digit statistical code at each administrative level.
CODE_DIGITS = {Level.PROVINCE: 2, Level.CITY: 4, Level.COUNTY: 6, Level.STREET: 9, Level.COMMUNITY: 12}


def _check_code(code: str, level: str, parent: Node | None) -> None:
    """A code is 12 digits, zero beyond its level's digits, and starts with the parent's digits."""
    digits = CODE_DIGITS.get(level)
    if digits is None:
        raise ValidationError({"code": [_("只有省至社区/村五级节点有区划代码")]})
    if len(code) != 12 or not code.isdigit() or code[digits:] != "0" * (12 - digits):
        raise ValidationError({"code": [_("区划代码应为12位数字，且本级以下各位为0")]})
    if parent is not None and parent.code:
        parent_digits = CODE_DIGITS[Level(parent.level)]
        if not code.startswith(parent.code[:parent_digits]):
            raise ValidationError({"code": [_("区划代码与上级代码不符")]})
    if Node.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("区划代码已存在")]})


@transaction.atomic
def node_add(*, actor, parent: Node | None, level: str, name: str, code: str | None = None) -> Node:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("请填写名称")]})
    if parent is None:
        if level != Level.PROVINCE:
            raise ValidationError({"level": [_("顶层只能是省级节点")]})
        if not actor.is_superuser:
            raise PermissionDenied
    else:
        parent = Node.objects.select_for_update().get(pk=parent.pk)
        if level not in CHILD_LEVELS[Level(parent.level)]:
            raise ValidationError(
                {"level": [_("“%(p)s”下不能添加“%(c)s”") % {"p": parent.get_level_display(), "c": Level(level).label}]}
            )
        if not can_manage_node(actor, parent):
            raise PermissionDenied
    if code:
        _check_code(code, level, parent)
    if parent is not None and Node.objects.filter(parent=parent, name=name).exists():
        raise ValidationError({"name": [_("同一上级下已有同名节点")]})
    path = next_child_path(parent)
    node = Node.objects.create(path=path, depth=len(path) // 4, parent=parent, level=level, name=name, code=code or None)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=node)
    return node


@transaction.atomic
def node_rename(*, actor, node: Node, name: str) -> Node:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("请填写名称")]})
    if not can_manage_node(actor, node):
        raise PermissionDenied
    old = node.name
    Node.objects.filter(pk=node.pk).update(name=name)
    node.name = name
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=node, detail={"name": [old, name]})
    return node


def community_of(node: Node) -> Node | None:
    """The community/village a node sits in (itself if it is one)."""
    if node.level == Level.COMMUNITY:
        return node
    return Node.objects.filter(path__in=ancestors_of(node.path), level=Level.COMMUNITY).first()


@transaction.atomic
def grid_create(*, actor, community: Node, code: str, name: str, parent: Grid | None = None,
                tags=(), note: str = "") -> Grid:
    if community.level != Level.COMMUNITY:
        raise ValidationError({"community": [_("网格只能划在社区/村之下")]})
    if not can_manage_node(actor, community):
        raise PermissionDenied
    code, name = (code or "").strip(), (name or "").strip()
    if not code or not name:
        raise ValidationError(_("请填写网格编号和名称"))
    if parent is not None and (parent.kind != Grid.Kind.GRID or parent.community_id != community.pk):
        raise ValidationError({"parent": [_("微网格必须属于本社区的一个网格")]})
    if Grid.objects.filter(community=community, code=code).exists():
        raise ValidationError({"code": [_("本社区已有编号为“%(c)s”的网格") % {"c": code}]})
    grid = Grid.objects.create(
        community=community, parent=parent, kind=Grid.Kind.MICRO if parent else Grid.Kind.GRID,
        code=code, name=name, note=note,
    )
    if tags:
        grid.tags.set(tags)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=grid)
    return grid


def check_household_place(node: Node, micro_grid: Grid) -> None:
    if node.level not in HOUSEHOLD_LEVELS:
        raise ValidationError({"node": [_("户只能登记在社区、小区、楼栋或单元之下")]})
    if micro_grid.kind != Grid.Kind.MICRO:
        raise ValidationError({"micro_grid": [_("户必须归入一个微网格，而不是网格")]})
    community = community_of(node)
    if community is None or micro_grid.community_id != community.pk:
        raise ValidationError({"micro_grid": [_("微网格与户不在同一个社区")]})


@transaction.atomic
def household_create(*, actor, node: Node, micro_grid: Grid, number: str, address: str = "",
                     note: str = "", audit: bool = True) -> Household:
    number = (number or "").strip()
    if not number:
        raise ValidationError({"number": [_("请填写门牌/房号")]})
    check_household_place(node, micro_grid)
    if not can_manage_node(actor, node):
        raise PermissionDenied
    if Household.objects.filter(node=node, number=number).exists():
        raise ValidationError({"number": [_("该位置已登记房号“%(n)s”") % {"n": number}]})
    hh = Household.objects.create(
        node=node, node_path=node.path, micro_grid=micro_grid, number=number,
        address=address or default_address(node, number), note=note,
    )
    if audit:
        audit_record(actor=actor, action=AuditLog.Action.CREATE, target=hh)
    return hh


def default_address(node: Node, number: str) -> str:
    """小区 + 楼栋 + 单元 + 房号, from the levels below the community."""
    parts = Node.objects.filter(path__in=ancestors_of(node.path)).exclude(
        level__in=[Level.PROVINCE, Level.CITY, Level.COUNTY, Level.STREET]
    ).order_by("path").values_list("name", flat=True)
    return "".join(parts) + number


@transaction.atomic
def household_move(*, actor, household: Household, node: Node | None = None, micro_grid: Grid | None = None) -> Household:
    hh = Household.objects.select_for_update().get(pk=household.pk)
    node = node or hh.node
    micro_grid = micro_grid or hh.micro_grid
    check_household_place(node, micro_grid)
    if not (can_manage_node(actor, hh.node) and can_manage_node(actor, node)):
        raise PermissionDenied
    before = {"node": hh.node_id, "micro_grid": hh.micro_grid_id}
    hh.node, hh.node_path, hh.micro_grid = node, node.path, micro_grid
    hh.save(update_fields=["node", "node_path", "micro_grid", "updated_at"])
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=hh,
                 detail={"before": before, "after": {"node": node.pk, "micro_grid": micro_grid.pk}})
    return hh


@transaction.atomic
def party_org_create(*, actor, kind: str, name: str, parent: PartyOrg | None = None, node: Node | None = None,
                     grid: Grid | None = None, household: Household | None = None) -> PartyOrg:
    place = node or (grid.community if grid else None) or (household.node if household else None)
    if place is None or not can_manage_node(actor, place):
        raise PermissionDenied
    expected_parent = {
        PartyOrg.Kind.COMMITTEE: None,
        PartyOrg.Kind.BRANCH: PartyOrg.Kind.COMMITTEE,
        PartyOrg.Kind.GROUP: PartyOrg.Kind.BRANCH,
        PartyOrg.Kind.CENTRAL_HOUSEHOLD: PartyOrg.Kind.GROUP,
    }[kind]
    if expected_parent is None and parent is not None:
        raise ValidationError({"parent": [_("社区党委没有上级组织")]})
    if expected_parent is not None and (parent is None or parent.kind != expected_parent):
        raise ValidationError({"parent": [_("“%(k)s”的上级必须是“%(p)s”") % {
            "k": PartyOrg.Kind(kind).label, "p": PartyOrg.Kind(expected_parent).label}]})
    if kind == PartyOrg.Kind.CENTRAL_HOUSEHOLD and household is None:
        raise ValidationError({"household": [_("党员中心户必须指定一户")]})
    org = PartyOrg.objects.create(kind=kind, name=(name or "").strip(), parent=parent, node=node, grid=grid,
                                  household=household)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=org)
    return org


def _target_node(target) -> Node | None:
    if isinstance(target, Node):
        return target
    if isinstance(target, Grid):
        return target.community
    if isinstance(target, Household):
        return target.node
    if isinstance(target, PartyOrg):
        return target.node or (target.grid.community if target.grid_id else None) or (
            target.household.node if target.household_id else None)
    return None


def check_role_target(role: str, target) -> str:
    """Raise unless `role` may be held on `target`; return the RoleAssignment field the target goes in."""
    field_name, allowed = ROLE_TARGETS[Role(role)]
    expected_type = {"node": Node, "grid": Grid, "party_org": PartyOrg, "household": Household}[field_name]
    kind = getattr(target, "level", None) or getattr(target, "kind", None)
    if not isinstance(target, expected_type) or (allowed and kind not in allowed):
        raise ValidationError(_("角色“%(r)s”不能任在这里") % {"r": Role(role).label})
    return field_name


def _may_appoint(actor, role: str, place: Node) -> bool:
    """Staff of the place's street or community appoint and relieve there. A staff post itself
    (社区工作人员, 社区书记 …) is given or ended only from above: by staff of an enclosing node, not by
    colleagues on the same node (a community cannot staff itself)."""
    if not can_manage_node(actor, place):
        return False
    if role not in STAFF_ROLES or actor.is_superuser:
        return True
    return place.parent is not None and can_manage_node(actor, place.parent)


@transaction.atomic
def role_assign(*, actor, user, role: str, target, start_date: datetime.date | None = None,
                end_date: datetime.date | None = None, note: str = "", request=None) -> RoleAssignment:
    """Give `user` the role on `target` (a Node, Grid, PartyOrg or Household) for a term."""
    field_name = check_role_target(role, target)
    place = _target_node(target)
    if place is None or not _may_appoint(actor, role, place):
        raise PermissionDenied
    start_date = start_date or timezone.localdate()
    if end_date and end_date < start_date:
        raise ValidationError({"end_date": [_("任期结束不能早于开始")]})
    overlapping = RoleAssignment.objects.filter(user=user, role=role, **{field_name: target}).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start_date))
    if end_date:
        overlapping = overlapping.filter(start_date__lte=end_date)
    if overlapping.exists():
        raise ValidationError(_("该人员已在此担任“%(r)s”，任期重叠") % {"r": Role(role).label})
    ra = RoleAssignment.objects.create(user=user, role=role, start_date=start_date, end_date=end_date, note=note,
                                       **{field_name: target})
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=ra, request=request)
    return ra


@transaction.atomic
def role_end(*, actor, assignment: RoleAssignment, end_date: datetime.date | None = None,
             request=None) -> RoleAssignment:
    place = _target_node(assignment.target)
    if place is None or not _may_appoint(actor, assignment.role, place):
        raise PermissionDenied
    end_date = end_date or timezone.localdate()
    if end_date < assignment.start_date:
        raise ValidationError({"end_date": [_("任期结束不能早于开始")]})
    RoleAssignment.objects.filter(pk=assignment.pk).update(end_date=end_date)
    assignment.end_date = end_date
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=assignment, detail={"end_date": str(end_date)},
                 request=request)
    return assignment
