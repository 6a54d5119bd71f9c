from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from gongzhi.territory import selectors as territory
from gongzhi.territory.scoping import scope_for


@login_required
def home(request):
    """One home page, its panels chosen by the user's roles: a grid worker sees their grids,
    staff see the top of their tree, a resident their household."""
    user = request.user
    scope = scope_for(user)
    ctx = {
        "roles": list(territory.active_roles(user)),
        "grids": list(territory.my_grids(user)) if (scope.grid_ids or scope.micro_grid_ids) else [],
        "roots": list(territory.root_nodes(user)[:50]) if (scope.node_paths or scope.everything) else [],
        "own_households": list(
            territory.visible_households(user).filter(pk__in=scope.household_ids).select_related("node")
        ) if scope.household_ids else [],
        "scope_empty": scope.is_empty,
    }
    return render(request, "dashboard/home.html", ctx)
