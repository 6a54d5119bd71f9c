"""Forms: parse and bound the input; the services decide."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EarnKind, Item


class KeyedForm(forms.Form):
    """Carries a one-time submission key, so the same form posted twice acts once."""

    client_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_key", uuid.uuid4().hex)


class OrderForm(KeyedForm):
    quantity = forms.IntegerField(label=_("数量："), min_value=1, max_value=100, initial=1)


class CounterForm(KeyedForm):
    code = forms.CharField(label=_("居民码："), max_length=200, widget=forms.TextInput(attrs={"autofocus": True}))
    item = forms.ModelChoiceField(label=_("物品："), queryset=Item.objects.none())
    quantity = forms.IntegerField(label=_("数量："), min_value=1, max_value=100, initial=1)

    def __init__(self, *args, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = Item.objects.filter(community=community, active=True)


class ItemForm(forms.Form):
    name = forms.CharField(label=_("名称："), max_length=60)
    kind = forms.ChoiceField(label=_("类型："), choices=Item.Kind.choices)
    price = forms.IntegerField(label=_("所需积分："), min_value=1, max_value=1_000_000)
    stock = forms.IntegerField(label=_("库存（服务可留空）："), min_value=0, max_value=1_000_000, required=False)
    per_person_limit = forms.IntegerField(label=_("每人限兑（可留空）："), min_value=1, max_value=1000, required=False)
    description = forms.CharField(label=_("说明："), max_length=200, required=False)


class StockForm(forms.Form):
    add_stock = forms.IntegerField(label=_("入库数量（负数为出库）："), min_value=-1_000_000, max_value=1_000_000)


RULE_KINDS = [k for k in EarnKind if k != EarnKind.MANUAL]


class RuleVersionForm(forms.Form):
    effective_from = forms.DateField(label=_("施行日期："), widget=forms.DateInput(attrs={"type": "date"}))
    expire_after_years = forms.IntegerField(label=_("积分有效期（年，0为不过期）："), min_value=0, max_value=10, initial=1)
    adopted_by = forms.CharField(label=_("依据（如居民议事会决议）："), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for k in RULE_KINDS:
            self.fields[f"points_{k.value}"] = forms.IntegerField(label=f"{k.label}：", min_value=1, max_value=10_000,
                                                                  required=False)
            self.fields[f"cap_{k.value}"] = forms.IntegerField(label=_("每月上限："), min_value=1, max_value=100_000,
                                                               required=False)

    def rule_rows(self):
        return [(self[f"points_{k.value}"], self[f"cap_{k.value}"]) for k in RULE_KINDS]


class AwardForm(KeyedForm):
    resident = forms.IntegerField(label=_("居民编号："), min_value=1)
    amount = forms.IntegerField(label=_("积分："), min_value=1, max_value=10_000)
    reason = forms.CharField(label=_("理由："), max_length=200)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("更正理由："), max_length=200)
