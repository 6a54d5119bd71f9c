from gongzhi.territory.scoping import scope_for


def nav(request):
    """Which menu entries to show: office work for staff and role holders, the basics for residents.
    Hiding a link is only convenience; every page checks its own permission."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    return {
        "nav_staff": scope.staff or scope.everything,
        "nav_area": bool(scope.everything or scope.node_paths or scope.grid_ids or scope.micro_grid_ids),
    }
