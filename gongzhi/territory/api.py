from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from . import selectors

router = Router(tags=["区划与网格"])


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


@router.get("/nodes", response=list[NodeOut], summary="我可浏览的顶层节点")
def roots(request):
    return list(selectors.root_nodes(request.user))


@router.get("/nodes/{pk}", response=NodeOut)
def node(request, pk: int):
    return selectors.get_node(request.user, pk)


@router.get("/nodes/{pk}/children", response=list[NodeOut])
@paginate(PageNumberPagination, page_size=100)
def node_children(request, pk: int):
    return selectors.node_children(request.user, selectors.get_node(request.user, pk))


@router.get("/nodes/{pk}/households", response=list[HouseholdOut], summary="节点之下的全部住户")
@paginate(PageNumberPagination, page_size=100)
def node_households(request, pk: int):
    return selectors.households_under(request.user, selectors.get_node(request.user, pk)).order_by("node_path", "number")


@router.get("/grids", response=list[GridOut], summary="我可见的网格")
@paginate(PageNumberPagination, page_size=100)
def grids(request):
    return selectors.visible_grids(request.user).order_by("community_id", "code")


@router.get("/grids/{pk}", response=GridOut)
def grid(request, pk: int):
    return selectors.get_grid(request.user, pk)


@router.get("/grids/{pk}/households", response=list[HouseholdOut])
@paginate(PageNumberPagination, page_size=100)
def grid_households(request, pk: int):
    return selectors.grid_households(request.user, selectors.get_grid(request.user, pk)).order_by("node_path", "number")


@router.get("/my/households", response=list[HouseholdOut], summary="我负责的住户（按我的角色）")
@paginate(PageNumberPagination, page_size=100)
def my_households(request):
    return selectors.households_answered_by(request.user).order_by("node_path", "number")


@router.get("/households/{pk}", response=HouseholdOut)
def household(request, pk: int):
    return selectors.get_household(request.user, pk)


@router.get("/households/{pk}/answerable", response=list[RoleHolderOut], summary="谁对这一户负责")
def household_answerable(request, pk: int):
    hh = selectors.get_household(request.user, pk)
    return [
        {"role": r.role, "role_label": r.get_role_display(), "name": r.user.display_name, "target": r.target_label}
        for r in selectors.answerable_for(hh)
    ]
