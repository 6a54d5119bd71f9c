"""Pages for volunteers (phone), organisers and staff, and the public board and certificate check."""

import calendar
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import audit_record
from gongzhi.core.pagination import paginate
from gongzhi.core.responses import xlsx_response
from gongzhi.people.models import Organisation
from gongzhi.points.codes import qr_svg
from gongzhi.points.selectors import staff_communities, stars
from gongzhi.points.services import community_of_path
from gongzhi.points.views import day_bounds, parse_period
from gongzhi.territory.models import Level, Node
from gongzhi.territory.permissions import can_manage_node
from gongzhi.territory.selectors import get_node

from . import codes, forms, selectors, services
from .issuers import Issuer, get_issuer, get_volunteer, issuer_volunteers, issuers_for
from .ledger import build_activity_ledger
from .models import Photo, Shift, SignUp
from .permissions import can_create_activity, can_run_activity


def _errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, msgs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, msgs)
    else:
        form.add_error(None, exc.messages)


@login_required
def index(request):
    ctx = {"near": selectors.near_me(request.user)[:50], "organising": selectors.organising(request.user)[:50],
           "can_create": staff_communities(request.user).exists() or selectors.led_organisations(request.user).exists()}
    return render(request, "activities/index.html", ctx)


def _create_activity(request, form, community, place=None):
    d = form.cleaned_data
    a = services.activity_create(
        actor=request.user, community=community, title=d["title"], kind=d["kind"], start_at=d["start_at"],
        end_at=d["end_at"], shifts=d["shifts"], client_key=d["client_key"], address=d["address"], place=place,
        description=d["description"], organiser=d["organiser"], audience=d["audience"],
        serves_groups=d["serves_groups"], cancel_cutoff_hours=d["cancel_cutoff_hours"],
        photos=request.FILES.getlist("photos"))
    messages.success(request, _("活动已发布"))
    return redirect("activities:detail", a.pk)


@login_required
def create(request):
    """Community staff publish for a community they serve (the organiser optional); an organisation's
    head (负责人) publishes for their organisation, at a place where it is based or serves."""
    communities = list(staff_communities(request.user)[:200])
    if not communities:
        return _create_as_head(request)
    chosen = request.GET.get("c") or request.POST.get("c")
    community = next((c for c in communities if str(c.pk) == chosen), communities[0])
    form = forms.ActivityForm(request.POST or None, request.FILES or None, community=community)
    if request.method == "POST" and form.is_valid():
        try:
            return _create_activity(request, form, community)
        except ValidationError as e:
            _errors(form, e)
    return render(request, "activities/create.html", {"form": form, "community": community, "communities": communities})


def _create_as_head(request):
    led = list(selectors.led_organisations(request.user)[:50])
    if not led:
        raise PermissionDenied(_("只有社区工作人员或组织负责人可以发布活动"))
    posted = request.POST.get("organiser")
    if posted and posted not in {str(o.pk) for o in led}:
        raise Http404  # another organisation's: as if it did not exist
    places = selectors.organisation_place_choices(led)
    form = forms.ActivityForm(request.POST or None, request.FILES or None,
                              organisations=Organisation.objects.filter(pk__in=[o.pk for o in led]).order_by("name", "pk"),
                              places=places)
    if request.method == "POST" and form.is_valid():
        place = form.cleaned_data["place"]
        community = community_of_path(place.path)
        try:
            if community is None:
                raise ValidationError({"place": [_("地点须在一个社区内")]})
            return _create_activity(request, form, community, place=place)
        except ValidationError as e:
            _errors(form, e)
    return render(request, "activities/create.html", {"form": form, "organisations": led})


@login_required
def detail(request, pk: int):
    a = selectors.get_activity(request.user, pk)
    mine = selectors.my_signup(request.user, a)
    return render(request, "activities/detail.html", {
        "a": a, "shifts": selectors.shifts_with_counts(a), "mine": mine, "runs": can_run_activity(request.user, a),
        "deadline": services.cancel_deadline(a), "photos": a.photos.all()})


@login_required
def photo(request, pk: int):
    p = get_object_or_404(Photo, pk=pk)
    selectors.get_activity(request.user, p.activity_id)
    return FileResponse(p.file.open("rb"), content_type=p.content_type)


@login_required
@require_POST
def signup(request, pk: int):
    shift = get_object_or_404(Shift, pk=pk)
    selectors.get_activity(request.user, shift.activity_id)
    try:
        s = services.signup_create(actor=request.user, shift=shift)
        messages.success(request, _("报名成功") if s.status == SignUp.Status.CONFIRMED else _("名额已满，已进入候补"))
    except (ValidationError, PermissionDenied) as e:
        messages.error(request, "；".join(e.messages) if isinstance(e, ValidationError) else (str(e) or _("不能报名")))
    return redirect("activities:detail", shift.activity_id)


@login_required
@require_POST
def cancel(request, pk: int):
    s = get_object_or_404(SignUp, pk=pk)
    if s.user_id != request.user.pk and not can_run_activity(request.user, s.activity):
        raise Http404
    try:
        services.signup_cancel(actor=request.user, signup=s)
        messages.success(request, _("已取消报名"))
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    return redirect("activities:manage" if s.user_id != request.user.pk else "activities:detail", s.activity_id)


@login_required
def manage(request, pk: int):
    a = selectors.get_run_activity(request.user, pk)
    issuer = Issuer(a.organiser.community if a.organiser else a.community, a.organiser)
    return render(request, "activities/manage.html", {
        "a": a, "signups": selectors.signup_list(a), "hours_form": forms.HoursForm(),
        "records_for": issuer.key if issuer.may_record(request.user) else "",
        "ben_form": forms.BeneficiaryForm(initial={"count": a.served_count}), "beneficiaries": a.beneficiaries.all()[:200]})


@login_required
def code(request, pk: int):
    """The organiser's phone: a QR code of a signed link, redrawn every minute."""
    a = selectors.get_run_activity(request.user, pk)
    url = request.build_absolute_uri(codes.checkin_path(a.pk))
    return render(request, "activities/code.html", {"a": a, "url": url, "qr": qr_svg(url, scale=6)})


@login_required
def scan(request, token: str):
    """The volunteer's phone opened the link in the QR code: confirm, then check in or out."""
    activity_id = codes.activity_from_token(token)
    a = None
    if activity_id is not None:
        try:
            a = selectors.get_activity(request.user, activity_id)
        except Http404:
            a = None
    if request.method == "POST":
        try:
            s, what = services.scan(actor=request.user, token=token, expect=request.POST.get("expect"))
            if what == "in":
                messages.success(request, _("签到成功：%(t)s") % {"t": s.activity.title})
            else:
                messages.success(request, _("签退成功，服务时长%(h)s小时") % {"h": s.hours})
            return redirect("activities:mine")
        except (ValidationError, PermissionDenied) as e:
            messages.error(request, "；".join(e.messages) if isinstance(e, ValidationError) else str(e))
            return redirect("activities:mine")
    mine = selectors.my_signup(request.user, a) if a else None
    return render(request, "activities/scan.html", {"a": a, "mine": mine, "token": token})


@login_required
@require_POST
def tick(request, pk: int):
    s = get_object_or_404(SignUp.objects.select_related("activity"), pk=pk)
    if not can_run_activity(request.user, s.activity):
        raise Http404
    try:
        what = services.tick(actor=request.user, signup=s, expect=request.POST.get("expect"))
        messages.success(request, (_("%(n)s 已签到") if what == "in" else _("%(n)s 已签退")) % {"n": s.resident.name})
    except (ValidationError, PermissionDenied) as e:
        messages.error(request, "；".join(e.messages) if isinstance(e, ValidationError) else str(e))
    return redirect("activities:manage", s.activity_id)


@login_required
@require_POST
def hours(request, pk: int):
    s = get_object_or_404(SignUp.objects.select_related("activity"), pk=pk)
    if not can_run_activity(request.user, s.activity):
        raise Http404
    form = forms.HoursForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([m for errs in form.errors.values() for m in errs])
        services.hours_correct(actor=request.user, signup=s, minutes=form.cleaned_data["minutes"],
                               reason=form.cleaned_data["reason"])
        messages.success(request, _("已更正 %(n)s 的服务时长") % {"n": s.resident.name})
    except (ValidationError, PermissionDenied) as e:
        messages.error(request, "；".join(e.messages) if isinstance(e, ValidationError) else str(e))
    return redirect("activities:manage", s.activity_id)


@login_required
@require_POST
def activity_cancel(request, pk: int):
    a = selectors.get_run_activity(request.user, pk)
    try:
        services.activity_cancel(actor=request.user, activity=a, reason=request.POST.get("reason", ""))
        messages.success(request, _("活动已取消，已通知报名人员"))
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    return redirect("activities:manage", a.pk)


@login_required
@require_POST
def beneficiaries(request, pk: int):
    a = selectors.get_run_activity(request.user, pk)
    form = forms.BeneficiaryForm(request.POST)
    if form.is_valid():
        try:
            services.beneficiaries_record(actor=request.user, activity=a, count=form.cleaned_data["count"],
                                          names=form.cleaned_data["names"].splitlines())
            messages.success(request, _("已登记服务对象"))
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))
    else:
        messages.error(request, _("服务人数须在0到100000之间"))
    return redirect("activities:manage", a.pk)


@login_required
def mine(request):
    minutes = selectors.my_hours(request.user)
    return render(request, "activities/mine.html", {
        "page": paginate(request, selectors.my_signups(request.user), per_page=20),
        "minutes": minutes, "hours": f"{minutes / 60:.2f}", "certificates": selectors.my_certificates(request.user)[:50],
        "records": selectors.my_records(request.user)[:100]})


@login_required
def records(request):
    """培训、表彰与评价: the recording organiser's volunteers (masked), each a link to their records."""
    issuers = issuers_for(request.user)
    if not issuers:
        raise PermissionDenied(_("只有社区工作人员或组织负责人可以记录培训、表彰与评价"))
    issuer = get_issuer(request.user, request.GET["issuer"]) if request.GET.get("issuer") else issuers[0]
    return render(request, "activities/records.html", {
        "issuer": issuer, "issuers": issuers, "page": paginate(request, issuer_volunteers(issuer), per_page=30)})


@login_required
def volunteer_records(request, issuer: str, pk: int):
    """One volunteer's training, commendations and evaluations recorded by this organiser: the list and the form."""
    issuer = get_issuer(request.user, issuer)
    resident = get_volunteer(issuer, pk)
    form = forms.VolunteerRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            r = services.volunteer_record_add(actor=request.user, issuer=issuer, resident=resident, kind=d["kind"],
                                              title=d["title"], on=d["on"], hours=d["hours"], grantor=d["grantor"],
                                              note=d["note"], client_key=d["client_key"])
            messages.success(request, _("已记录%(k)s：%(t)s") % {"k": r.get_kind_display(), "t": r.title})
            return redirect("activities:volunteer_records", issuer.key, resident.pk)
        except ValidationError as e:
            _errors(form, e)
    minutes = selectors.served_minutes(resident, issuer)
    return render(request, "activities/volunteer_records.html", {
        "issuer": issuer, "v": resident, "form": form, "hours": f"{minutes / 60:.2f}",
        "page": paginate(request, issuer.records().filter(resident=resident).select_related("recorded_by"), per_page=30)})


@login_required
def certificate_new(request, pk: int):
    """The organiser issues a certificate to one volunteer of this activity, for a period."""
    s = get_object_or_404(SignUp.objects.select_related("activity__organiser", "activity__community", "resident"), pk=pk)
    a = s.activity
    if not can_create_activity(request.user, a.community, a.organiser):
        raise Http404
    today = timezone.localdate()
    form = forms.CertificateForm(request.POST or None, initial={"date_from": today.replace(month=1, day=1), "date_to": today})
    if request.method == "POST" and form.is_valid():
        try:
            cert = services.certificate_issue(actor=request.user, resident=s.resident, organiser=a.organiser,
                                              community=a.community, date_from=form.cleaned_data["date_from"],
                                              date_to=form.cleaned_data["date_to"],
                                              client_key=form.cleaned_data["client_key"])
            return redirect("activities:certificate", cert.pk)
        except ValidationError as e:
            _errors(form, e)
    return render(request, "activities/certificate_new.html", {"s": s, "a": a, "form": form})


@login_required
def certificate(request, pk: int):
    cert = selectors.get_certificate(request.user, pk)
    return render(request, "activities/certificate.html", {"cert": cert, "hours": cert.total_minutes / 60})


def verify(request):
    """Public: anyone holding a certificate's number can check it was issued, and what it says."""
    number = request.GET.get("number", "")
    cert = selectors.verify(number)
    return render(request, "activities/verify.html", {"number": number[:24], "cert": cert,
                                                      "hours": cert.total_minutes / 60 if cert else None})


def _month(request) -> datetime.date:
    try:
        d = datetime.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
        if 2000 <= d.year <= 2100:
            return d
    except ValueError:
        pass
    return timezone.localdate().replace(day=1)


def board(request, pk: int):
    """Public board of a place: the month's calendar of public activities and 积分之星 (consenting
    residents only, name and points, nothing else)."""
    node = get_object_or_404(Node, pk=pk, level__in=[Level.COMMUNITY, Level.COMPOUND, Level.BUILDING])
    month = _month(request)
    days = calendar.monthrange(month.year, month.month)[1]
    start, end = day_bounds(month, month.replace(day=days))
    by_day: dict[int, list] = {}
    for a in selectors.board_activities(node, start, end):
        by_day.setdefault(timezone.localtime(a.start_at).day, []).append(a)
    weeks = calendar.Calendar(firstweekday=0).monthdayscalendar(month.year, month.month)
    community = node if node.level == Level.COMMUNITY else Node.objects.filter(
        path__in=[node.path[:i] for i in range(4, len(node.path) + 1, 4)], level=Level.COMMUNITY).first()
    prev = (month - datetime.timedelta(days=1)).replace(day=1)
    nxt = month.replace(day=days) + datetime.timedelta(days=1)
    return render(request, "activities/board.html", {
        "node": node, "month": month, "weeks": [[(d, by_day.get(d, [])) for d in w] for w in weeks],
        "listed": [(d, by_day[d]) for d in sorted(by_day)], "prev": prev, "next": nxt,
        "stars": stars(community.path, start, end) if community else []})


@login_required
def ledger(request):
    if request.GET.get("node"):
        try:
            node = get_node(request.user, int(request.GET["node"]))
        except ValueError:
            raise Http404 from None
    else:
        node = staff_communities(request.user).first()
        if node is None:
            raise Http404
    if not can_manage_node(request.user, node):
        raise Http404
    start, end = parse_period(request)
    data = build_activity_ledger(node, *day_bounds(start, end))
    audit_record(actor=request.user, action=AuditLog.Action.EXPORT, target=node, label=f"活动台账 {node.name}",
                 detail={"from": start.isoformat(), "to": end.isoformat()}, request=request)
    return xlsx_response(data, f"{node.name}活动台账{start:%Y%m%d}-{end:%Y%m%d}.xlsx")
