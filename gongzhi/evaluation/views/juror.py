"""Juror pages (phone): the open periods of my juries, the subjects of one, and the score form."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import selectors, services
from ..models import ItemKind


@login_required
def my_periods(request):
    return render(request, "evaluation/juror_periods.html", {"periods": selectors.juror_periods(request.user)[:100]})


@login_required
def period_subjects(request, pk: int):
    period, juror = selectors.get_juror_period(request.user, pk)
    subjects = list(selectors.juror_subjects(period, juror))
    return render(request, "evaluation/juror_subjects.html", {
        "p": period, "juror": juror, "subjects": subjects, "done": sum(1 for s in subjects if s.done),
    })


def _next_subject(period, juror, after):
    return selectors.juror_subjects(period, juror).filter(done=False).exclude(pk=after.pk).first()


@login_required
def score_subject(request, pk: int, subject_id: int):
    period, juror = selectors.get_juror_period(request.user, pk)
    subject = selectors.get_subject(period, subject_id)
    items = selectors.scored_items(period.version)
    wants_json = "application/json" in request.headers.get("Accept", "")
    errors: dict[str, list[str]] = {}
    posted = request.POST if request.method == "POST" else None
    if posted is not None:
        values = {i.pk: posted.get(f"item_{i.pk}", "") for i in items if i.is_scored}
        notes = {i.pk: posted.get(f"note_{i.pk}", "") for i in items if i.is_scored}
        try:
            res = services.sheet_submit(actor=request.user, period=period, subject_id=subject.pk,
                                        client_key=posted.get("client_key", ""), values=values, notes=notes,
                                        note=posted.get("note", ""), photo=request.FILES.get("photo"))
        except PermissionDenied as e:
            if wants_json:
                return JsonResponse({"ok": False, "errors": {"__all__": [str(e)]}}, status=403)
            raise
        except ValidationError as e:
            errors = e.message_dict if hasattr(e, "error_dict") else {"__all__": e.messages}
            if wants_json:
                return JsonResponse({"ok": False, "errors": errors}, status=400)
        else:
            nxt = _next_subject(period, juror, subject)
            next_url = (reverse("evaluation:score_subject", args=[period.pk, nxt.pk]) if nxt and period.is_open
                        else reverse("evaluation:juror_period", args=[period.pk]))
            msg = _("已保存“%(s)s”的评分") % {"s": subject.label} if res.created else \
                _("这份评分已经保存过，没有重复计入")
            if res.period_closed:
                msg += _("；全体评委已评完全部对象，本期已结束")
            messages.success(request, msg)  # the form script moves on to next_url, which shows it
            if wants_json:
                return JsonResponse({"ok": True, "sheet": res.sheet.pk, "created": res.created,
                                     "period_closed": res.period_closed, "message": msg, "next_url": next_url})
            return redirect(next_url)
    sheet = selectors.juror_sheet(subject, juror)
    previous = {s.item_id: s for s in sheet.scores.all()} if sheet else {}
    rows = []
    for i in items:
        prev = previous.get(i.pk)
        if posted is not None:
            value = posted.get(f"item_{i.pk}", "")
        elif prev is None:
            value = ""
        else:
            value = str(prev.count) if prev.count is not None else f"{prev.value.normalize():f}"
        note = posted.get(f"note_{i.pk}", "") if posted is not None else (prev.note if prev else "")
        rows.append({"item": i, "value": value, "note": note, "errors": errors.get(f"item_{i.pk}", []),
                     "is_veto": i.kind == ItemKind.VETO})
    return render(request, "evaluation/score_form.html", {
        "p": period, "juror": juror, "subject": subject, "rows": rows, "sheet": sheet,
        "general_errors": [e for k, v in errors.items() if not k.startswith("item_") for e in v],
        "client_key": (posted.get("client_key") if posted is not None else None) or uuid.uuid4().hex,
        "note": posted.get("note", "") if posted is not None else (sheet.note if sheet else ""),
        "offline_key": f"{request.user.pk}:{period.pk}:{subject.pk}",
    }, status=400 if errors else 200)
