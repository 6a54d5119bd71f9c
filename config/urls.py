from django.contrib import admin
from django.urls import include, path

from config.api import api

admin.site.site_header = "共治 · 后台管理"
admin.site.site_title = "共治后台"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("accounts/", include("gongzhi.accounts.urls")),
    path("territory/", include("gongzhi.territory.urls")),
    path("people/", include("gongzhi.people.urls")),
    path("tickets/", include("gongzhi.tickets.urls")),
    path("open311/v2/", include("gongzhi.tickets.open311_urls")),
    path("evaluation/", include("gongzhi.evaluation.urls")),
    path("", include("gongzhi.dashboard.urls")),
    path("", include("gongzhi.core.urls")),
]
