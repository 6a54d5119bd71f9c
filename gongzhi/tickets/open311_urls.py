"""Mounted at /open311/v2/ by config/urls.py."""

from django.urls import re_path

from . import open311

FMT = r"\.(?P<fmt>json|xml)$"
urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="open311_discovery"),
    re_path(r"^services" + FMT, open311.service_list, name="open311_services"),
    re_path(r"^services/(?P<code>[-\w]+)" + FMT, open311.service_definition, name="open311_service"),
    re_path(r"^requests" + FMT, open311.requests_view, name="open311_requests"),
    re_path(r"^requests/(?P<pk>\d+)" + FMT, open311.request_detail, name="open311_request"),
    re_path(r"^tokens/(?P<token>[-\w]+)" + FMT, open311.token_view, name="open311_token"),
]
