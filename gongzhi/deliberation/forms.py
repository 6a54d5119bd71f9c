from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ApplyKind, BallotForm, Matter, MeetingKind, Party, VoteChoices


class TopicForm(forms.Form):
    title = forms.CharField(label=_("议题："), max_length=120)
    matter = forms.ChoiceField(label=_("事项类别："), choices=Matter.choices, initial=Matter.ORDINARY)
    plan_how = forms.CharField(label=_("如何做："), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    plan_who = forms.CharField(label=_("谁来做："), required=False, max_length=500)
    plan_supervise = forms.CharField(label=_("谁监督："), required=False, max_length=500)
    options = forms.CharField(label=_("备选方案（每行一项）："), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    budget = forms.DecimalField(label=_("预算（元）："), required=False, min_value=0, max_digits=12, decimal_places=2)
    participants = forms.MultipleChoiceField(label=_("参与方："), choices=Party.choices, required=False,
                                             widget=forms.CheckboxSelectMultiple)
    source_note = forms.CharField(label=_("来源说明："), required=False, max_length=200)

    def plan(self) -> dict:
        d = dict(self.cleaned_data)
        d["options"] = [ln.strip() for ln in d["options"].splitlines() if ln.strip()]
        return d


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("提议事项："), max_length=120)
    plan_how = forms.CharField(label=_("建议怎么做："), widget=forms.Textarea(attrs={"rows": 4}), required=False)


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("会议形式："), choices=MeetingKind.choices)
    name = forms.CharField(label=_("会议名称："), required=False, max_length=60)
    starts_at = forms.DateTimeField(label=_("会议时间："), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    location = forms.CharField(label=_("会议地点："), max_length=120)
    capacity = forms.IntegerField(label=_("名额："), required=False, min_value=1, max_value=100000)


class InviteForm(forms.Form):
    name = forms.CharField(label=_("姓名："), max_length=60)
    party = forms.ChoiceField(label=_("参会方："), choices=Party.choices)


class VoteForm(forms.Form):
    form = forms.ChoiceField(label=_("表决形式："), choices=BallotForm.choices)
    choices = forms.ChoiceField(label=_("选项："), choices=VoteChoices.choices)
    secret = forms.BooleanField(label=_("无记名投票"), required=False, initial=True)
    closes_at = forms.DateTimeField(label=_("截止时间："), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class ApplyForm(forms.Form):
    kind = forms.ChoiceField(label=_("落实方式："), choices=ApplyKind.choices)
    ticket_id = forms.IntegerField(label=_("工单编号："), required=False, min_value=1)
    task_owner = forms.CharField(label=_("责任人："), required=False, max_length=60)
    task_due = forms.DateField(label=_("完成期限："), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("落实说明："), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RegisterForm(forms.Form):
    file = forms.FileField(label=_("业主名册（Excel）："))
