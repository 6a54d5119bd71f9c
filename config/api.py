"""The one NinjaAPI: each app contributes a router from its api.py."""

from gongzhi.accounts.api_auth import API_AUTH
from gongzhi.core.api import build_api

api = build_api(
    routers=[
        ("/accounts/", "gongzhi.accounts.api"),
        ("/accounts/", "gongzhi.territory.api:me_router"),
        ("/territory/", "gongzhi.territory.api"),
        ("/people/", "gongzhi.people.api"),
        ("/tickets/", "gongzhi.tickets.api"),
        ("/deliberation/", "gongzhi.deliberation.api"),
        ("/evaluation/", "gongzhi.evaluation.api"),
        ("/points/", "gongzhi.points.api"),
        ("/activities/", "gongzhi.activities.api"),
        ("/visits/", "gongzhi.visits.api"),
    ],
    auth=API_AUTH,
)
