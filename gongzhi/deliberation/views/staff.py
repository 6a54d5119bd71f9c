"""Secretary pages (desk and phone): topics per place by step, the topic page with its whole history and
its actions, the owners' register import, the ledgers."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.pagination import paginate
from gongzhi.core.responses import xlsx_response
from gongzhi.territory.models import Household
from gongzhi.territory.selectors import get_node

from .. import ledger, selectors, services
from ..forms import ApplyForm, InviteForm, MeetingForm, RegisterForm, TopicForm, VoteForm
from ..models import Source, Step
from ..permissions import can_manage_place, can_manage_topic, households_in_place, owner_for
from ..tally import tally

BOARD_STEPS = [Step.PROPOSAL, Step.DRAFT, Step.NOTICE, Step.CONSULTATION, Step.APPLY, Step.FEEDBACK]


def errors_of(e: ValidationError) -> list[str]:
    return [str(m) for m in e.messages]


@login_required
def index(request):
    """Topics by step for the places the user runs; a resident sees their place's topics instead."""
    place = get_node(request.user, int(request.GET["place"])) if request.GET.get("place", "").isdigit() else None
    qs = selectors.staff_topics(request.user, place=place)
    if not request.user.is_superuser and not qs.exists() and not selectors.staff_topics(request.user).exists():
        from gongzhi.tickets.permissions import is_any_staff

        if not is_any_staff(request.user):
            return redirect("deliberation:mine")
    today = timezone.localdate()
    columns = []
    for step in BOARD_STEPS:
        rows = list(qs.filter(step=step)[:30])
        for t in rows:
            t.late = t.overdue_reason(today, selectors.meeting_of(t), getattr(t, "decision", None)
                                      if _has_decision(t) else None)
        columns.append((Step(step), rows))
    done = paginate(request, qs.filter(step__in=[Step.CLOSED, Step.WITHDRAWN]), per_page=20)
    return render(request, "deliberation/index.html", {
        "columns": columns, "done": done, "page": done, "place": place, "counts": selectors.counts(request.user, place),
        "settings": services.place_settings(place) if place and can_manage_place(request.user, place) else None,
    })


def _has_decision(t) -> bool:
    try:
        return t.decision is not None
    except Exception:  # noqa: BLE001 - RelatedObjectDoesNotExist
        return False


@login_required
@require_POST
def place_settings(request, node_id):
    place = get_node(request.user, node_id)
    try:
        services.settings_update(actor=request.user, node=place, notice_days=_int(request.POST.get("notice_days"), "n"),
                                 cosign_threshold=_int(request.POST.get("cosign_threshold"), "n"))
        messages.success(request, _("议事设置已保存"))
    except ValidationError as e:
        for m in errors_of(e):
            messages.error(request, m)
    return redirect(f"{reverse('deliberation:index')}?place={place.pk}")


@login_required
def topic_new(request):
    place_id = request.GET.get("place") or request.POST.get("place")
    ticket = None
    if request.GET.get("ticket", "").isdigit() or request.POST.get("ticket", "").isdigit():
        from gongzhi.tickets.selectors import get_ticket as ticket_for

        ticket = ticket_for(request.user, int(request.GET.get("ticket") or request.POST.get("ticket")))
        if not place_id:
            node = ticket.node or (ticket.household.node if ticket.household_id else None)
            place_id = services.deciding_place(node).pk if node else ticket.community_id
    if not str(place_id or "").isdigit():
        raise Http404
    place = get_node(request.user, int(place_id))
    if not can_manage_place(request.user, place):
        raise PermissionDenied
    initial = {"title": ticket.title[:120], "plan_how": ticket.description} if ticket else {}
    form = TopicForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            topic = services.topic_create(
                actor=request.user, place=place, source=Source.TICKET if ticket else request.POST.get("source", Source.STAFF),
                source_ticket=ticket, **form.plan())
        except ValidationError as e:
            for m in errors_of(e):
                form.add_error(None, m)
        else:
            messages.success(request, _("议题已创建"))
            return redirect("deliberation:topic", topic.pk)
    return render(request, "deliberation/topic_new.html", {"form": form, "place": place, "ticket": ticket})


def _topic_context(request, topic):
    manage = can_manage_topic(request.user, topic)
    meeting = selectors.meeting_of(topic)
    votes = list(topic.votes.order_by("-id"))
    households = households_in_place(request.user, topic)
    ctx = {
        "topic": topic, "manage": manage, "meeting": meeting, "resident": bool(households),
        "decision": topic.decision if _has_decision(topic) else None,
        "votes": [(v, tally(v)) for v in votes], "comments": topic.comments.select_related("author")[:200],
        "history": selectors.history(topic) if manage else [],
        "cosigns": topic.cosignatures.count(), "threshold": services.place_settings(topic.place).cosign_threshold,
        "is_owner": owner_for(request.user, topic) is not None,
    }
    if manage:
        ctx.update(meeting_form=MeetingForm(), invite_form=InviteForm(), vote_form=VoteForm(),
                   apply_form=ApplyForm(), attendances=meeting.attendances.all() if meeting else [],
                   signin_url=request.build_absolute_uri(reverse("deliberation:signin", args=[
                       topic.pk, services.signin_token(meeting)])) if meeting else "")
    if ctx.get("signin_url"):
        import segno

        ctx["signin_qr"] = segno.make(ctx["signin_url"], micro=False).svg_inline(scale=4)
    ctx["late"] = topic.overdue_reason(None, meeting, ctx["decision"])
    return ctx


@login_required
def topic_detail(request, pk):
    topic = selectors.topic_for(request.user, pk)
    return render(request, "deliberation/topic.html", _topic_context(request, topic))


def _dt(value: str):
    try:
        dt = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError(_("时间格式有误")) from None
    return timezone.make_aware(dt) if timezone.is_naive(dt) else dt


def _int(value, name):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({name: [_("应为整数")]}) from None


ACTIONS = {}


def action(name):
    def register(fn):
        ACTIONS[name] = fn
        return fn
    return register


@action("notice")
def _notice(request, topic):
    days = request.POST.get("days") or None
    services.topic_publish_notice(actor=request.user, topic=topic, days=_int(days, "days") if days else None)
    return _("公告已发布")


@action("meeting")
def _meeting(request, topic):
    form = MeetingForm(request.POST)
    if not form.is_valid():
        raise ValidationError([m for errs in form.errors.values() for m in errs])
    services.meeting_schedule(actor=request.user, topic=topic, **form.cleaned_data)
    return _("会议已安排")


@action("invite")
def _invite(request, topic):
    form = InviteForm(request.POST)
    if not form.is_valid():
        raise ValidationError([m for errs in form.errors.values() for m in errs])
    services.attendance_invite(actor=request.user, topic=topic, **form.cleaned_data)
    return _("已加入邀请名单")


@action("signin")
def _signin(request, topic):
    meeting = selectors.meeting_of(topic)
    if meeting is None:
        raise Http404
    att = get_object_or_404(meeting.attendances, pk=_int(request.POST.get("attendance"), "attendance"))
    services.attendance_sign_in(actor=request.user, topic=topic, attendance=att)
    return _("%(n)s 已签到") % {"n": att.name}


@action("open")
def _open(request, topic):
    services.meeting_open(actor=request.user, topic=topic)
    return _("已进入组织协商")


@action("minutes")
def _minutes(request, topic):
    services.meeting_minutes(actor=request.user, topic=topic, minutes=request.POST.get("minutes", ""))
    return _("会议记录已保存")


@action("vote")
def _vote(request, topic):
    form = VoteForm(request.POST)
    if not form.is_valid():
        raise ValidationError([m for errs in form.errors.values() for m in errs])
    services.vote_open(actor=request.user, topic=topic, **form.cleaned_data)
    return _("表决已发起")


@action("hands")
def _hands(request, topic):
    vote = get_object_or_404(topic.votes, pk=_int(request.POST.get("vote"), "vote"))
    counts = {k: _int(request.POST.get(f"c_{k}") or 0, "counts") for k, _label in vote.choice_labels()}
    services.vote_record_hands(actor=request.user, vote=vote, counts=counts)
    return _("票数已记录")


@action("paper")
def _paper(request, topic):
    """A paper ballot: owners are found by their flat (楼栋/单元/房号), households by address or number."""
    from ..models import Flat

    vote = get_object_or_404(topic.votes, pk=_int(request.POST.get("vote"), "vote"))
    household = owner = None
    building, unit, room = (request.POST.get(k, "").strip() for k in ("building", "unit", "room"))
    if vote.form == "owner":
        flat = Flat.objects.select_related("owner__register").filter(
            register__compound_id=topic.place_id, building=building, unit=unit, room=room).first()
        if flat is None:
            raise ValidationError(_("业主名册中没有这套房屋：%(f)s") % {"f": "-".join(p for p in (building, unit, room) if p)})
        owner = flat.owner
    else:
        where = request.POST.get("address", "").strip()
        household = (Household.objects.filter(node_path__startswith=topic.place_path)
                     .filter(Q(address=where) | Q(pk=int(where) if where.isdigit() else 0)).first())
        if household is None:
            raise ValidationError(_("本区划内没有这一户：%(a)s") % {"a": where})
    services.ballot_enter_paper(actor=request.user, vote=vote, choice=request.POST.get("choice", ""),
                                household=household, owner=owner)
    return _("纸质选票已录入")


@action("close_vote")
def _close_vote(request, topic):
    vote = get_object_or_404(topic.votes, pk=_int(request.POST.get("vote"), "vote"))
    services.vote_close(actor=request.user, vote=vote)
    return _("表决已结束并计票")


@action("decide")
def _decide(request, topic):
    vote = None
    if request.POST.get("vote"):
        vote = get_object_or_404(topic.votes, pk=_int(request.POST.get("vote"), "vote"))
    services.decision_record(actor=request.user, topic=topic, text=request.POST.get("text", ""),
                             method="vote" if vote else "consensus", vote=vote)
    return _("决定已记录")


@action("apply")
def _apply(request, topic):
    form = ApplyForm(request.POST)
    if not form.is_valid():
        raise ValidationError([m for errs in form.errors.values() for m in errs])
    d = form.cleaned_data
    ticket = None
    if d["ticket_id"]:
        from gongzhi.tickets.selectors import get_ticket as ticket_for

        ticket = ticket_for(request.user, d["ticket_id"])
    services.apply_record(actor=request.user, topic=topic, kind=d["kind"], note=d["note"], ticket=ticket,
                          task_owner=d["task_owner"], task_due=d["task_due"])
    return _("落实情况已登记")


@action("feedback")
def _feedback(request, topic):
    services.feedback_publish(actor=request.user, topic=topic, text=request.POST.get("text", ""))
    return _("反馈已公示，议题办结")


@action("send_back")
def _send_back(request, topic):
    services.topic_send_back(actor=request.user, topic=topic, reason=request.POST.get("reason", ""))
    return _("已退回上一步")


@action("withdraw")
def _withdraw(request, topic):
    services.topic_withdraw(actor=request.user, topic=topic, reason=request.POST.get("reason", ""))
    return _("议题已撤回")


# Resident actions, on the same page.
@action("cosign")
def _cosign(request, topic):
    services.topic_cosign(actor=request.user, topic=topic)
    return _("联署成功")


@action("comment")
def _comment(request, topic):
    services.comment_add(actor=request.user, topic=topic, text=request.POST.get("text", ""))
    return _("意见已提交")


@action("signup")
def _signup(request, topic):
    services.attendance_signup(actor=request.user, topic=topic)
    return _("报名成功")


@action("ballot")
def _ballot(request, topic):
    vote = get_object_or_404(topic.votes, pk=_int(request.POST.get("vote"), "vote"))
    services.ballot_cast(actor=request.user, vote=vote, choice=request.POST.get("choice", ""))
    return _("投票成功")


@action("rate")
def _rate(request, topic):
    services.rating_add(actor=request.user, topic=topic, stars=_int(request.POST.get("stars"), "stars"))
    return _("感谢您的评价")


@login_required
@require_POST
def topic_action(request, pk, name):
    topic = selectors.topic_for(request.user, pk)
    fn = ACTIONS.get(name)
    if fn is None:
        raise Http404
    try:
        messages.success(request, fn(request, topic))
    except ValidationError as e:
        for m in errors_of(e):
            messages.error(request, m)
    except PermissionDenied as e:
        messages.error(request, str(e) or _("没有权限执行此操作"))
    return redirect("deliberation:topic", topic.pk)


@login_required
def topic_print(request, pk):
    """The notice as an A4 page for the physical board (no personal data)."""
    topic = selectors.topic_for(request.user, pk)
    if topic.step == Step.DRAFT or topic.step == Step.PROPOSAL:
        raise Http404
    return render(request, "deliberation/print.html", {"topic": topic, "meeting": selectors.meeting_of(topic)})


@login_required
def signin(request, pk, token):
    """The attendee scanned the meeting's code: sign in on their own phone."""
    topic = selectors.topic_for(request.user, pk)
    if request.method == "POST":
        try:
            services.attendance_sign_in(actor=request.user, topic=topic, token=token)
            messages.success(request, _("签到成功"))
            return redirect("deliberation:topic", topic.pk)
        except ValidationError as e:
            for m in errors_of(e):
                messages.error(request, m)
        except PermissionDenied as e:
            messages.error(request, str(e) or _("没有权限执行此操作"))
    return render(request, "deliberation/signin.html", {"topic": topic})


@login_required
def register_import(request, compound_id):
    compound = get_node(request.user, compound_id)
    if not can_manage_place(request.user, compound):
        raise PermissionDenied
    form = RegisterForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            register, errors = services.register_import(actor=request.user, compound=compound,
                                                        data=form.cleaned_data["file"].read())
        except ValidationError as e:
            errors = errors_of(e)
        else:
            if not errors:
                messages.success(request, _("已导入 %(o)d 位业主、%(f)d 套房屋") % {
                    "o": register.owners.count(), "f": register.flats.count()})
                return redirect("deliberation:register", compound.pk)
    from ..models import OwnerRegister

    register = OwnerRegister.objects.filter(compound=compound).first()
    summary = None
    if register:
        from django.db.models import Count, Sum

        summary = register.owners.aggregate(owners=Count("id"), area_c=Sum("area_c"))
        summary["flats"] = register.flats.count()
        from ..tally import area

        summary["area"] = area(summary["area_c"] or 0)
    return render(request, "deliberation/register.html", {"compound": compound, "form": form, "errors": errors,
                                                           "register": register, "summary": summary})


@login_required
def ledger_xlsx(request):
    place = get_node(request.user, int(request.GET["place"])) if request.GET.get("place", "").isdigit() else None
    data = ledger.meetings_ledger(selectors.staff_topics(request.user, place=place))
    return xlsx_response(data, _("议事台账.xlsx"))


@login_required
def tally_xlsx(request, pk):
    vote = selectors.vote_for(request.user, pk)
    if not can_manage_topic(request.user, vote.topic):
        raise Http404
    return xlsx_response(ledger.tally_workbook(vote), _("计票结果.xlsx"))
