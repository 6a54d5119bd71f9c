"""The menu and the phone's bottom tab bar, adapted to the user's roles.

Built from the user's scope alone (already read by most pages) so that a page costs no extra query
for its menu; the tab bar's counts arrive afterwards from `dashboard:badges`. Hiding a link is only
convenience: every page checks its own permission."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.territory.scoping import scope_for

# 24×24 outline icons (paths only, a few hundred bytes for all four)
ICON_HOME = "M12 3 2 11h3v9h5v-6h4v6h5v-9h3z"
ICON_TICKETS = "M5 3h14v18H5zm3 4v2h8V7zm0 4v2h8v-2zm0 4v2h5v-2z"
ICON_INBOX = "M3 5h18v14H3zm2 2v.5l7 4.5 7-4.5V7zm0 2.8V17h14V9.8l-7 4.5z"
ICON_ME = "M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9zm0 2c-4.4 0-8 2.2-8 5v2h16v-2c0-2.8-3.6-5-8-5z"


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    current: bool = False
    icon: str = ""
    badge: str = ""


def _link(request, label, name, icon="", badge="", prefix=None) -> Link:
    url = reverse(name)
    here = request.path
    current = here == url if url == "/" else here.startswith(prefix or url)
    return Link(label=label, url=url, current=current, icon=icon, badge=badge)


def menu(request, scope) -> list[Link]:
    """Everything the role can use, in the order people look for it."""
    user = request.user
    staff = scope.staff or scope.everything
    area = bool(scope.everything or scope.node_paths or scope.grid_ids or scope.micro_grid_ids)
    items = [_link(request, _("首页"), "dashboard:home")]
    if staff:
        items.append(_link(request, _("分办台"), "tickets:board"))
    elif area:
        items.append(_link(request, _("我的待办"), "tickets:queue"))
    items.append(_link(request, _("我的诉求"), "tickets:mine"))
    if area:
        items += [_link(request, _("走访"), "visits:today"),
                  _link(request, _("区划"), "territory:browse"), _link(request, _("居民"), "people:residents")]
    items += [_link(request, _("议事"), "deliberation:index"), _link(request, _("活动"), "activities:index"),
              _link(request, _("积分"), "points:mine")]
    if staff:
        items += [
            _link(request, _("党员"), "people:members"),
            _link(request, _("双报到"), "people:dual_reports"),
            _link(request, _("组织"), "people:organisations"),
            _link(request, _("任免"), "territory:roles"),
            _link(request, _("导入"), "people:import"),
            _link(request, _("考评"), "evaluation:index"),
            _link(request, _("三率统计"), "tickets:stats"),
            _link(request, _("工作日历"), "tickets:calendar"),
            _link(request, _("积分管理"), "points:staff"),
            _link(request, _("设置"), "territory:setup"),
        ]
    items.append(_link(request, _("消息"), "accounts:inbox"))
    items.append(_link(request, _("令牌"), "accounts:tokens"))
    if user.is_auditor:
        items.append(_link(request, _("审计"), "accounts:audit_log"))
    if user.is_staff:
        items.append(Link(label=_("后台"), url=reverse("admin:index")))
    items.append(_link(request, _("我的"), "dashboard:me"))
    return items


def tabs(request, scope) -> list[Link]:
    """首页 / 诉求 / 消息 / 我的 — the second tab is the role's own work list."""
    if scope.staff or scope.everything:
        work = _link(request, _("分办"), "tickets:board", ICON_TICKETS, "todo", prefix="/tickets/")
    elif scope.node_paths or scope.grid_ids or scope.micro_grid_ids:
        work = _link(request, _("待办"), "tickets:queue", ICON_TICKETS, "todo", prefix="/tickets/")
    else:
        work = _link(request, _("诉求"), "tickets:mine", ICON_TICKETS, "todo", prefix="/tickets/")
    return [
        _link(request, _("首页"), "dashboard:home", ICON_HOME),
        work,
        _link(request, _("消息"), "accounts:inbox", ICON_INBOX, "unread"),
        _link(request, _("我的"), "dashboard:me", ICON_ME, prefix="/me/"),
    ]


def nav(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    return {
        "nav_items": menu(request, scope),
        "tabs": tabs(request, scope),
        "badges_url": reverse("dashboard:badges"),
        # kept for templates that still ask
        "nav_staff": scope.staff or scope.everything,
        "nav_area": bool(scope.everything or scope.node_paths or scope.grid_ids or scope.micro_grid_ids),
    }
