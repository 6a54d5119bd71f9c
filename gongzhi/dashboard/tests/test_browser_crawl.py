"""Every demo account, on a 360 px phone, crawls what its home page leads to (crawl.py): no 5xx,
no link to a page that answers 403/404, nothing wider than the screen, no axe-core critical or
serious violation. The demo data is the one `manage.py load_demo` builds.

Run time is kept to a few minutes: each role opens at most CRAWL_PAGES pages (default 12, set the
environment variable to crawl more), one page per URL pattern, breadth first from the home page, so
the pages a role reaches in one or two taps come first; axe-core runs once per URL pattern over
all roles; every other link found is still requested and its status checked (up to three per pattern)."""

import os
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from .crawl import crawl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Crawl-Test-2026"
PAGES = int(os.environ.get("CRAWL_PAGES", "12"))


def test_every_demo_role_crawls_clean_at_360px(live_server, browser, browser_context_args):
    started = time.perf_counter()
    call_command("load_demo", stdout=open(os.devnull, "w"))
    summary = [f"load_demo: {time.perf_counter() - started:.0f} s"]
    User = get_user_model()
    accounts = list(User.objects.filter(username__startswith="demo_", is_active=True).order_by("username"))
    assert len(accounts) >= 10, "load_demo should create one account per role"
    for u in accounts:
        u.set_password(PASSWORD)
        u.save(update_fields=["password"])
    problems, axe_seen = [], set()
    for u in accounts:
        started = time.perf_counter()
        # bypass_csp: the test injects axe-core as an inline script, which the site's own CSP forbids (the
        # templates themselves are checked for inline code by core/tests/test_security_settings.py).
        ctx = browser.new_context(**browser_context_args, viewport={"width": 360, "height": 740}, bypass_csp=True)
        page = ctx.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=login]", u.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        result = crawl(page, live_server.url, max_pages=PAGES, axe_seen=axe_seen)
        ctx.close()
        summary.append(f"{u.username}: {len(result.visited)} pages ({result.axe_checked} new to axe), "
                       f"{time.perf_counter() - started:.0f} s")
        problems += [f"{u.username} {p}" for p in result.problems]
    print("\n".join(summary))
    assert not problems, "\n".join(problems)
