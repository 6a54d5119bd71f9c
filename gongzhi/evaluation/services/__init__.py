"""Every write of the evaluation app, one function per use case: `<entity>_<verb>(*, actor, ...)`."""

from .awards import awards_grant, awards_revoke, role_subsidy_grant
from .periods import (
    default_selection,
    period_close,
    period_juror_add,
    period_juror_remove,
    period_open,
    period_reopen,
)
from .rules import (
    item_add,
    item_remove,
    item_revise,
    juror_add,
    juror_remove,
    rule_set_create,
    version_create,
)
from .scoring import sheet_submit

__all__ = [
    "awards_grant", "awards_revoke", "default_selection", "period_juror_add", "period_juror_remove", "item_add", "item_remove", "item_revise", "juror_add", "juror_remove", "period_close",
    "period_open", "period_reopen", "role_subsidy_grant", "rule_set_create", "sheet_submit", "version_create",
]
