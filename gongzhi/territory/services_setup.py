"""Setting a community up from zero: places in bulk, moving and retiring places, grids and
micro-grids, assigning households to micro-grids, accounts for the people staff appoint.

Every function here is one use case: in a transaction, permission-checked with `can_manage_node`,
validated, and audited like the rest of services.py (which these build on)."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from gongzhi.accounts.models import AuditLog, User
from gongzhi.accounts.services import audit_record
from gongzhi.core.natsort import natural_key
from gongzhi.core.paths import UPPER

from .models import CHILD_LEVELS, FunctionTag, Grid, Household, Level, Node, RoleAssignment
from .permissions import can_manage_node
from .scoping import scope_for
from .services import community_of, default_address, next_child_path, node_add

# A street's largest estates have a few hundred buildings; a bigger request is a typing mistake.
MAX_BUILDINGS, MAX_UNITS, MAX_FLOORS, MAX_FLATS = 300, 20, 60, 20
MAX_HOUSEHOLDS = 20_000
GROUP_SIZE_MIN, GROUP_SIZE_MAX = 2, 50


@dataclass(frozen=True)
class BuildPlan:
    """「19 栋 × 2 单元 × 6 层 × 2 户」: what `place_build` will create, for the preview."""

    compound: str
    buildings: int
    units: int
    floors: int
    flats: int
    first_building: int = 1

    @property
    def n_units(self) -> int:
        return self.buildings * self.units

    @property
    def n_households(self) -> int:
        return self.n_units * self.floors * self.flats

    def building_names(self) -> list[str]:
        return [_("%(n)s栋") % {"n": i} for i in range(self.first_building, self.first_building + self.buildings)]

    def unit_names(self) -> list[str]:
        return [_("%(n)s单元") % {"n": i} for i in range(1, self.units + 1)] if self.units else []

    def numbers(self) -> list[str]:
        """Room numbers floor by floor: 101, 102 … 601, 602 (floor, then a two-digit flat)."""
        return [f"{f}{k:02d}" for f in range(1, self.floors + 1) for k in range(1, self.flats + 1)]

    def sample_addresses(self) -> list[str]:
        units = self.unit_names() or [""]
        nums = self.numbers()
        b = self.building_names()
        out = [f"{self.compound}{b[0]}{units[0]}{nums[0]}", f"{self.compound}{b[0]}{units[0]}{nums[-1]}"]
        if len(b) > 1 or len(units) > 1:
            out.append(f"{self.compound}{b[-1]}{units[-1]}{nums[-1]}")
        return out


def build_plan_check(plan: BuildPlan) -> None:
    errors = {}
    for field, value, hi in (("buildings", plan.buildings, MAX_BUILDINGS), ("units", plan.units, MAX_UNITS),
                             ("floors", plan.floors, MAX_FLOORS), ("flats", plan.flats, MAX_FLATS)):
        lo = 0 if field == "units" else 1
        if not lo <= value <= hi:
            errors[field] = [_("请填写%(lo)s至%(hi)s之间的整数") % {"lo": lo, "hi": hi}]
    if not 1 <= plan.first_building <= 9999:
        errors["first_building"] = [_("请填写1至9999之间的整数")]
    if not errors and plan.n_households > MAX_HOUSEHOLDS:
        errors["buildings"] = [_("一次最多生成%(m)s户，请分批生成") % {"m": MAX_HOUSEHOLDS}]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def place_build(*, actor, community: Node, plan: BuildPlan, micro_grid: Grid, request=None) -> dict:
    """Create a compound (or use the one of that name), its buildings and units, and every household,
    all in `micro_grid` (to be cut into finer micro-grids afterwards). One audit row for the batch."""
    if community.level != Level.COMMUNITY:
        raise ValidationError(_("只能在社区/村下生成楼栋"))
    if not can_manage_node(actor, community):
        raise PermissionDenied
    build_plan_check(plan)
    if micro_grid.kind != Grid.Kind.MICRO or micro_grid.community_id != community.pk:
        raise ValidationError({"micro_grid": [_("请选择本社区的一个微网格")]})
    parent = community
    created_nodes = 0
    if plan.compound:
        parent = Node.objects.filter(parent=community, name=plan.compound).first()
        if parent is not None and parent.level != Level.COMPOUND:
            raise ValidationError({"compound": [_("“%(n)s”已是本社区的%(l)s，不是小区") % {
                "n": plan.compound, "l": parent.get_level_display()}]})
        if parent is None:
            parent = node_add(actor=actor, parent=community, level=Level.COMPOUND, name=plan.compound)
            created_nodes += 1
    taken = set(Node.objects.filter(parent=parent).values_list("name", flat=True))
    clash = [b for b in plan.building_names() if b in taken]
    if clash:
        raise ValidationError({"first_building": [_("已有同名楼栋：%(b)s，请调整起始楼号") % {"b": "、".join(clash[:5])}]})
    households = []
    numbers = plan.numbers()
    for b_name in plan.building_names():
        building = node_add(actor=actor, parent=parent, level=Level.BUILDING, name=b_name)
        created_nodes += 1
        places = [building]
        if plan.units:
            places = [node_add(actor=actor, parent=building, level=Level.UNIT, name=u) for u in plan.unit_names()]
            created_nodes += len(places)
        for place in places:
            prefix = default_address(place, "")
            households += [Household(node=place, node_path=place.path, micro_grid=micro_grid, number=n,
                                     address=prefix + n) for n in numbers]
    Household.objects.bulk_create(households, batch_size=1000)
    summary = {"compound": plan.compound, "buildings": plan.buildings, "units": plan.units,
               "floors": plan.floors, "flats": plan.flats, "nodes": created_nodes, "households": len(households),
               "micro_grid": micro_grid.pk}
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=parent, detail={"build": summary},
                 request=request)
    return summary


def _check_same_community(actor, node: Node) -> Node:
    if node.level in (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.STREET, Level.COMMUNITY):
        raise ValidationError(_("区划节点按国家区划代码导入，不能在此移动或撤销"))
    if not can_manage_node(actor, node):
        raise PermissionDenied
    community = community_of(node)
    if community is None:
        raise ValidationError(_("该位置不在任何社区之下"))
    return community


@transaction.atomic
def node_move(*, actor, node: Node, new_parent: Node, request=None) -> Node:
    """Move a compound, building or unit under another place of the same community; the node, its
    subtree and every copy of their paths (households, tickets …) are re-pathed in the same transaction."""
    from .divisions import _move_subtree  # the one re-pathing routine, shared with the division import

    node = Node.objects.select_for_update().get(pk=node.pk)
    community = _check_same_community(actor, node)
    new_parent = Node.objects.select_for_update().get(pk=new_parent.pk)
    if not (new_parent.path == community.path or new_parent.path.startswith(community.path)):
        raise ValidationError({"parent": [_("只能在本社区内移动")]})
    if new_parent.path.startswith(node.path):
        raise ValidationError({"parent": [_("不能移到自己或自己的下级之下")]})
    if node.level not in CHILD_LEVELS[Level(new_parent.level)]:
        raise ValidationError({"parent": [_("“%(p)s”下不能放“%(c)s”") % {
            "p": new_parent.get_level_display(), "c": node.get_level_display()}]})
    if new_parent.pk == node.parent_id:
        return node
    if Node.objects.filter(parent=new_parent, name=node.name).exists():
        raise ValidationError({"parent": [_("目标位置下已有同名的“%(n)s”") % {"n": node.name}]})
    old_path, old_parent = node.path, node.parent_id
    new_path = next_child_path(new_parent)
    Node.objects.filter(pk=node.pk).update(parent=new_parent)
    with connection.cursor() as cur:
        _move_subtree(cur, old_path, new_path)
    # Addresses are copies of the place names: rewrite those of the moved households.
    for hh in Household.objects.filter(node_path__gte=new_path, node_path__lt=new_path + UPPER).select_related("node"):
        hh.address = default_address(hh.node, hh.number)
        hh.save(update_fields=["address", "updated_at"])
    node.refresh_from_db()
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=node, request=request,
                 detail={"move": {"parent": [old_parent, new_parent.pk], "path": [old_path, node.path]}})
    return node


@transaction.atomic
def node_retire(*, actor, node: Node, request=None) -> None:
    """Remove a compound, building or unit (and the empty places below it) that no household lives in
    and nothing else points to."""
    node = Node.objects.select_for_update().get(pk=node.pk)
    _check_same_community(actor, node)
    if Household.objects.filter(node_path__gte=node.path, node_path__lt=node.path + UPPER).exists():
        raise ValidationError(_("该位置下还有住户，不能撤销；请先把住户迁到别处"))
    subtree = list(Node.objects.filter(path__gte=node.path, path__lt=node.path + UPPER).order_by("-depth"))
    if RoleAssignment.objects.filter(node__in=subtree).exists():
        raise ValidationError(_("该位置上还有人任职（如楼栋长），请先办理卸任"))
    try:
        with transaction.atomic():
            for n in subtree:  # deepest first: PROTECT keeps a parent until its children are gone
                n.delete()
    except ProtectedError:
        raise ValidationError(_("该位置仍被诉求、组织或其他记录引用，不能撤销")) from None
    audit_record(actor=actor, action=AuditLog.Action.DELETE, target_type="territory.node", target_id=node.pk,
                 label=node.name, detail={"retired": len(subtree), "path": node.path}, request=request)


# --- grids ---------------------------------------------------------------------------------------

# 多网合一 / 全科网格: the duties a grid usually carries, offered until an installation has its own.
STANDARD_TAGS = ("党建", "综治", "民情走访", "政策宣传", "平安建设", "城市管理", "民政服务", "应急管理")


def function_tags(actor, names: str) -> list[FunctionTag]:
    """The tags named in `names` (separated by 、 , ， or spaces), created if new (audited)."""
    import re

    out = []
    for name in dict.fromkeys(n.strip() for n in re.split(r"[、,，;；\s]+", names or "") if n.strip()):
        if len(name) > 30:
            raise ValidationError({"new_tags": [_("职能名称不能超过30个字")]})
        tag, created = FunctionTag.objects.get_or_create(name=name)
        if created:
            audit_record(actor=actor, action=AuditLog.Action.CREATE, target=tag)
        out.append(tag)
    return out

@transaction.atomic
def grid_update(*, actor, grid: Grid, name: str, tags=(), note: str = "", request=None) -> Grid:
    grid = Grid.objects.select_for_update().select_related("community").get(pk=grid.pk)
    if not can_manage_node(actor, grid.community):
        raise PermissionDenied
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("请填写名称")]})
    before = {"name": grid.name, "note": grid.note, "tags": sorted(grid.tags.values_list("name", flat=True))}
    grid.name, grid.note = name, (note or "").strip()[:200]
    grid.save(update_fields=["name", "note", "updated_at"])
    grid.tags.set(tags)
    after = {"name": grid.name, "note": grid.note, "tags": sorted(t.name for t in tags)}
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=grid, request=request,
                 detail={"before": before, "after": after})
    return grid


def _check_micro(actor, micro_grid: Grid) -> None:
    if micro_grid.kind != Grid.Kind.MICRO:
        raise ValidationError({"micro_grid": [_("户只能归入微网格")]})
    if not can_manage_node(actor, micro_grid.community):
        raise PermissionDenied


@transaction.atomic
def households_assign(*, actor, place: Node, micro_grid: Grid, request=None) -> int:
    """Put every household under `place` (a building, unit or compound) into `micro_grid` in one
    statement: each household moves from one micro-grid to the other, never into none."""
    _check_micro(actor, micro_grid)
    if not can_manage_node(actor, place):
        raise PermissionDenied
    if community_of(place) is None or community_of(place).pk != micro_grid.community_id:
        raise ValidationError({"place": [_("所选位置与微网格不在同一个社区")]})
    qs = Household.objects.filter(node_path__gte=place.path, node_path__lt=place.path + UPPER)
    n = qs.exclude(micro_grid=micro_grid).update(micro_grid=micro_grid)
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=micro_grid, request=request,
                 detail={"assign": {"place": place.pk, "households": n}})
    return n


@transaction.atomic
def households_group(*, actor, grid: Grid, place: Node, size: int = 10, request=None) -> list[Grid]:
    """十户一联: cut the households under `place` (in address order) into groups of `size` and make each
    group a new micro-grid of `grid`, coded <grid code>-NN after the ones it has. Returns the new ones."""
    grid = Grid.objects.select_for_update().select_related("community").get(pk=grid.pk)
    if grid.kind != Grid.Kind.GRID:
        raise ValidationError({"grid": [_("请选择一个网格（不是微网格）")]})
    if not (can_manage_node(actor, grid.community) and can_manage_node(actor, place)):
        raise PermissionDenied
    if not GROUP_SIZE_MIN <= size <= GROUP_SIZE_MAX:
        raise ValidationError({"size": [_("每组户数应在%(a)s至%(b)s之间") % {"a": GROUP_SIZE_MIN, "b": GROUP_SIZE_MAX}]})
    community = community_of(place)
    if community is None or community.pk != grid.community_id:
        raise ValidationError({"place": [_("所选位置与网格不在同一个社区")]})
    rows = list(Household.objects.filter(node_path__gte=place.path, node_path__lt=place.path + UPPER)
                .values_list("pk", "node_path", "number"))
    if not rows:
        raise ValidationError({"place": [_("所选位置下还没有住户")]})
    rows.sort(key=lambda r: (r[1], natural_key(r[2])))
    taken = set(Grid.objects.filter(community=grid.community).values_list("code", flat=True))
    made, seq = [], 0
    for i in range(0, len(rows), size):
        seq += 1
        while f"{grid.code}-{seq:02d}" in taken:
            seq += 1
        code = f"{grid.code}-{seq:02d}"
        micro = Grid.objects.create(community=grid.community, parent=grid, kind=Grid.Kind.MICRO, code=code,
                                    name=_("%(g)s第%(n)s联户") % {"g": grid.name, "n": seq})
        Household.objects.filter(pk__in=[r[0] for r in rows[i:i + size]]).update(micro_grid=micro)
        made.append(micro)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=grid, request=request,
                 detail={"groups": {"place": place.pk, "size": size, "households": len(rows),
                                    "micro_grids": [m.code for m in made]}})
    return made


# --- accounts for the people staff appoint --------------------------------------------------------

def can_open_accounts(user) -> bool:
    return scope_for(user).staff


@transaction.atomic
def account_open(*, actor, username: str, name: str, phone: str = "", password: str, request=None) -> User:
    """An account for a person staff are about to appoint (street staff, a grid worker …). The person
    changes the password at first login (the page tells staff to hand it over in person)."""
    from django.contrib.auth.password_validation import validate_password

    from gongzhi.core.validators import normalize_phone, validate_mobile

    if not can_open_accounts(actor):
        raise PermissionDenied
    username, name = (username or "").strip(), (name or "").strip()
    errors = {}
    if not username:
        errors["username"] = [_("请填写用户名")]
    elif User.objects.filter(username=username).exists():
        errors["username"] = [_("用户名已被使用")]
    if not name:
        errors["name"] = [_("请填写姓名")]
    phone = normalize_phone(phone) if phone else ""
    if phone:
        try:
            validate_mobile(phone)
        except ValidationError as e:
            errors["phone"] = e.messages
        else:
            if User.objects.filter(phone=phone).exists():
                errors["phone"] = [_("该手机号已绑定其他账号")]
    user = User(username=username, name=name, phone=phone or None)
    try:
        validate_password(password, user)
    except ValidationError as e:
        errors["password"] = e.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError({"username": [_("用户名或手机号已被使用")]}) from None
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=user, request=request)
    return user
