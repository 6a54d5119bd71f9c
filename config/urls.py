from django.contrib import admin
from django.urls import include, path, re_path

from config.api import api
from gongzhi.core.api import api_not_found

admin.site.site_header = "共治 · 后台管理"
admin.site.site_title = "共治后台"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),  # no operation matched: JSON 404, not the HTML page
    path("accounts/", include("gongzhi.accounts.urls")),
    path("territory/", include("gongzhi.territory.urls")),
    path("people/", include("gongzhi.people.urls")),
    path("tickets/", include("gongzhi.tickets.urls")),
    path("open311/v2/", include("gongzhi.tickets.open311_urls")),
    path("deliberation/", include("gongzhi.deliberation.urls")),
    path("evaluation/", include("gongzhi.evaluation.urls")),
    path("points/", include("gongzhi.points.urls")),
    path("activities/", include("gongzhi.activities.urls")),
    path("visits/", include("gongzhi.visits.urls")),
    path("", include("gongzhi.dashboard.urls")),
    path("", include("gongzhi.core.urls")),
]
