"""The category catalogue and the Open311 keys: pages for street and community staff, thin over
services/setup.py."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from gongzhi.core.pagination import paginate
from gongzhi.core.paths import ancestors_of
from gongzhi.territory.forms_roles import apply_service_errors
from gongzhi.territory.models import Node
from gongzhi.territory.selectors_roles import staff_area
from gongzhi.territory.selectors_setup import area_communities

from .models import Category, HandlingLevel, Open311Key
from .services.setup import (
    CATALOGUE_LEVELS,
    can_manage_catalogue,
    catalogue_copy_standard,
    catalogue_home,
    category_create,
    category_update,
    open311_key_create,
    open311_key_revoke,
)

ERR = {"required": _lazy("此项必填"), "invalid": _lazy("请填写整数"), "min_value": _lazy("数值太小"),
       "max_value": _lazy("数值太大"), "invalid_choice": _lazy("请选择有效的选项")}


class CategoryForm(forms.Form):
    code = forms.CharField(label=_lazy("编码（英文，Open311 的 service_code）"), max_length=40, error_messages=ERR)
    name = forms.CharField(label=_lazy("名称"), max_length=60, error_messages=ERR)
    group = forms.CharField(label=_lazy("分组"), max_length=40, required=False)
    description = forms.CharField(label=_lazy("说明"), max_length=200, required=False)
    keywords = forms.CharField(label=_lazy("关键词（空格分隔）"), max_length=200, required=False)
    response_hours = forms.IntegerField(label=_lazy("响应时限（小时）"), min_value=1, max_value=8760, error_messages=ERR)
    resolve_hours = forms.IntegerField(label=_lazy("办结时限（小时）"), min_value=1, max_value=8760, error_messages=ERR)
    working_days = forms.BooleanField(label=_lazy("只计工作日"), required=False)
    default_level = forms.ChoiceField(label=_lazy("默认办理层级"), choices=HandlingLevel.choices, error_messages=ERR)
    active = forms.BooleanField(label=_lazy("启用"), required=False, initial=True)
    sort = forms.IntegerField(label=_lazy("排序"), min_value=0, max_value=32767, initial=0, error_messages=ERR)


def _catalogue_area(request) -> Node | None:
    """The catalogue the page is about: `?area=` (a street or community the user keeps), else the
    user's own (catalogue_home). Anything else is 404."""
    raw = request.POST.get("area") or request.GET.get("area") or ""
    if not raw:
        try:
            return catalogue_home(request.user)
        except PermissionDenied:
            raise Http404 from None
    area = Node.objects.filter(pk=raw, level__in=CATALOGUE_LEVELS).first() if raw.isdigit() else None
    if area is None or not can_manage_catalogue(request.user, area):
        raise Http404
    return area


def _to_catalogue(area: Node | None):
    url = reverse("tickets:catalogue")
    return redirect(f"{url}?area={area.pk}" if area else url)


@login_required
def catalogue(request):
    area = _catalogue_area(request)
    staff = staff_area(request.user)
    choices = list(Node.objects.filter(staff.under("path"), level__in=CATALOGUE_LEVELS).order_by("path")[:500])
    categories = list(Category.objects.filter(area=area).order_by("sort", "code"))
    served_by = None
    if area is not None and not categories:  # the area above whose catalogue serves it for now
        served_by = (Node.objects.filter(path__in=ancestors_of(area.path), pk__in=Category.objects.values("area_id"))
                     .order_by("-path").first())
    return render(request, "tickets/catalogue.html", {
        "categories": categories, "area": area, "choices": choices, "served_by": served_by,
        "is_admin": request.user.is_superuser})


@require_POST
@login_required
def catalogue_standard(request):
    area = _catalogue_area(request)
    made = catalogue_copy_standard(actor=request.user, area=area, request=request)
    messages.success(request, _("已从标准分类复制%(n)s个分类") % {"n": len(made)})
    return _to_catalogue(area)


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request, pk: int | None = None):
    if pk:
        cat = get_object_or_404(Category.objects.select_related("area"), pk=pk)
        area = cat.area
        if not can_manage_catalogue(request.user, area):
            raise Http404
    else:
        cat, area = None, _catalogue_area(request)
    initial = {f: getattr(cat, f) for f in CategoryForm.base_fields} if cat else None
    form = CategoryForm(request.POST or None, initial=initial)
    if cat:
        form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        cd = dict(form.cleaned_data)
        code = cd.pop("code")
        try:
            if cat:
                category_update(actor=request.user, category=cat, request=request, **cd)
            else:
                cat = category_create(actor=request.user, code=code, area=area, request=request, **cd)
        except ValidationError as e:
            apply_service_errors(form, e)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("已保存分类“%(n)s”") % {"n": cd["name"]})
            return _to_catalogue(area)
    return render(request, "tickets/category_edit.html", {"form": form, "cat": cat, "area": area},
                  status=400 if request.method == "POST" else 200)


class KeyForm(forms.Form):
    name = forms.CharField(label=_lazy("名称（对接的系统）"), max_length=100, error_messages=ERR)
    community = forms.ChoiceField(label=_lazy("诉求归入的社区"), error_messages=ERR)


@login_required
@require_http_methods(["GET", "POST"])
def open311_keys(request):
    area = staff_area(request.user)
    communities = list(area_communities(area)[:500])
    form = KeyForm(request.POST or None)
    form.fields["community"].choices = [("", _("请选择"))] + [(str(c.pk), c.name) for c in communities]
    shown_key = None
    if request.method == "POST" and form.is_valid():
        community = next(c for c in communities if str(c.pk) == form.cleaned_data["community"])
        try:
            row, shown_key = open311_key_create(actor=request.user, community=community,
                                                name=form.cleaned_data["name"], request=request)
        except ValidationError as e:
            apply_service_errors(form, e)
        except PermissionDenied:
            raise Http404 from None
        else:
            form = KeyForm()
            form.fields["community"].choices = [("", _("请选择"))] + [(str(c.pk), c.name) for c in communities]
    keys = (Open311Key.objects.filter(area.under("community__path")).select_related("community", "user")
            .order_by("-active", "-created_at"))
    ctx = {"form": form, "page": paginate(request, keys), "shown_key": shown_key}
    return render(request, "tickets/open311_keys.html", ctx,
                  status=400 if request.method == "POST" and shown_key is None else 200)


@require_POST
@login_required
def open311_key_revoke_view(request, pk: int):
    area = staff_area(request.user)
    key = Open311Key.objects.filter(area.under("community__path"), pk=pk, active=True).select_related("community").first()
    if key is None:
        raise Http404
    try:
        open311_key_revoke(actor=request.user, key=key, request=request)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("已吊销密钥“%(n)s”") % {"n": key.name})
    return redirect("tickets:open311_keys")
