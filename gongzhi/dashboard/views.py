"""Home pages built around each role's tasks, the 我的 page, the tab bar's badges, and the small
files that make the site installable (manifest, service worker, offline page)."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control, never_cache

from gongzhi.accounts.notify import unread_count
from gongzhi.activities import selectors as activities
from gongzhi.dashboard.context_processors import menu
from gongzhi.deliberation import selectors as deliberation
from gongzhi.deliberation.models import Step
from gongzhi.evaluation import selectors as evaluation
from gongzhi.people import selectors as people
from gongzhi.points import selectors as points
from gongzhi.territory import selectors as territory
from gongzhi.territory.scoping import scope_for
from gongzhi.tickets import selectors as tickets
from gongzhi.tickets.measures import ticket_measures
from gongzhi.tickets.permissions import resident_households
from gongzhi.visits import selectors as visits

# A topic's step as a resident reads it on the home page (the step names are the secretary's:
# "反馈公示" there means the feedback is still to be published).
NOTICE_LABELS = {
    Step.NOTICE: gettext_lazy("公告"), Step.CONSULTATION: gettext_lazy("协商中"), Step.APPLY: gettext_lazy("已决定"),
    Step.FEEDBACK: gettext_lazy("落实中"), Step.CLOSED: gettext_lazy("结果公示"),
}
# What each step waits for, on the staff's home page.
STAFF_STEP_LABELS = {
    Step.DRAFT: gettext_lazy("方案待发布公告"), Step.NOTICE: gettext_lazy("公告中，待组织协商"),
    Step.CONSULTATION: gettext_lazy("协商中，待作出决定"), Step.APPLY: gettext_lazy("已决定，待登记落实"),
    Step.FEEDBACK: gettext_lazy("已落实，待反馈公示"),
}


def _month_start(now) -> datetime.datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _at(value) -> str:
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "m-d H:i")
    return date_format(value, "m-d") if value else ""


def _notice_line(topic) -> str:
    """The date a resident wants to know for a topic in its step: the meeting, the end of the notice,
    the decision, the posted result."""
    meeting = getattr(topic, "meeting", None)
    decision = getattr(topic, "decision", None)
    if topic.step in (Step.NOTICE, Step.CONSULTATION) and meeting is not None:
        return _("会议 %(at)s · %(where)s") % {"at": _at(meeting.starts_at), "where": meeting.location}
    if topic.step == Step.NOTICE and topic.notice_until:
        return _("公告至 %(at)s") % {"at": _at(topic.notice_until)}
    if topic.step in (Step.APPLY, Step.FEEDBACK) and decision is not None:
        return _("%(at)s 作出决定") % {"at": _at(decision.decided_at)}
    if topic.step == Step.CLOSED and topic.feedback_published_at:
        return _("%(at)s 公示结果") % {"at": _at(topic.feedback_published_at)}
    return _at(topic.step_since)


def _resident_cards(user, now) -> dict:
    """The resident's cards under 我要反映 and 我的诉求: the notices and open votes of the places they
    live in, their points, the next activities near them and their next sign-up. A bounded number
    of queries whatever the number of topics, votes, activities or sign-ups."""
    households = resident_households(user)
    ctx: dict = {"votes": deliberation.votes_waiting(user, households, now)}
    if households:
        voting = {v.topic_id for v in ctx["votes"]}  # already above, with its one tap
        ctx["notices"] = [{"topic": t, "label": NOTICE_LABELS.get(t.step, t.get_step_display()), "line": _notice_line(t)}
                          for t in deliberation.resident_notices(user, households, now=now, exclude=voting)]
    try:
        ctx["account"] = points.my_account(user)  # opened on first look, as the 积分 page does
    except ValidationError:  # a household outside any community has no account to open
        ctx["account"] = None
    if ctx["account"] is not None:
        ctx["hours"] = activities.my_hours(user) / 60
    nxt = activities.next_signup(user, now)
    near = activities.near_me(user)
    if nxt is not None:
        near = near.exclude(pk=nxt.activity_id)
    near = list(near[:3])
    for a in near:
        a.left = max((a.capacity or 0) - (a.confirmed or 0), 0)
    ctx.update(next_signup=nxt, near=near)
    return ctx


def _area_cards(user, today) -> dict:
    """A grid worker's or 三长's visits for today and the 敲门行动 in progress."""
    running = visits.campaigns_running(user, today)
    return {"care": visits.today_counts(user, on=today), "campaign_count": running.count(),
            "campaigns": list(running[:3])}


def _staff_cards(user, now) -> dict:
    """The topics waiting for the staff's step and this week's activities where they work."""
    steps = deliberation.step_counts(user)
    local = timezone.localtime(now)
    week_start = (local - datetime.timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    week = activities.organising_between(user, week_start, week_start + datetime.timedelta(days=7))[:5]
    return {"topic_steps": [(s, STAFF_STEP_LABELS[s], n) for s, n in steps.items() if n],
            "topics_waiting": sum(steps.values()), "week_activities": list(week)}


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
        ctx.update(_staff_cards(user, now))
    if area or scope.grid_ids or scope.micro_grid_ids:
        ctx["grids"] = list(territory.my_grids(user))
    if area:
        ctx.update(todo=tickets.handler_todo(user), follow_ups=tickets.follow_ups_due(user),
                   roots=list(territory.root_nodes(user)[:20]))
        ctx.update(_area_cards(user, timezone.localdate()))
    elif not staff:
        ctx["todo"] = tickets.handler_todo(user)  # organisations' members handle demands too
        ctx["resident"] = True
        ctx.update(_resident_cards(user, timezone.now()))
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
