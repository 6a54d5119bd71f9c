from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from gongzhi.core.pagination import paginate

from . import selectors
from .models import Level
from .selectors import HOUSEHOLD_ORDER


@login_required
def browse(request):
    roots = selectors.root_nodes(request.user)
    return render(request, "territory/browse.html", {"roots": roots})


@login_required
def node_detail(request, pk: int):
    node = selectors.get_node(request.user, pk)
    ctx = {
        "node": node,
        "trail": selectors.node_trail(request.user, node, top_level=Level.PROVINCE)[:-1],
        "children": selectors.node_children(request.user, node),
        "holders": selectors.node_role_holders(node),
        "grids": selectors.grids_of_community(request.user, node) if node.level == Level.COMMUNITY else [],
    }
    if node.level in (Level.COMPOUND, Level.BUILDING, Level.UNIT):
        qs = selectors.households_under(request.user, node).select_related("micro_grid").order_by(*HOUSEHOLD_ORDER)
        ctx["page"] = paginate(request, qs)
    return render(request, "territory/node.html", ctx)


@login_required
def grid_detail(request, pk: int):
    grid = selectors.get_grid(request.user, pk)
    qs = selectors.grid_households(request.user, grid).order_by(*HOUSEHOLD_ORDER)
    ctx = {
        "grid": grid,
        "micro_grids": selectors.visible_grids(request.user).filter(parent=grid).order_by("code"),
        "page": paginate(request, qs),
        "holders": selectors.grid_role_holders(grid),
        "community_link": selectors.node_openable(request.user, grid.community),
        "parent_link": grid.parent is not None and selectors.grid_openable(request.user, grid.parent),
    }
    return render(request, "territory/grid.html", ctx)
