import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[3]


def _settings(env: dict) -> subprocess.CompletedProcess:
    code = ("import config.settings as s; print(s.SECRET_KEY[:4], getattr(s, 'SECURE_HSTS_SECONDS', 0), "
            "getattr(s, 'SECURE_PROXY_SSL_HEADER', None))")
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "SECURE_COOKIES"}}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True)


def test_production_settings_refuse_to_start_without_secret_key():
    r = _settings({})
    assert r.returncode != 0 and "SECRET_KEY must be set" in r.stderr
    assert _settings({"DEBUG": "1"}).returncode == 0


def test_secure_cookies_bring_hsts_and_the_proxy_header():
    r = _settings({"SECRET_KEY": "x" * 50, "SECURE_COOKIES": "1"})
    assert r.returncode == 0 and "31536000" in r.stdout and "HTTP_X_FORWARDED_PROTO" in r.stdout
    r = _settings({"SECRET_KEY": "x" * 50})
    assert r.stdout.split()[1:] == ["0", "None"]


@pytest.mark.django_db
def test_pages_send_a_self_only_content_security_policy(client):
    r = client.get(reverse("accounts:login"))
    csp = r["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp


def test_no_template_has_inline_scripts_styles_or_handlers():
    import re

    bad = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)|<style|\sstyle=\"|\son[a-z]+=\"")
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "gongzhi").rglob("*.html") if bad.search(p.read_text())]
    assert offenders == []


@pytest.mark.django_db
def test_api_declares_its_error_responses_and_unknown_api_paths_answer_json(client):
    doc = client.get("/api/openapi.json").json()
    op = doc["paths"]["/api/tickets/{pk}"]["get"]
    assert {"400", "401", "403", "404", "422"} <= set(op["responses"])
    token = doc["paths"]["/api/accounts/token"]["post"]["responses"]
    assert {"201", "400", "403", "429"} <= set(token) and "401" not in token
    r = client.get("/api/tickets/null,null")
    assert r.status_code == 404 and r["Content-Type"].startswith("application/json") and r.json()["detail"]



def test_api_schema_names_are_unique():
    """Two schemas with one class name become one OpenAPI component, and one endpoint then documents the
    other's shape (a visits `HouseholdOut` once replaced territory's, and schemathesis caught it)."""
    import inspect

    from ninja import Schema

    from config.api import api  # noqa: F401  (imports every router module)

    modules: dict[str, set[str]] = {}
    for cls in Schema.__subclasses__():
        module = inspect.getmodule(cls).__name__
        if module.startswith("gongzhi."):
            modules.setdefault(cls.__name__, set()).add(module)
    assert {name: sorted(m) for name, m in modules.items() if len(m) > 1} == {}


def test_api_enum_names_are_unique():
    """An enum (TextChoices) in a schema or a query parameter becomes a component named after its class:
    tickets' Status and the dual reports' Status were one component, so one list documented the
    other's values."""
    import enum
    import typing

    import pydantic

    from config.api import api

    names: dict[str, set[str]] = {}
    seen: set[type] = set()

    def walk(model):
        if model in seen:
            return
        seen.add(model)
        for field in model.model_fields.values():
            for t in (field.annotation, *typing.get_args(field.annotation)):
                for u in (t, *typing.get_args(t)):
                    if isinstance(u, type) and issubclass(u, enum.Enum):
                        names.setdefault(u.__name__, set()).add(f"{u.__module__}.{u.__qualname__}")
                    elif isinstance(u, type) and issubclass(u, pydantic.BaseModel):
                        walk(u)

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for op in path_view.operations:
                for model in op.models:
                    walk(model)
    assert names, "no enum found: the walk no longer reaches the operations' models"
    assert {name: sorted(q) for name, q in names.items() if len(q) > 1} == {}
