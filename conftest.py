import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Each test rolls its rows back: per-process caches of table contents must not outlive it."""
    from gongzhi.tickets import catalogue
    from gongzhi.tickets.deadlines import forget_shared_calendar

    catalogue.clear()
    forget_shared_calendar()
    yield
    catalogue.clear()
    forget_shared_calendar()


@pytest.fixture
def world(db):
    from gongzhi.territory.testing import build_world

    return build_world()


@pytest.fixture
def client_for(db):
    """client_for(user) -> a new test client logged in as that user (clients never share a session)."""
    from django.test import Client

    def _login(user):
        c = Client()
        c.force_login(user)
        return c

    return _login


# --- Browser tests (pytest -m browser): Playwright driving Debian's /usr/bin/chromium, never a download.
CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    browser_items = [i for i in items if i.get_closest_marker("browser")]
    if browser_items and os.environ.get("GONGZHI_REQUIRE_BROWSER"):
        raise pytest.UsageError(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk")
    for item in browser_items:
        item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} not installed"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
