from django.utils.translation import gettext_lazy as _l
from ninja import Router, Schema
from ninja.pagination import paginate

from gongzhi.core.api import Pages

from . import selectors
from .selectors import HOUSEHOLD_ORDER

router = Router(tags=[_l("区划与网格")])
# /api/accounts/me lists the user's roles, which territory keeps: served from here (accounts sits
# below territory and does not import it), mounted under /accounts/ by config/api.py.
me_router = Router(tags=[_l("账号")])


class MeOut(Schema):
    id: int
    username: str
    name: str
    roles: list[dict]


@me_router.get("/me", response=MeOut, summary=_l("当前用户及其角色"))
def me(request):
    roles = [{"role": r.role, "role_label": r.get_role_display(), "target": r.target_label}
             for r in selectors.active_roles(request.user)]
    return {"id": request.user.pk, "username": request.user.username, "name": request.user.name, "roles": roles}


class NodeOut(Schema):
    id: int
    name: str
    level: str
    code: str | None
    parent_id: int | None


class GridOut(Schema):
    id: int
    name: str
    code: str
    kind: str
    community_id: int
    parent_id: int | None


class HouseholdOut(Schema):
    id: int
    number: str
    address: str
    node_id: int
    micro_grid_id: int


class RoleHolderOut(Schema):
    role: str
    role_label: str
    name: str
    target: str


@router.get("/nodes", response=list[NodeOut], summary=_l("我可浏览的顶层节点"))
@paginate(Pages, page_size=100)
def roots(request):
    return list(selectors.root_nodes(request.user))


@router.get("/nodes/{pk}", response=NodeOut)
def node(request, pk: int):
    return selectors.get_node(request.user, pk)


@router.get("/nodes/{pk}/children", response=list[NodeOut])
@paginate(Pages, page_size=100)
def node_children(request, pk: int):
    return selectors.node_children(request.user, selectors.get_node(request.user, pk))


@router.get("/nodes/{pk}/households", response=list[HouseholdOut], summary=_l("节点之下的全部住户"))
@paginate(Pages, page_size=100)
def node_households(request, pk: int):
    return selectors.households_under(request.user, selectors.get_node(request.user, pk)).order_by(*HOUSEHOLD_ORDER)


@router.get("/grids", response=list[GridOut], summary=_l("我可见的网格"))
@paginate(Pages, page_size=100)
def grids(request):
    return selectors.visible_grids(request.user).order_by("community_id", "code")


@router.get("/grids/{pk}", response=GridOut)
def grid(request, pk: int):
    return selectors.get_grid(request.user, pk)


@router.get("/grids/{pk}/households", response=list[HouseholdOut])
@paginate(Pages, page_size=100)
def grid_households(request, pk: int):
    return selectors.grid_households(request.user, selectors.get_grid(request.user, pk)).order_by(*HOUSEHOLD_ORDER)


@router.get("/my/households", response=list[HouseholdOut], summary=_l("我负责的住户（按我的角色）"))
@paginate(Pages, page_size=100)
def my_households(request):
    return selectors.households_answered_by(request.user).order_by(*HOUSEHOLD_ORDER)


@router.get("/households/{pk}", response=HouseholdOut)
def household(request, pk: int):
    return selectors.get_household(request.user, pk)


@router.get("/households/{pk}/answerable", response=list[RoleHolderOut], summary=_l("谁对这一户负责"))
@paginate(Pages, page_size=100)
def household_answerable(request, pk: int):
    hh = selectors.get_household(request.user, pk)
    return [
        {"role": r.role, "role_label": r.get_role_display(), "name": r.user.display_name, "target": r.target_label}
        for r in selectors.answerable_for(hh)
    ]
