"""The one NinjaAPI: each app contributes a router from its api.py."""

from gongzhi.accounts.api_auth import API_AUTH
from gongzhi.core.api import build_api

api = build_api(
    routers=[
        ("/accounts/", "gongzhi.accounts.api"),
        ("/territory/", "gongzhi.territory.api"),
        ("/people/", "gongzhi.people.api"),
        ("/tickets/", "gongzhi.tickets.api"),
        ("/evaluation/", "gongzhi.evaluation.api"),
    ],
    auth=API_AUTH,
)
