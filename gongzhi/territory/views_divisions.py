"""设置 → 行政区划: the installation's administrator loads the division tree from the page (the first
step on an empty database). Three actions on one page: the shipped extract in one click; upload and
check (a dry run showing per level what would be created, updated or left unchanged, or the first
errors with their lines); confirm (the checked files, kept meanwhile under a token bound to this
session, as the residents' ledger import does). Anyone but a superuser: 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gongzhi.core.pending import PendingUploads

from . import selectors_setup as sel
from .division_uploads import MAX_UPLOAD_BYTES, MB, pack_upload
from .divisions import DivisionImportError, ImportStats
from .forms_setup import DivisionUploadForm
from .models import Level
from .permissions import can_import_divisions
from .services_divisions import PAGE_MAX_ROWS, divisions_check, divisions_import, divisions_import_extract

PENDING_KEY = "divisions_pending"
DONE_KEY = "divisions_done"  # the token last imported: a repeated confirmation is told so, not refused
pending_files = PendingUploads("divisions-pending", ".zip")


def _done(request, stats: ImportStats):
    text = _("行政区划已导入：共 %(rows)d 行，新增 %(created)d，更新 %(updated)d，未变 %(unchanged)d") % {
        "rows": stats.rows, "created": stats.created, "updated": stats.updated, "unchanged": stats.unchanged}
    if stats.seconds >= 1:
        text += _("，用时 %(seconds).1f 秒") % {"seconds": stats.seconds}
    messages.success(request, text)
    return redirect("territory:setup_divisions")


@login_required
@require_http_methods(["GET", "POST"])
def divisions(request):
    if not can_import_divisions(request.user):
        raise Http404
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = DivisionUploadForm(request.POST if action == "check" else None,
                              request.FILES if action == "check" else None)
    stats, errors, error_total, token, status = None, [], 0, "", 200
    pending = request.session.get(PENDING_KEY) or {}
    if request.method == "GET" and pending:  # a fresh start (放弃，重新选择文件): forget the file checked
        pending_files.discard(pending.get("token", ""))
        request.session.pop(PENDING_KEY, None)
        pending = {}

    if action == "extract":
        try:
            return _done(request, divisions_import_extract(actor=request.user, request=request))
        except DivisionImportError as e:  # e.g. one of its codes taken by a place added by hand
            errors, error_total, status = e.errors, e.total, 400

    elif action == "confirm":
        token = request.POST.get("token", "")
        if token and token == request.session.get(DONE_KEY):
            messages.info(request, _("这批区划文件已经导入，没有再次导入"))
            return redirect("territory:setup_divisions")
        data = pending_files.take(token) if token and pending.get("token") == token else None
        if data is None:
            messages.error(request, _("待导入的文件已失效，请重新上传并校验"))
            return redirect("territory:setup_divisions")
        request.session.pop(PENDING_KEY, None)
        try:
            result = divisions_import(actor=request.user, data=data, within=pending.get("within", ""),
                                      origin=pending.get("filename", ""), request=request)
        except DivisionImportError as e:  # the database changed since the check
            errors, error_total, status = e.errors, e.total, 400
        except ValidationError as e:
            errors, error_total, status = e.messages, len(e.messages), 400
        else:
            request.session[DONE_KEY] = token
            return _done(request, result)
        token = ""

    elif action == "check":
        status = 400
        if form.is_valid():
            files, within = form.cleaned_data["files"], form.cleaned_data["within"]
            try:
                data = pack_upload(files)
                stats = divisions_check(actor=request.user, data=data, within=within)
            except DivisionImportError as e:
                errors, error_total = e.errors, e.total
            except ValidationError as e:
                form.add_error("files", e.messages[0])
            else:
                if pending.get("token"):  # a file checked earlier and never confirmed
                    pending_files.discard(pending["token"])
                token = pending_files.save(data)
                filename = files[0].name if len(files) == 1 else _("%(n)d 个文件") % {"n": len(files)}
                request.session[PENDING_KEY] = {"token": token, "within": within, "filename": filename[:100]}
                status = 200

    levels = [(Level(level).label, s) for level, s in stats.levels.items()] if stats else []
    return render(request, "territory/setup_divisions.html", {
        "counts": sel.division_counts(), "form": form, "stats": stats, "levels": levels,
        "errors": errors, "error_total": error_total, "token": token,
        "within": form.cleaned_data.get("within", "") if stats else "",
        "max_rows": f"{PAGE_MAX_ROWS:,}", "max_upload_mb": MAX_UPLOAD_BYTES // MB,
    }, status=status)
