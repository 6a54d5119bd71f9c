import pytest
from django.middleware.csrf import _get_failure_view
from django.test import RequestFactory


@pytest.mark.django_db
def test_csrf_refusal_is_json_under_api_and_the_site_page_elsewhere():
    """Django's CSRF rejection (a client sending a session cookie without the token) answers the API's
    JSON error shape under /api/, never Django's HTML debug-style page."""
    rf = RequestFactory()
    r = _get_failure_view()(rf.post("/api/tickets/offerings/1/order"), reason="CSRF cookie not set.")
    assert r.status_code == 403 and r["Content-Type"].startswith("application/json")
    assert b'"code": "csrf"' in r.content
    r = _get_failure_view()(rf.post("/accounts/logout/"), reason="CSRF cookie not set.")
    assert r.status_code == 403 and r["Content-Type"].startswith("text/html") and b"NOARCHIVE" not in r.content
