"""Staff pages: rule sets and their versions, juries, periods, progress, results, awards."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.pagination import paginate
from gongzhi.deliberation.selectors import decisions_adoptable_at
from gongzhi.territory.models import Node

from .. import aggregation, selectors, services
from .. import subjects as subjects_mod
from ..forms import (
    AwardRevokeForm,
    ItemForm,
    JurorForm,
    PeriodOpenForm,
    ReasonForm,
    RoleSubsidyForm,
    RuleSetForm,
    VersionForm,
    YearForm,
)
from ..models import RuleItem, ScoreSheet
from ..periods_calendar import YEAR_MAX, YEAR_MIN
from ..permissions import can_manage_rule_set
from ..photos import image_kind
from .common import report_errors


@login_required
def index(request):
    qs = selectors.visible_rule_sets(request.user).order_by("node__path", "name")
    return render(request, "evaluation/index.html", {
        "page": paginate(request, qs),
        "my_periods": selectors.juror_periods(request.user)[:50],
    })


@login_required
def rule_set_new(request):
    nodes = list(selectors.rule_set_places(request.user))
    form = RuleSetForm(request.POST or None, nodes=nodes)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        node = Node.objects.get(pk=d.pop("node"))
        try:
            rs = services.rule_set_create(actor=request.user, node=node, **d)
        except ValidationError as e:
            report_errors(request, e, form)
        else:
            messages.success(request, _("已建立“%(n)s”，请添加第一个版本") % {"n": rs.name})
            return redirect("evaluation:rule_set", rs.pk)
    return render(request, "evaluation/rule_set_new.html", {"form": form})


def _managed_rule_set(request, pk):
    rs = selectors.get_rule_set(request.user, pk)
    if not can_manage_rule_set(request.user, rs):
        raise PermissionDenied
    return rs


@login_required
def rule_set_detail(request, pk: int):
    rs = selectors.get_rule_set(request.user, pk)
    manage = can_manage_rule_set(request.user, rs)
    awards = list(selectors.rule_set_award_history(rs))
    ctx = {
        "rs": rs, "manage": manage,
        "versions": selectors.rule_set_versions(rs),
        "jurors": selectors.rule_set_jurors(rs),
        "periods": selectors.rule_set_periods(rs)[:36],
        "awards": awards,
        "revocable_years": sorted({a.year for a in awards if not a.is_revoked}, reverse=True),
        "subsidies": selectors.rule_set_subsidies(rs),
    }
    if manage:
        ctx.update(version_form=VersionForm(decisions=decisions_adoptable_at(rs.node)), juror_form=JurorForm(), open_form=PeriodOpenForm(),
                   award_form=YearForm(), subsidy_form=RoleSubsidyForm(assignments=selectors.role_holders(rs)))
    return render(request, "evaluation/rule_set.html", ctx)


@login_required
@require_POST
def version_new(request, pk: int):
    rs = _managed_rule_set(request, pk)
    form = VersionForm(request.POST, decisions=decisions_adoptable_at(rs.node))
    if form.is_valid():
        d = form.cleaned_data
        try:
            v = services.version_create(actor=request.user, rule_set=rs, effective_from=d["effective_from"],
                                        effective_to=d["effective_to"], adopted_by=d["adopted_by"], decision=d["decision"],
                                        adopted_on=d["adopted_on"], summary=d["summary"], **form.settings())
        except ValidationError as e:
            report_errors(request, e)
        else:
            messages.success(request, _("已建立第%(n)s版") % {"n": v.number})
            return redirect("evaluation:version", v.pk)
    else:
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, e)
    return redirect("evaluation:rule_set", rs.pk)


@login_required
def version_detail(request, pk: int):
    v = selectors.get_version(request.user, pk)
    editable = can_manage_rule_set(request.user, v.rule_set) and v.n_periods == 0
    form = ItemForm(request.POST or None)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.item_add(actor=request.user, version=v, **form.cleaned_data)
            except ValidationError as e:
                report_errors(request, e, form)
            else:
                messages.success(request, _("已添加条目"))
                return redirect("evaluation:version", v.pk)
    return render(request, "evaluation/version.html", {
        "v": v, "rs": v.rule_set, "items": selectors.version_items(v), "editable": editable, "form": form,
    })


@login_required
@require_POST
def item_action(request, pk: int):
    item = RuleItem.objects.filter(pk=pk).select_related("version").first()
    if item is None:
        raise Http404
    v = selectors.get_version(request.user, item.version_id)
    try:
        if request.POST.get("action") == "remove":
            services.item_remove(actor=request.user, item=item)
            messages.success(request, _("已删除条目"))
        else:
            services.item_revise(actor=request.user, item=item, description=request.POST.get("description"),
                                 points=request.POST.get("points"), cap=request.POST.get("cap"))
            messages.success(request, _("已修改条目"))
    except ValidationError as e:
        report_errors(request, e)
    return redirect("evaluation:version", v.pk)


@login_required
@require_POST
def juror_new(request, pk: int):
    rs = _managed_rule_set(request, pk)
    form = JurorForm(request.POST)
    if form.is_valid():
        user = selectors.juror_candidate(rs, form.cleaned_data["login"])
        if user is None:
            messages.error(request, _("没有找到这个账号"))
        else:
            try:
                services.juror_add(actor=request.user, rule_set=rs, user=user, party=form.cleaned_data["party"])
                messages.success(request, _("已加入评审团"))
            except ValidationError as e:
                report_errors(request, e)
    return redirect("evaluation:rule_set", rs.pk)


@login_required
@require_POST
def juror_remove(request, pk: int, juror_id: int):
    rs = _managed_rule_set(request, pk)
    juror = rs.jurors.filter(pk=juror_id, active=True).first()
    if juror is None:
        raise Http404
    services.juror_remove(actor=request.user, juror=juror)
    messages.success(request, _("已移出评审团"))
    return redirect("evaluation:rule_set", rs.pk)


@login_required
def period_new(request, pk: int):
    """Open a period. The rule set page posts a date only (the subjects are then the previous period's
    selection); this page also lets staff choose the subjects, the previous selection ticked."""
    rs = _managed_rule_set(request, pk)
    form = PeriodOpenForm(request.POST or None)
    candidates = subjects_mod.candidates(rs)
    if request.method == "POST":
        if form.is_valid():
            refs = None
            if request.POST.get("choose"):
                try:
                    refs = [int(x) for x in request.POST.getlist("subjects")]
                except ValueError:
                    refs = [-1]
            try:
                p = services.period_open(actor=request.user, rule_set=rs, day=form.cleaned_data["day"],
                                         subject_refs=refs)
            except ValidationError as e:
                report_errors(request, e, form)
            else:
                messages.success(request, _("已开启%(l)s") % {"l": p.label})
                return redirect("evaluation:period", p.pk)
        if not request.POST.get("choose"):
            for errs in form.errors.values():
                for e in errs:
                    messages.error(request, e)
            return redirect("evaluation:rule_set", rs.pk)
    chosen = {s.key for s in services.default_selection(rs, candidates)}
    if request.method == "POST":
        chosen = {s.key for s in candidates if str(subjects_mod.ref_id(s)) in request.POST.getlist("subjects")}
    return render(request, "evaluation/period_new.html", {
        "rs": rs, "form": form,
        "candidates": [{"ref": subjects_mod.ref_id(s), "label": s.label, "checked": s.key in chosen}
                       for s in candidates],
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def awards_new(request, pk: int):
    rs = _managed_rule_set(request, pk)
    form = YearForm(request.POST)
    if form.is_valid():
        try:
            services.awards_grant(actor=request.user, rule_set=rs, year=form.cleaned_data["year"],
                                  subsidy_percent=form.cleaned_data["subsidy_percent"])
            messages.success(request, _("已授予年度奖励"))
        except ValidationError as e:
            report_errors(request, e)
    return redirect("evaluation:rule_set", rs.pk)


@login_required
def awards_revoke(request, pk: int, year: int):
    """Confirm, with a reason, the revocation of a year's awards (撤销年度奖励)."""
    rs = _managed_rule_set(request, pk)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise Http404
    awards = list(selectors.rule_set_awards(rs).filter(year=year))
    if not awards:
        raise Http404
    form = AwardRevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            n = services.awards_revoke(actor=request.user, rule_set=rs, year=year,
                                       reason=form.cleaned_data["reason"], request=request)
        except ValidationError as e:
            report_errors(request, e, form)
        else:
            messages.success(request, _("已撤销%(y)s年度的%(n)s项奖励，原因已记录") % {"y": year, "n": n})
            return redirect("evaluation:rule_set", rs.pk)
    return render(request, "evaluation/award_revoke.html", {"rs": rs, "year": year, "awards": awards, "form": form})


@login_required
@require_POST
def subsidy_new(request, pk: int):
    rs = _managed_rule_set(request, pk)
    holders = {a.pk: a for a in selectors.role_holders(rs)}
    form = RoleSubsidyForm(request.POST, assignments=holders.values())
    if form.is_valid():
        try:
            services.role_subsidy_grant(actor=request.user, rule_set=rs, year=form.cleaned_data["year"],
                                        assignment=holders[form.cleaned_data["assignment"]],
                                        note=form.cleaned_data["note"])
            messages.success(request, _("已授予“三长”补贴"))
        except ValidationError as e:
            report_errors(request, e)
    else:
        messages.error(request, _("请选择“三长”并填写年度"))
    return redirect("evaluation:rule_set", rs.pk)


@login_required
def period_detail(request, pk: int):
    p = selectors.get_period(request.user, pk)
    manage = can_manage_rule_set(request.user, p.rule_set)
    return render(request, "evaluation/period.html", {
        "p": p, "rs": p.rule_set, "manage": manage,
        "progress": selectors.period_progress(p),
        "jury": selectors.jury_progress(p),
        "page": paginate(request, selectors.current_results(p)) if p.round else None,
        "n_subjects": p.subjects.count(),
        "events": selectors.period_events(p),
        "reason_form": ReasonForm(),
        "juror_form": JurorForm() if manage and p.is_open else None,
    })


@login_required
def period_close(request, pk: int):
    """Confirm closing a period by hand, listing the jurors who have not scored every subject."""
    p = selectors.get_period(request.user, pk)
    if not can_manage_rule_set(request.user, p.rule_set):
        raise PermissionDenied
    if not p.is_open:
        messages.error(request, _("%(l)s的评分已经结束") % {"l": p.label})
        return redirect("evaluation:period", p.pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.period_close(actor=request.user, period=p, reason=form.cleaned_data["reason"])
        except ValidationError as e:
            report_errors(request, e, form)
        else:
            messages.success(request, _("已结束评分并生成排名"))
            return redirect("evaluation:period", p.pk)
    return render(request, "evaluation/period_close.html", {
        "p": p, "rs": p.rule_set, "form": form, "pending": selectors.pending_jurors(p), "n_subjects": p.subjects.count(),
    })


@login_required
@require_POST
def period_action(request, pk: int):
    p = selectors.get_period(request.user, pk)
    reason = request.POST.get("reason", "")
    if request.POST.get("action") != "reopen":
        return redirect("evaluation:period_close", p.pk)
    try:
        services.period_reopen(actor=request.user, period=p, reason=reason)
        messages.success(request, _("已重新开启，原因已记录"))
    except ValidationError as e:
        report_errors(request, e)
    return redirect("evaluation:period", p.pk)


@login_required
@require_POST
def period_juror_new(request, pk: int):
    p = selectors.get_period(request.user, pk)
    if not can_manage_rule_set(request.user, p.rule_set):
        raise PermissionDenied
    form = JurorForm(request.POST)
    if form.is_valid():
        user = selectors.juror_candidate(p.rule_set, form.cleaned_data["login"])
        if user is None:
            messages.error(request, _("没有找到这个账号"))
        else:
            try:
                services.period_juror_add(actor=request.user, period=p, user=user, party=form.cleaned_data["party"])
                messages.success(request, _("已加入本期评审团"))
            except ValidationError as e:
                report_errors(request, e)
    return redirect("evaluation:period", p.pk)


@login_required
@require_POST
def period_juror_remove(request, pk: int, seat_id: int):
    p = selectors.get_period(request.user, pk)
    if not can_manage_rule_set(request.user, p.rule_set):
        raise PermissionDenied
    seat = selectors.get_period_seat(p, seat_id)
    try:
        services.period_juror_remove(actor=request.user, period=p, seat=seat)
        messages.success(request, _("已移出本期评审团，其评分不再计入"))
    except ValidationError as e:
        report_errors(request, e)
    return redirect("evaluation:period", p.pk)


@login_required
def subject_detail(request, pk: int, subject_id: int):
    p = selectors.get_period(request.user, pk)
    subject = selectors.get_subject(p, subject_id)
    return render(request, "evaluation/subject.html", {
        "p": p, "rs": p.rule_set, "subject": subject, "ex": aggregation.explain(subject),
        "result": selectors.subject_result(subject),
    })


@login_required
def sheet_photo(request, pk: int, subject_id: int, sheet_id: int):
    """A juror's photo, only to those who may read the subject's explanation (the public board shows none).
    Served with the type read from the stored bytes; anything that is not a JPEG, PNG or WebP is not served."""
    p = selectors.get_period(request.user, pk)
    subject = selectors.get_subject(p, subject_id)
    sheet = ScoreSheet.objects.filter(pk=sheet_id, subject=subject).exclude(photo="").first()
    if sheet is None:
        raise Http404
    try:
        f = sheet.photo.open("rb")
    except OSError:
        raise Http404 from None
    kind = image_kind(f.read(16))
    if kind is None:
        f.close()
        raise Http404
    f.seek(0)
    resp = FileResponse(f, content_type=kind[1])
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Cache-Control"] = "private, max-age=3600"
    return resp
