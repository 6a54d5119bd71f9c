"""Every write on tickets, wishes and service orders: one function per use case."""

from .announce import announce_new  # noqa: F401
from .contact import reporter_phones_shown  # noqa: F401
from .exports import measures_export  # noqa: F401
from .intake import ticket_submit  # noqa: F401
from .loop import (  # noqa: F401
    ticket_accept,
    ticket_close,
    ticket_dispatch,
    ticket_follow_up,
    ticket_merge,
    ticket_reject,
    ticket_resolve,
    ticket_start,
    ticket_supervise,
)
from .orders import (  # noqa: F401
    offering_create,
    offering_set_active,
    order_accept,
    order_cancel,
    order_create,
    order_decline,
    order_dispatch,
    order_done,
    order_rate,
)
from .sla import escalate_overdue, sweep  # noqa: F401
from .wishes import wish_claim, wish_confirm, wish_create, wish_fulfil  # noqa: F401
