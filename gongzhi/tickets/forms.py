"""Forms for the pages. They collect and coerce input; the services validate the rules."""

import uuid

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.territory.models import Node

from . import catalogue
from .models import Category, Channel, FollowUp, HandlingLevel, Kind, Rating
from .permissions import files_as_staff, resident_households
from .selectors import filing_communities, place_label, places_q_for

STAFF_CHANNELS = [(c.value, c.label) for c in Channel if c not in (Channel.SELF, Channel.OPEN311)]


class SubmitForm(forms.Form):
    idem = forms.CharField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices, initial=Kind.DEMAND)
    category = forms.ModelChoiceField(label=_("分类"), queryset=Category.objects.filter(active=True),
                                      empty_label=_("请选择"), error_messages={"required": _("请选择诉求分类")})
    title = forms.CharField(label=_("标题"), max_length=100, required=False)
    description = forms.CharField(label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000,
                                  error_messages={"required": _("请描述诉求内容")})
    household = forms.TypedChoiceField(label=_("住户"), coerce=int, required=False, empty_value=None)
    node = forms.ModelChoiceField(label=_("小区/楼栋/单元"), queryset=Node.objects.none(), required=False,
                                  empty_label=_("（不选）"))
    community = forms.ModelChoiceField(label=_("社区"), queryset=Node.objects.none(), required=False,
                                       empty_label=_("请选择"))
    address = forms.CharField(label=_("具体地址"), max_length=200, required=False)
    channel = forms.ChoiceField(label=_("来源渠道"), choices=STAFF_CHANNELS, required=False)
    external_no = forms.CharField(label=_("12345工单号"), max_length=40, required=False)
    reporter_name = forms.CharField(label=_("诉求人姓名"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.homes = resident_households(user)
        self.staff_mode = files_as_staff(user)
        if not self.initial.get("idem"):
            self.initial["idem"] = uuid.uuid4().hex
        if self.staff_mode:
            self.fields["community"].queryset = filing_communities(user)
            del self.fields["household"]
        else:
            self.fields["household"].choices = [(h.pk, str(h)) for h in self.homes]
            for name in ("community", "channel", "external_no", "reporter_name"):
                del self.fields[name]
        self.fields["category"].queryset = self._categories()
        # The place picker searches (tickets:places); the select holds only the chosen place, and the
        # queryset, which validates it, is every compound/building the user may file for.
        node = self.fields["node"]
        node.queryset = places_q_for(user, staff_mode=self.staff_mode)
        node.widget.attrs.update({"data-place-picker": "1"})
        node.widget.choices = [("", node.empty_label)] + [(p.pk, place_label(p)) for p in self._chosen_places()]

    def _categories(self):
        """The active categories of the catalogues that serve the places the user files for (the
        service checks the chosen place's catalogue)."""
        if self.staff_mode:
            paths = list(filing_communities(self.user).values_list("path", flat=True))
        else:
            paths = [h.node_path for h in self.homes]
        areas = {catalogue.area_for(p) for p in paths}
        q = Q(area_id__in=[a for a in areas if a is not None])
        if None in areas:
            q |= Q(area__isnull=True)
        return Category.objects.filter(q, active=True)

    def _chosen_places(self) -> list[Node]:
        value = (self.data.get("node") if self.is_bound else self.initial.get("node")) or ""
        if not str(value).isdigit():
            return []
        return list(self.fields["node"].queryset.filter(pk=value).select_related("parent"))

    def clean(self):
        data = super().clean()
        if self.staff_mode and not data.get("channel"):
            self.add_error("channel", _("请选择来源渠道"))
        if self.staff_mode and not data.get("node") and not data.get("community"):
            self.add_error("community", _("请选择社区或具体位置"))
        return data

    def place(self) -> dict:
        d = self.cleaned_data
        if not self.staff_mode:
            if d.get("node"):
                return {"node": d["node"], "address": d.get("address", "")}
            hh = next((h for h in self.homes if h.pk == d.get("household")), self.homes[0])
            return {"household": hh, "address": d.get("address", "")}
        if d.get("node"):
            return {"node": d["node"], "address": d.get("address", "")}
        return {"community": d["community"], "address": d.get("address", "")}


class DispatchForm(forms.Form):
    level = forms.ChoiceField(label=_("办理层级"), choices=[("", _("按分类与地点自动"))] + HandlingLevel.choices,
                              required=False)
    note = forms.CharField(label=_("分办意见"), max_length=500, required=False)


class FollowUpForm(forms.Form):
    rating = forms.ChoiceField(label=_("满意度"), choices=Rating.choices, widget=forms.RadioSelect,
                               error_messages={"required": _("请选择满意度")})
    comment = forms.CharField(label=_("意见"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    via = forms.ChoiceField(label=_("方式"), choices=FollowUp.Via.choices, initial=FollowUp.Via.CALL, required=False)
