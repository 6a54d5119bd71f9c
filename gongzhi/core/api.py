"""Building blocks for the JSON API: the NinjaAPI factory, its renderer and its error shapes."""

from importlib import import_module

import orjson
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import BaseRenderer


class ORJSONRenderer(BaseRenderer):
    """Chinese stays readable (no \\uXXXX escapes), and orjson is several times faster than json."""

    media_type = "application/json"

    def render(self, request, data, *, response_status):
        return orjson.dumps(data, default=str)


def json_answer(data, *, status: int = 200) -> HttpResponse:
    """An answer rendered like the API's own, without validating it against the operation's
    schema again: for a hot path whose answer is built from the schema's fields (and tested to
    match it)."""
    return HttpResponse(orjson.dumps(data, default=str), status=status, content_type=ORJSONRenderer.media_type)


def validation_messages(exc: ValidationError) -> dict | list:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return [str(m) for m in exc.messages]


def build_api(*, routers: list[tuple[str, str]], auth=None) -> NinjaAPI:
    api = NinjaAPI(
        title="共治 Gongzhi API",
        version="1",
        description="党建引领基层治理平台接口。页面使用会话登录；API 客户端在请求头中携带 `Authorization: Bearer <令牌>`。",
        renderer=ORJSONRenderer(),
        auth=auth,
        docs_url="/docs",
        urls_namespace="api",
    )

    @api.exception_handler(ValidationError)
    def _validation(request, exc):
        return api.create_response(request, {"detail": _("数据有误"), "errors": validation_messages(exc)}, status=400)

    @api.exception_handler(NinjaValidationError)
    def _schema_validation(request, exc):
        return api.create_response(request, {"detail": _("请求格式有误"), "errors": exc.errors}, status=422)

    @api.exception_handler(PermissionDenied)
    def _forbidden(request, exc):
        return api.create_response(request, {"detail": str(exc) or _("没有权限执行此操作")}, status=403)

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return api.create_response(request, {"detail": _("未找到")}, status=404)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc):
        return api.create_response(request, {"detail": _("请先登录或提供有效的令牌")}, status=401)

    for prefix, module in routers:
        mod = import_module(module)
        router = getattr(mod, "router", None)
        if router is not None:
            api.add_router(prefix, router)
    return api
