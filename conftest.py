import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test rolls its rows back: cached table contents must not outlive it."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


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


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request, django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """A run with browser tests on SQLite keeps its test database in a file, as a real site does. The
    in-memory default hands one connection to every live-server thread, so a page and the service
    worker's update check arriving together fail with "database table is locked" (seen in CI);
    with a file each thread has its own connection and waits for the writer (settings' timeout)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and any(i.get_closest_marker("browser") for i in request.session.items):
        db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "browser.sqlite3")


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
