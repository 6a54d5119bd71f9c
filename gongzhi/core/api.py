"""Building blocks for the JSON API: the NinjaAPI factory, its renderer and its error shapes."""

import datetime
from importlib import import_module

import orjson
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PageNumberPagination
from ninja.renderers import BaseRenderer

from .errors import Conflict

MAX_PAGE = 1_000_000  # past any real list: a larger page is a 422 in the API's error shape, never a 500


class Pages(PageNumberPagination):
    """Every API list: `?page=N` (1 … 1,000,000) and optional `?page_size=` (capped by the endpoint),
    answered as `{"items": [...], "count": N}`. A page past the end is empty; a page number out of
    range or not a number is a 422 `{"detail", "errors"}` like any bad parameter."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="页码，从 1 开始")
        page_size: int | None = Field(None, ge=1, le=1000, description="每页条数（不超过接口的上限）")

    def __init__(self, page_size: int = 50, max_page_size: int | None = None, **kwargs):
        super().__init__(page_size=page_size, max_page_size=max_page_size or page_size, **kwargs)


def _default(value):
    """Times in China Standard Time (+08:00), whatever the database returned (UTC)."""
    if isinstance(value, datetime.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat()
    return str(value)


def dumps(data) -> bytes:
    return orjson.dumps(data, default=_default, option=orjson.OPT_PASSTHROUGH_DATETIME)


class ORJSONRenderer(BaseRenderer):
    """Chinese stays readable (no \\uXXXX escapes), times carry +08:00, and orjson is several times
    faster than json."""

    media_type = "application/json"

    def render(self, request, data, *, response_status):
        return dumps(data)


def json_answer(data, *, status: int = 200) -> HttpResponse:
    """An answer rendered like the API's own, without validating it against the operation's
    schema again: for a hot path whose answer is built from the schema's fields (and tested to
    match it)."""
    return HttpResponse(dumps(data), status=status, content_type=ORJSONRenderer.media_type)


def validation_messages(exc: ValidationError) -> dict | list:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return [str(m) for m in exc.messages]


class ErrorOut(Schema):
    detail: str = Field(description="给人看的中文说明")
    errors: list | dict | None = Field(None, description="逐项的中文错误（400、422）")


class ConflictOut(Schema):
    detail: str = Field(description="给人看的中文说明")
    code: str = Field(description="给程序判断的代码：bad_transition（状态已不允许此操作）、already_claimed（已被认领）、"
                                  "duplicate_external_no（12345工单号已登记，ticket_id 为已有工单）")
    status: str | None = Field(None, description="bad_transition 时，对象当前的状态")
    ticket_id: int | None = Field(None, description="duplicate_external_no 时，已登记该号码的工单")


_ERRORS = {
    "400": (_l("数据有误（业务校验），errors 为逐项中文说明"), ErrorOut),
    "401": (_l("未登录或令牌无效"), ErrorOut),
    "403": (_l("没有权限执行此操作"), ErrorOut),
    "404": (_l("不存在，或不在您的管辖范围内（两者不作区分）"), ErrorOut),
    "409": (_l("冲突：当前状态不允许此操作，code 说明原因"), ConflictOut),
    "422": (_l("请求格式或参数有误（含未知的筛选值、超出范围的页码）"), ErrorOut),
}


class GongzhiAPI(NinjaAPI):
    """Declares the error answers every operation can give (one shape for all) in the OpenAPI document;
    409 on writes only."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (ErrorOut, ConflictOut):
            components[model.__name__] = model.model_json_schema()
        for ops in schema["paths"].values():
            for method, op in ops.items():
                responses = op.setdefault("responses", {})
                for status, (text, model) in _ERRORS.items():
                    if (status == "409" and method == "get") or (status == "401" and not op.get("security")):
                        continue
                    responses.setdefault(status, {"description": str(text), "content": {"application/json": {
                        "schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}})
        return schema


def api_not_found(request, rest: str = ""):
    """An /api/ address that matches no operation (e.g. /api/tickets/null): the API's JSON 404, not the
    HTML page."""
    return json_answer({"detail": _("未找到")}, status=404)


def build_api(*, routers: list[tuple[str, str]], auth=None) -> NinjaAPI:
    api = GongzhiAPI(
        title="共治 Gongzhi API",
        version="1",
        description=_l("党建引领基层治理平台接口。页面使用会话登录；API 客户端在请求头中携带 `Authorization: Bearer <令牌>`。"
                       "时间均为北京时间（+08:00）。列表均分页：?page=（1 至 1000000）与 ?page_size=，返回 "
                       "{\"items\": [...], \"count\": N}。错误均为 {\"detail\": 中文说明, \"errors\": 逐项}；"
                       "冲突（409）另有给程序判断的 code。未知的筛选值返回 422。"),
        renderer=ORJSONRenderer(),
        auth=auth,
        docs_url="/docs",
        urls_namespace="api",
    )

    @api.exception_handler(ValidationError)
    def _validation(request, exc):
        return api.create_response(request, {"detail": _("数据有误"), "errors": validation_messages(exc)}, status=400)

    @api.exception_handler(Conflict)
    def _conflict(request, exc):
        return api.create_response(request, {"detail": exc.detail, "code": exc.conflict_code, **exc.extra},
                                   status=409)

    @api.exception_handler(NinjaValidationError)
    def _schema_validation(request, exc):
        return api.create_response(request, {"detail": _("请求格式有误"), "errors": exc.errors}, status=422)

    @api.exception_handler(PermissionDenied)
    def _forbidden(request, exc):
        return api.create_response(request, {"detail": str(exc) or _("没有权限执行此操作")}, status=403)

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return api.create_response(request, {"detail": _("未找到")}, status=404)

    @api.exception_handler(OverflowError)
    def _out_of_range(request, exc):
        # A number beyond what the database holds (SQLite's 64-bit integers), e.g. an id of 23 digits.
        return api.create_response(request, {"detail": _("数值超出范围")}, status=400)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc):
        return api.create_response(request, {"detail": _("请先登录或提供有效的令牌")}, status=401)

    for prefix, spec in routers:  # "package.module" (its `router`) or "package.module:attribute"
        module, _sep, attr = spec.partition(":")
        mod = import_module(module)
        router = getattr(mod, attr or "router", None)
        if router is not None:
            api.add_router(prefix, router)
    return api
