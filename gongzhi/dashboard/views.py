"""Home pages built around each role's tasks, the 我的 page, the tab bar's badges, and the small
files that make the site installable (manifest, service worker, offline page)."""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache

from gongzhi.accounts.notify import unread_count
from gongzhi.activities import selectors as activities
from gongzhi.dashboard.context_processors import menu
from gongzhi.evaluation import selectors as evaluation
from gongzhi.people import selectors as people
from gongzhi.territory import selectors as territory
from gongzhi.territory.scoping import scope_for
from gongzhi.tickets import selectors as tickets
from gongzhi.tickets.measures import ticket_measures


def _month_start(now) -> datetime.datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@login_required
def home(request):
    """One page, its panels chosen by what the user does: a resident files and follows demands, a
    grid worker or 三长 works their to-do, staff dispatch and watch the three rates, a juror scores."""
    user = request.user
    scope = scope_for(user)
    staff = scope.staff or scope.everything
    area = bool(scope.node_paths or scope.grid_ids or scope.micro_grid_ids) and not staff
    ctx = {
        "staff": staff,
        "area": area,
        "roles": list(territory.active_roles(user)),
        "juror_tasks": evaluation.juror_tasks(user),
        "my_tickets": tickets.my_open_tickets(user),
        "own_households": list(
            territory.visible_households(user).filter(pk__in=scope.household_ids).select_related("node")
        ) if scope.household_ids else [],
    }
    if staff:
        now = timezone.now()
        roots = list(territory.root_nodes(user)[:20])
        ctx.update(desk=tickets.staff_todo(user, now), follow_ups=tickets.follow_ups_due(user), roots=roots)
        if roots:
            ctx["rates"] = ticket_measures(roots[0], _month_start(now), now)
    if area or scope.grid_ids or scope.micro_grid_ids:
        ctx["grids"] = list(territory.my_grids(user))
    if area:
        ctx.update(todo=tickets.handler_todo(user), follow_ups=tickets.follow_ups_due(user),
                   roots=list(territory.root_nodes(user)[:20]))
    elif not staff:
        ctx["todo"] = tickets.handler_todo(user)  # organisations' members handle demands too
    ctx["led_orgs"] = list(activities.led_organisations(user)[:10])  # a head (负责人) publishes activities
    ctx["nothing"] = (scope.is_empty and not ctx["led_orgs"] and not ctx["juror_tasks"] and not user.is_auditor
                      and not ctx["my_tickets"] and not ctx.get("todo", {}).get("open"))
    return render(request, "dashboard/home.html", ctx)


@login_required
def me(request):
    """我的: the account, its roles, the password, the full menu and signing out."""
    user = request.user
    ctx = {
        "roles": list(territory.active_roles(user)),
        "party_member": people.is_party_member(user),
        "juror": bool(evaluation.juror_periods(user)[:1]),
    }
    listed = {reverse(n) for n in ("dashboard:home", "dashboard:me", "tickets:mine", "accounts:inbox")}
    ctx["more_items"] = [item for item in menu(request, scope_for(user)) if item.url not in listed]
    return render(request, "dashboard/me.html", ctx)


@login_required
@never_cache
def badges(request):
    """The tab bar's counts, fetched after the page is shown: the role's to-do and unread messages."""
    user = request.user
    scope = scope_for(user)
    if scope.staff or scope.everything:
        todo = tickets.staff_todo(user)["to_dispatch"]
        todo_label = _("待分办 %(n)s 件")
    elif scope.node_paths or scope.grid_ids or scope.micro_grid_ids:
        todo = tickets.handler_todo(user)["open"]
        todo_label = _("待办 %(n)s 件")
    else:
        todo = tickets.to_rate_count(user)
        todo_label = _("待评价 %(n)s 件")
    unread = unread_count(user)
    return JsonResponse({
        "todo": {"count": todo, "label": todo_label % {"n": todo}},
        "unread": {"count": unread, "label": _("未读消息 %(n)s 条") % {"n": unread}},
    })


@cache_control(max_age=86400, public=True)
def manifest(request):
    data = {
        "name": _("共治 · 党建引领基层治理"),
        "short_name": _("共治"),
        "lang": "zh-CN",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f2f3f5",
        "theme_color": "#c8161d",
        "icons": [
            {"src": static("core/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("core/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("core/icons/icon-maskable.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


SW_JS = """/* Gongzhi service worker: pages always come from the network (they are personal and change);
   when the network is gone, the offline page is shown instead of the browser's error. */
const CACHE = "gongzhi-offline-v1";
const OFFLINE = "/offline/";
self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll([OFFLINE, "%(css)s"])).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (e) => {
  e.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});
self.addEventListener("fetch", (e) => {
  if (e.request.mode !== "navigate") return;
  e.respondWith(fetch(e.request).catch(() => caches.match(OFFLINE)));
});
"""


@cache_control(max_age=0, no_cache=True)
def service_worker(request):
    return HttpResponse(SW_JS % {"css": static("core/app.css")}, content_type="text/javascript; charset=utf-8")


def offline(request):
    return render(request, "dashboard/offline.html")
