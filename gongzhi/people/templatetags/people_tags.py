import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def age(birth_date: datetime.date | None) -> str:
    if not birth_date:
        return ""
    today = timezone.localdate()
    years = today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
    return _("%(n)s岁") % {"n": years}
