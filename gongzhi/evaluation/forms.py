"""HTML forms: they only parse input; the services validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Category, CompoundType, ItemKind, Party, PeriodKind, SetKind, SubjectType


class RuleSetForm(forms.Form):
    node = forms.TypedChoiceField(label=_("所属区划"), coerce=int)
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=SetKind.choices)
    subject_type = forms.ChoiceField(label=_("评比对象"), choices=SubjectType.choices)
    period_kind = forms.ChoiceField(label=_("考评周期"), choices=PeriodKind.choices, initial=PeriodKind.MONTH)
    compound_type = forms.ChoiceField(label=_("小区类型（星级物业）"), choices=[("", "—")] + CompoundType.choices,
                                      required=False)
    description = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, nodes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [(n.pk, f"{n.name}（{n.get_level_display()}）") for n in nodes]


class VersionForm(forms.Form):
    effective_from = forms.DateField(label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"}))
    effective_to = forms.DateField(label=_("失效日期（可不填）"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    decision = forms.TypedChoiceField(label=_("议事决定（五步议事法）"), required=False, coerce=int, empty_value=None,
                                      choices=[("", "—")])
    adopted_by = forms.CharField(label=_("通过的会议或决定（未选议事决定时填写）"), max_length=200, required=False)
    adopted_on = forms.DateField(label=_("通过日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    summary = forms.CharField(label=_("修订说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    base_points = forms.DecimalField(label=_("基础分"), required=False, min_value=0, decimal_places=2)
    top_n = forms.IntegerField(label=_("每期表彰名额"), required=False, min_value=0, max_value=1000)
    top_title = forms.CharField(label=_("表彰称号"), required=False, max_length=30)
    award_count = forms.IntegerField(label=_("年度奖励名额"), required=False, min_value=0, max_value=100)
    award_subsidy_percent = forms.DecimalField(label=_("年度奖励物业费补贴（%）"), required=False, decimal_places=2)
    role_subsidy_percent = forms.DecimalField(label=_("“三长”物业费补贴（%）"), required=False, decimal_places=2)
    role_subsidy_extra_percent = forms.DecimalField(label=_("“三长”补贴提高（%）"), required=False, decimal_places=2)
    star_thresholds = forms.CharField(label=_("星级分数线"), required=False, max_length=60)

    def __init__(self, *args, decisions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.decisions = {d.pk: d for d in decisions}
        self.fields["decision"].choices = [("", "—")] + [
            (d.pk, f"{d.topic.title}（{d.decided_at:%Y-%m-%d}）") for d in self.decisions.values()]

    def clean(self):
        data = super().clean()
        data["decision"] = self.decisions.get(data.get("decision")) if data.get("decision") else None
        if not data["decision"] and not (data.get("adopted_by") or "").strip():
            self.add_error("adopted_by", _("请选择议事决定，或填写通过的会议或决定"))
        return data

    SETTINGS = ("base_points", "top_n", "top_title", "award_count", "award_subsidy_percent", "role_subsidy_percent",
                "role_subsidy_extra_percent", "star_thresholds")

    def settings(self) -> dict:
        return {k: self.cleaned_data[k] for k in self.SETTINGS if self.cleaned_data.get(k) not in (None, "")}


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=ItemKind.choices)
    category = forms.ChoiceField(label=_("方面"), choices=Category.choices)
    description = forms.CharField(label=_("内容"), max_length=300)
    points = forms.CharField(label=_("分值"), required=False, max_length=12)
    cap = forms.CharField(label=_("每期上限"), required=False, max_length=12)


class JurorForm(forms.Form):
    login = forms.CharField(label=_("评委账号（用户名或手机号）"), max_length=150)
    party = forms.ChoiceField(label=_("代表方"), choices=Party.choices)


class PeriodOpenForm(forms.Form):
    day = forms.DateField(label=_("考评期内的任一日期"), widget=forms.DateInput(attrs={"type": "date"}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300, required=False)


class AwardRevokeForm(forms.Form):
    # Checked in services.awards_revoke (at least 4 characters), so the page and the service say the same.
    reason = forms.CharField(label=_("撤销原因"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    subsidy_percent = forms.DecimalField(label=_("物业费补贴（%）"), required=False, decimal_places=2)


class RoleSubsidyForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    assignment = forms.TypedChoiceField(label=_("“三长”"), coerce=int)
    note = forms.CharField(label=_("履职情况"), max_length=300, required=False)

    def __init__(self, *args, assignments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignment"].choices = [(a.pk, f"{a.user.display_name} · {a.get_role_display()} · {a.node}")
                                             for a in assignments]
