"""The shared page components as template tags: a labelled field (required mark, inline error,
help text), a form's non-field errors, tap-to-call phone numbers."""

import re

from django import template
from django.utils.html import format_html

register = template.Library()

_DIALABLE = re.compile(r"^\+?[0-9][0-9 -]{4,19}$")


@register.inclusion_tag("core/_field.html")
def field(bound_field, label: str = "", help: str = ""):
    """`{% field form.title %}`: label (with a required mark), the widget with aria attributes
    pointing at its error and help text, the error in words under it."""
    attrs = {}
    described = []
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
        described.append(f"{bound_field.auto_id}-err")
    help_text = help or bound_field.help_text
    if help_text:
        described.append(f"{bound_field.auto_id}-help")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    widget = bound_field.field.widget
    choice_list = getattr(widget, "input_type", "") in {"radio", "checkbox"} and hasattr(widget, "choices")
    return {
        "f": bound_field,
        "label": label or bound_field.label,
        "help": help_text,
        "widget": bound_field.as_widget(attrs=attrs),
        "required": bound_field.field.required,
        "choice_list": choice_list,
    }


@register.inclusion_tag("core/_form_errors.html")
def form_errors(form):
    return {"errors": form.non_field_errors() if form is not None else []}


@register.filter
def tel(number):
    """A phone number as a tap-to-call link; masked or non-numeric values stay plain text."""
    text = str(number or "").strip()
    if not text or not _DIALABLE.match(text):
        return text or "—"
    return format_html('<a href="tel:{}">{}</a>', text.replace(" ", "").replace("-", ""), text)


@register.filter
def percent(rate, digits: int = 1):
    """0.3636 → "36.4%"; no rate (nothing to divide by) → "—"."""
    if rate is None or rate == "":
        return "—"
    from decimal import ROUND_HALF_UP, Decimal

    value = (Decimal(str(rate)) * 100).quantize(Decimal(1).scaleb(-int(digits)), rounding=ROUND_HALF_UP)
    return f"{value}%"


@register.filter
def figure(value):
    """A figure for a table of measures: a rate (a float in 0..1) as a percentage, nothing as "—"."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return percent(value)
    return value
