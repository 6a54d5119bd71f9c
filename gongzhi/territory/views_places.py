"""Set-up pages for street and community staff: the communities of their area, one community's place
tree, adding places, the bulk builder (with preview), rename, move within the community, retire;
and accounts for the people they will appoint. Thin over services / services_setup."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gongzhi.core.pagination import paginate

from . import selectors_setup as sel
from .forms_roles import apply_service_errors
from .forms_setup import AccountForm, BuildForm, MoveForm, PlaceAddForm, RenameForm
from .models import ADMIN_LEVELS, CHILD_LEVELS, Level, Node
from .selectors_roles import staff_area
from .services import community_of, node_add, node_rename
from .services_setup import BuildPlan, account_open, node_move, node_retire, place_build


@login_required
def setup_index(request):
    area = staff_area(request.user)
    ctx = {"page": paginate(request, sel.area_communities(area)), "is_admin": request.user.is_superuser}
    q = request.GET.get("q", "").strip()[:30]
    streets = Node.objects.filter(area.under("path"), level=Level.STREET)
    if q:
        streets = streets.filter(name__icontains=q)
    ctx["tops"] = streets.order_by("path")[:20]  # a national tree has 41,000 streets: search narrows it
    ctx["q"] = q
    return render(request, "territory/setup_index.html", ctx)


@login_required
def community_setup(request, pk: int):
    area = staff_area(request.user)
    community = sel.area_community(area, pk)
    ctx = {"community": community, "page": paginate(request, sel.community_places(community), per_page=100),
           "grids": sel.community_grids(community)}
    return render(request, "territory/setup_community.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def place_add(request, pk: int):
    area = staff_area(request.user)
    parent = sel.area_node(area, pk)
    levels = sorted(CHILD_LEVELS[Level(parent.level)], key=list(Level).index)
    if not levels:
        raise Http404
    form = PlaceAddForm(request.POST or None, levels=levels)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        code = cd["code"].strip() if cd["level"] in ADMIN_LEVELS else None
        try:
            node = node_add(actor=request.user, parent=parent, level=cd["level"], name=cd["name"], code=code)
        except ValidationError as e:
            apply_service_errors(form, e)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("已添加%(l)s“%(n)s”") % {"l": node.get_level_display(), "n": node.name})
            return redirect(_back(node))
    return render(request, "territory/setup_place_add.html", {"parent": parent, "form": form},
                  status=400 if request.method == "POST" else 200)


def _back(node):
    community = community_of(node)
    if community is not None:
        return reverse("territory:setup_community", args=[community.pk])
    return reverse("territory:setup")


@login_required
@require_http_methods(["GET", "POST"])
def place_builder(request, pk: int):
    area = staff_area(request.user)
    community = sel.area_community(area, pk)
    micro_grids = list(sel.micro_grids_of(community))
    form = BuildForm(request.POST or None, micro_grids=micro_grids)
    plan = None
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        plan = BuildPlan(compound=cd["compound"].strip(), buildings=cd["buildings"], units=cd["units"],
                         floors=cd["floors"], flats=cd["flats"], first_building=cd["first_building"])
        if request.POST.get("confirm") == "1":
            micro = next((g for g in micro_grids if str(g.pk) == cd["micro_grid"]), None)
            try:
                if micro is None:
                    raise ValidationError({"micro_grid": [_("请选择本社区的一个微网格")]})
                done = place_build(actor=request.user, community=community, plan=plan, micro_grid=micro,
                                   request=request)
            except ValidationError as e:
                apply_service_errors(form, e)
                plan = None
            except PermissionDenied:
                raise Http404 from None
            else:
                messages.success(request, _("已生成%(b)s栋楼、%(h)s户") % {"b": plan.buildings, "h": done["households"]})
                return redirect("territory:setup_community", pk=community.pk)
    ctx = {"community": community, "form": form, "plan": plan, "has_micro": bool(micro_grids)}
    return render(request, "territory/setup_build.html", ctx,
                  status=400 if request.method == "POST" and not form.is_valid() else 200)


@login_required
@require_http_methods(["GET", "POST"])
def place_edit(request, pk: int):
    area = staff_area(request.user)
    node = sel.area_node(area, pk, levels=sel.PLACE_LEVELS)
    community = community_of(node)
    if community is None:
        raise Http404
    parents = [(n, label) for n, label in sel.place_choices(community, include_community=True)
               if node.level in CHILD_LEVELS[Level(n.level)] and not n.path.startswith(node.path)
               and n.pk != node.parent_id]
    action = request.POST.get("action", "") if request.method == "POST" else ""
    rename = RenameForm(request.POST if action == "rename" else None, initial={"name": node.name})
    move = MoveForm(request.POST if action == "move" else None, parents=parents)
    try:
        if action == "rename" and rename.is_valid():
            node_rename(actor=request.user, node=node, name=rename.cleaned_data["name"])
            messages.success(request, _("已改名为“%(n)s”") % {"n": node.name})
            return redirect("territory:setup_community", pk=community.pk)
        if action == "move" and move.is_valid():
            target = next(n for n, _label in parents if str(n.pk) == move.cleaned_data["parent"])
            node_move(actor=request.user, node=node, new_parent=target, request=request)
            messages.success(request, _("已将“%(n)s”移到“%(p)s”下") % {"n": node.name, "p": target.name})
            return redirect("territory:setup_community", pk=community.pk)
    except ValidationError as e:
        apply_service_errors(rename if action == "rename" else move, e)
    except PermissionDenied:
        raise Http404 from None
    ctx = {"node": node, "community": community, "rename": rename, "move": move}
    return render(request, "territory/setup_place.html", ctx, status=400 if action else 200)


@login_required
@require_http_methods(["GET", "POST"])
def place_retire(request, pk: int):
    area = staff_area(request.user)
    node = sel.area_node(area, pk, levels=sel.PLACE_LEVELS)
    community = community_of(node)
    error = ""
    if request.method == "POST":
        try:
            node_retire(actor=request.user, node=node, request=request)
        except ValidationError as e:
            error = " ".join(e.messages)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("已撤销“%(n)s”") % {"n": node.name})
            return redirect("territory:setup_community", pk=community.pk)
    return render(request, "territory/setup_retire.html", {"node": node, "community": community, "error": error},
                  status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def account_new(request):
    staff_area(request.user)  # staff only; others: 404
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            user = account_open(actor=request.user, username=cd["username"], name=cd["name"], phone=cd["phone"],
                                password=cd["password"], request=request)
        except ValidationError as e:
            apply_service_errors(form, e)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("已开通账号“%(u)s”，请继续任命其职务") % {"u": user.username})
            return redirect(reverse("territory:role_appoint") + f"?person={user.username}")
    return render(request, "territory/setup_account.html", {"form": form},
                  status=400 if request.method == "POST" else 200)
