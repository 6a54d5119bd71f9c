"""{% household_points hh %}: a household's members' points sum, for the people app's household page
(people sits below points and cannot import it; a template may load this library)."""

from django import template

from gongzhi.points.selectors import household_points as _sum

register = template.Library()


@register.simple_tag
def household_points(household) -> int:
    return _sum(household)
