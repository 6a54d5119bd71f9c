"""The category catalogue and the Open311 keys, kept by the people whose job it is.

Each street or community may keep its own catalogue (Category.area), starting from the standard
list below, which its staff copy and then change: street staff keep their street's and their
communities', community staff their community's. The rows without an area are the installation-wide
catalogue, kept by administrators, used where no area above a place keeps one (catalogue.area_for). Open311 keys belong to a community: its staff create
(the key is shown once, only its hash is stored) and revoke them."""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import audit_record
from gongzhi.territory.models import STAFF_ROLES, Level, Node, RoleAssignment
from gongzhi.territory.permissions import can_manage_node

from ..models import LEVEL_RANK, Category, HandlingLevel, Open311Key, hash_key

H = HandlingLevel
# The standard list (民生诉求常见分类): code, name, group, response h, resolve h, working days,
# default handling level, keywords. Copied into an installation's catalogue by catalogue_copy_standard.
STANDARD = [
    ("sanitation", "环境卫生", "环境", 24, 72, False, H.BUILDING, "垃圾 卫生 清扫 楼道"),
    ("parking", "停车秩序", "秩序", 24, 120, False, H.COMPOUND, "停车 车位 占道"),
    ("repair", "公共设施维修", "设施", 24, 120, True, H.GRID, "路灯 维修 门禁 电梯"),
    ("leak", "漏水渗水", "设施", 4, 48, False, H.BUILDING, "漏水 渗水 水管"),
    ("hazard", "安全隐患", "安全", 2, 24, False, H.GRID, "隐患 坠落 消防 电线"),
    ("dispute", "邻里纠纷", "调解", 24, 168, True, H.GRID, "纠纷 噪音 调解"),
    ("elderly", "养老助老", "服务", 24, 120, True, H.COMMUNITY, "老人 助餐 养老"),
    ("policy", "政策咨询", "服务", 24, 72, True, H.COMMUNITY, "政策 咨询 办事"),
    ("road", "道路交通", "市政", 24, 240, True, H.DEPARTMENT, "道路 井盖 交通"),
    ("opinion", "意见建议", "其他", 48, 240, True, H.COMMUNITY, "建议 意见"),
]
LEAK_ATTRIBUTES = [
    {"code": "floor", "datatype": "number", "required": False, "description": "楼层"},
    {"code": "severity", "datatype": "singlevaluelist", "required": True, "description": "严重程度",
     "values": [{"key": "low", "name": "轻微"}, {"key": "high", "name": "严重"}]},
]
MAX_HOURS = 24 * 365


CATALOGUE_LEVELS = (Level.STREET, Level.COMMUNITY)


def can_manage_catalogue(user, area: Node | None = None) -> bool:
    """May the user keep this area's catalogue (None: the installation-wide one, administrators only)?"""
    if user is None or not user.is_authenticated:
        return False
    if area is None:
        return user.is_superuser
    return area.level in CATALOGUE_LEVELS and can_manage_node(user, area)


def catalogue_home(user) -> Node | None:
    """The catalogue a user keeps by default: an administrator the installation-wide one (None), staff
    the street or community they are staff of (the street first). Anyone else: PermissionDenied."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied
    if user.is_superuser:
        return None
    ra = (RoleAssignment.objects.active().filter(user=user, role__in=STAFF_ROLES, node__level__in=CATALOGUE_LEVELS)
          .select_related("node").order_by("node__path").first())
    if ra is None:
        raise PermissionDenied
    return ra.node


def standard_rows():
    for i, (code, name, group, rh, sh, wd, level, kw) in enumerate(STANDARD):
        yield code, {"name": name, "group": group, "response_hours": rh, "resolve_hours": sh, "working_days": wd,
                     "default_level": level, "keywords": kw, "sort": i,
                     "attributes": LEAK_ATTRIBUTES if code == "leak" else []}


@transaction.atomic
def catalogue_copy_standard(*, actor, area: Node | None = None, request=None) -> list[Category]:
    """Add the standard categories the area's catalogue lacks (by code); existing ones are left as
    changed. From then on the places under the area file under its catalogue."""
    if not can_manage_catalogue(actor, area):
        raise PermissionDenied
    have = set(Category.objects.filter(area=area).values_list("code", flat=True))
    made = [Category.objects.create(area=area, code=code, **fields) for code, fields in standard_rows()
            if code not in have]
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target_type="tickets.category", label=_("标准分类"),
                 detail={"copied": [c.code for c in made], "area": area.pk if area else None}, request=request)
    return made


def _clean_category(data: dict) -> dict:
    errors = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = [_("请填写名称")]
    rh, sh = data.get("response_hours"), data.get("resolve_hours")
    for field, v in (("response_hours", rh), ("resolve_hours", sh)):
        if v is None or not 1 <= v <= MAX_HOURS:
            errors[field] = [_("请填写1至%(m)s之间的小时数") % {"m": MAX_HOURS}]
    if not errors and sh < rh:
        errors["resolve_hours"] = [_("办结时限不能短于响应时限")]
    if data.get("default_level") not in LEVEL_RANK:
        errors["default_level"] = [_("请选择默认办理层级")]
    if errors:
        raise ValidationError(errors)
    return {**data, "name": name}


FIELDS = ("name", "group", "description", "keywords", "response_hours", "resolve_hours", "working_days",
          "default_level", "active", "sort")


@transaction.atomic
def category_create(*, actor, code: str, area: Node | None = None, request=None, **data) -> Category:
    if not can_manage_catalogue(actor, area):
        raise PermissionDenied
    code = (code or "").strip().lower()
    from django.core.validators import validate_slug

    try:
        validate_slug(code)
    except ValidationError:
        raise ValidationError({"code": [_("编码只能由字母、数字、下划线和连字符组成")]}) from None
    if Category.objects.filter(area=area, code=code).exists():
        raise ValidationError({"code": [_("编码“%(c)s”在本分类目录中已被使用") % {"c": code}]})
    data = _clean_category(data)
    cat = Category.objects.create(area=area, code=code, **{k: data[k] for k in FIELDS if k in data})
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=cat, request=request)
    return cat


@transaction.atomic
def category_update(*, actor, category: Category, request=None, **data) -> Category:
    cat = Category.objects.select_for_update().get(pk=category.pk)  # the area is read after (FOR UPDATE: no outer join)
    if not can_manage_catalogue(actor, cat.area):
        raise PermissionDenied
    data = _clean_category(data)
    before = {k: getattr(cat, k) for k in FIELDS if k in data}
    for k in before:
        setattr(cat, k, data[k])
    cat.save()
    changed = {k: [before[k], data[k]] for k in before if before[k] != data[k]}
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=cat, detail={"changed": changed}, request=request)
    return cat


@transaction.atomic
def open311_key_create(*, actor, community: Node, name: str, request=None) -> tuple[Open311Key, str]:
    """A key for a partner system (the city hotline, a WeChat service account): requests posted with
    it are filed by the actor into the community. Returns the row and the key (shown once)."""
    if community.level != Level.COMMUNITY:
        raise ValidationError({"community": [_("请选择一个社区/村")]})
    if not can_manage_node(actor, community):
        raise PermissionDenied
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("请填写密钥名称，如“12345热线”")]})
    key = secrets.token_urlsafe(24)
    row = Open311Key.objects.create(name=name[:100], key_hash=hash_key(key), prefix=key[:8], user=actor,
                                    community=community)
    audit_record(actor=actor, action=AuditLog.Action.TOKEN, target=row, detail={"op": "create"}, request=request)
    return row, key


@transaction.atomic
def open311_key_revoke(*, actor, key: Open311Key, request=None) -> None:
    if not can_manage_node(actor, key.community):
        raise PermissionDenied
    Open311Key.objects.filter(pk=key.pk).update(active=False)
    audit_record(actor=actor, action=AuditLog.Action.TOKEN, target=key, detail={"op": "revoke"}, request=request)
