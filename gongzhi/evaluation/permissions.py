"""can_<verb>_<entity>(user, obj) predicates for evaluation, used by services, selectors and templates."""

from gongzhi.territory.permissions import can_manage_node
from gongzhi.territory.scoping import scope_for

from .models import Juror, Period, RuleSet


def can_view_rule_set(user, rule_set: RuleSet) -> bool:
    scope = scope_for(user)
    if scope.everything:
        return True
    path = rule_set.node.path
    return any(path.startswith(p) for p in scope.node_paths)


def can_manage_rule_set(user, rule_set: RuleSet) -> bool:
    """Staff of the rule set's community or street (or a superuser) edit rules, open and close periods."""
    return can_manage_node(user, rule_set.node)


def active_juror(user, rule_set: RuleSet) -> Juror | None:
    if user is None or not user.is_authenticated:
        return None
    return Juror.objects.filter(rule_set=rule_set, user=user, active=True).first()


def can_score_period(user, period: Period) -> bool:
    return period.is_open and active_juror(user, period.rule_set) is not None
