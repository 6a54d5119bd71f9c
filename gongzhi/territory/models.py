"""The territory: one tree from province to unit, households under it, grids over it, the party
organisation tree beside it, and who holds which role on which of them."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import TimeStamped
from gongzhi.core.paths import PathField


class Level(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("区县")
    STREET = "street", _("街道/乡镇")
    COMMUNITY = "community", _("社区/村")
    COMPOUND = "compound", _("小区")
    BUILDING = "building", _("楼栋")
    UNIT = "unit", _("单元")


LEVEL_ORDER = [Level.PROVINCE, Level.CITY, Level.COUNTY, Level.STREET, Level.COMMUNITY,
               Level.COMPOUND, Level.BUILDING, Level.UNIT]
ADMIN_LEVELS = LEVEL_ORDER[:5]
# Which level may sit under which. A community may hold buildings directly (scattered housing
# "散在的居民户") and a compound may hold units directly only through a building.
CHILD_LEVELS = {
    Level.PROVINCE: {Level.CITY},
    Level.CITY: {Level.COUNTY},
    Level.COUNTY: {Level.STREET},
    Level.STREET: {Level.COMMUNITY},
    Level.COMMUNITY: {Level.COMPOUND, Level.BUILDING},
    Level.COMPOUND: {Level.BUILDING},
    Level.BUILDING: {Level.UNIT},
    Level.UNIT: set(),
}
HOUSEHOLD_LEVELS = {Level.COMMUNITY, Level.COMPOUND, Level.BUILDING, Level.UNIT}


class Node(models.Model):
    """A place in the tree. Administrative levels carry the 12-digit statistical code."""

    path = PathField(max_length=64, unique=True)
    depth = models.PositiveSmallIntegerField()
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name=_("上级"))
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices)
    code = models.CharField(_("区划代码"), max_length=12, unique=True, null=True, blank=True)
    name = models.CharField(_("名称"), max_length=100)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("区划节点")
        verbose_name_plural = _("区划节点")
        ordering = ["path"]
        indexes = [models.Index(fields=["parent", "name"]), models.Index(fields=["level", "name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_admin_level(self) -> bool:
        return self.level in ADMIN_LEVELS


class FunctionTag(models.Model):
    """A duty a grid carries (多网合一 / 全科网格): 党建, 综治, 民情走访, 政策宣传, 平安建设 …"""

    name = models.CharField(_("名称"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("网格职能")
        verbose_name_plural = _("网格职能")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Grid(TimeStamped):
    class Kind(models.TextChoices):
        GRID = "grid", _("网格")
        MICRO = "micro", _("微网格")

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="grids", verbose_name=_("所属社区"))
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="micro_grids",
                               verbose_name=_("所属网格"))
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    code = models.CharField(_("编号"), max_length=20)
    name = models.CharField(_("名称"), max_length=100)
    tags = models.ManyToManyField(FunctionTag, blank=True, related_name="grids", verbose_name=_("职能"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["community_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="grid_code_unique_in_community"),
            models.CheckConstraint(
                condition=Q(kind="grid", parent__isnull=True) | Q(kind="micro", parent__isnull=False),
                name="grid_kind_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Household(TimeStamped):
    """A household 户 at an address. It is in exactly one micro-grid (NOT NULL, and services check the kind)."""

    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="households", verbose_name=_("所在位置"))
    node_path = PathField(max_length=64, db_index=True, editable=False)
    micro_grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="households",
                                   verbose_name=_("微网格"))
    number = models.CharField(_("门牌/房号"), max_length=40)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["node_path", "number"]
        constraints = [models.UniqueConstraint(fields=["node", "number"], name="household_number_unique_at_node")]

    def __str__(self) -> str:
        return self.address or self.number


class PartyOrg(TimeStamped):
    """社区党委 → 小区/网格党支部 → 楼栋党小组 → 党员中心户."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("社区党委/党总支")
        BRANCH = "branch", _("党支部")
        GROUP = "group", _("党小组")
        CENTRAL_HOUSEHOLD = "central", _("党员中心户")

    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name=_("上级组织"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    node = models.ForeignKey(Node, on_delete=models.PROTECT, null=True, blank=True, related_name="party_orgs",
                             verbose_name=_("所在区划"))
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="party_orgs",
                             verbose_name=_("所在网格"))
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="party_orgs", verbose_name=_("中心户"))

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    STREET_STAFF = "street_staff", _("街道工作人员")
    COMMUNITY_SECRETARY = "community_secretary", _("社区书记")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    GRID_HEAD = "grid_head", _("网格长")
    GRID_WORKER = "grid_worker", _("网格员")
    MICRO_GRID_HEAD = "micro_grid_head", _("微网格长（联户长）")
    AREA_HEAD = "area_head", _("片长")
    COMPOUND_HEAD = "compound_head", _("小区长")
    BUILDING_HEAD = "building_head", _("楼栋长")
    UNIT_HEAD = "unit_head", _("单元长")
    BRANCH_SECRETARY = "branch_secretary", _("支部书记")
    RESIDENT = "resident", _("居民")


# What each role is held on: target field -> allowed node levels or grid kinds or party-org kinds.
ROLE_TARGETS: dict[str, tuple[str, set[str]]] = {
    Role.STREET_STAFF: ("node", {Level.STREET}),
    Role.COMMUNITY_SECRETARY: ("node", {Level.COMMUNITY}),
    Role.COMMUNITY_STAFF: ("node", {Level.COMMUNITY}),
    Role.GRID_HEAD: ("grid", {Grid.Kind.GRID}),
    Role.GRID_WORKER: ("grid", {Grid.Kind.GRID}),
    Role.MICRO_GRID_HEAD: ("grid", {Grid.Kind.MICRO}),
    Role.AREA_HEAD: ("node", {Level.COMPOUND, Level.COMMUNITY}),
    Role.COMPOUND_HEAD: ("node", {Level.COMPOUND}),
    Role.BUILDING_HEAD: ("node", {Level.BUILDING}),
    Role.UNIT_HEAD: ("node", {Level.UNIT}),
    Role.BRANCH_SECRETARY: ("party_org", {PartyOrg.Kind.BRANCH, PartyOrg.Kind.COMMITTEE}),
    Role.RESIDENT: ("household", set()),
}
# Roles whose holders work for the community or street and may see full identity numbers.
STAFF_ROLES = {Role.STREET_STAFF, Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF}


class RoleAssignmentQuerySet(models.QuerySet):
    def active(self, on: datetime.date | None = None):
        on = on or timezone.localdate()
        return self.filter(Q(start_date__lte=on), Q(end_date__isnull=True) | Q(end_date__gte=on))


class RoleAssignment(TimeStamped):
    """A person holds a role on a node, grid, party organisation or household for a term."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_assignments",
                             verbose_name=_("人员"))
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    node = models.ForeignKey(Node, on_delete=models.PROTECT, null=True, blank=True, related_name="role_assignments",
                             verbose_name=_("区划"))
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="role_assignments",
                             verbose_name=_("网格"))
    party_org = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="role_assignments", verbose_name=_("党组织"))
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="role_assignments", verbose_name=_("户"))
    start_date = models.DateField(_("任期开始"), default=timezone.localdate)
    end_date = models.DateField(_("任期结束"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色任职")
        verbose_name_plural = _("角色任职")
        ordering = ["user_id", "role"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(node__isnull=False, grid__isnull=True, party_org__isnull=True, household__isnull=True)
                    | Q(node__isnull=True, grid__isnull=False, party_org__isnull=True, household__isnull=True)
                    | Q(node__isnull=True, grid__isnull=True, party_org__isnull=False, household__isnull=True)
                    | Q(node__isnull=True, grid__isnull=True, party_org__isnull=True, household__isnull=False)
                ),
                name="role_exactly_one_target",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="role_term_ordered",
            ),
        ]
        indexes = [models.Index(fields=["node", "role"]), models.Index(fields=["grid", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.target_label}"

    @property
    def target(self):
        return self.node or self.grid or self.party_org or self.household

    @property
    def target_label(self) -> str:
        t = self.target
        return str(t) if t is not None else ""
