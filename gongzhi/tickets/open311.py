"""Open311 GeoReport v2 facade over the ticket services and selectors (https://wiki.open311.org/GeoReport_v2).

Public GETs show no personal data (no description, no household address, coordinates rounded to about
100 m, and for status_notes a fixed label per status instead of staff's notes) and only the public
window (requests made in the last MAX_SPAN), also when asked by id, so ids cannot be walked to list
older activity; with a valid api_key the description, full address, exact coordinates and staff's
notes of requests inside the key's community are included, whatever their age.

Hostile input answers the spec's 400 error list: dates are checked for range, ids for size, and text
that XML cannot carry (control characters) is dropped from XML output."""

import datetime
import re
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gongzhi.territory import selectors as territory

from . import catalogue, selectors, services
from .models import DONE_STATUSES, Category, Channel, Open311Key, Status, Ticket, hash_key
from .open311_format import error, iso, render
from .views import error_text

CLOSED = [*DONE_STATUSES, Status.REJECTED, Status.MERGED]
MAX_RESULTS = 1000
MAX_IDS = 50  # service_request_id lists: a lookup of a few known requests, not a way to crawl them all
MAX_SPAN = datetime.timedelta(days=90)
MIN_DATE = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
MAX_DATE = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)
ID_RE = re.compile(r"[0-9]{1,18}")  # ASCII digits only ("²".isdigit() is True), within a bigint
PUBLIC_DECIMALS = 3  # 0.001° is about 110 m of latitude


def _key(value: str | None) -> Open311Key | None:
    if not value:
        return None
    return Open311Key.objects.select_related("user", "community").filter(key_hash=hash_key(value), active=True).first()


def _fmt(fmt: str) -> str:
    return "xml" if fmt == "xml" else "json"


def discovery(request, fmt):
    base = request.build_absolute_uri("/open311/v2/")
    return render({
        "changeset": "2026-11-01T00:00:00+08:00",
        "contact": _("请联系所在街道或社区"),
        "key_service": _("向社区工作人员申请 api_key"),
        "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                       "changeset": "2026-11-01T00:00:00+08:00", "type": "production",
                       "formats": ["application/json", "text/xml"]}],
    }, _fmt(fmt), root="discovery")


def _service(c: Category) -> dict:
    return {"service_code": c.code, "service_name": c.name, "description": c.description,
            "metadata": bool(c.attributes), "type": "realtime", "keywords": c.keywords, "group": c.group}


class UnknownJurisdiction(Exception):
    pass


def _catalogue_area(request) -> int | None:
    """The catalogue that serves the `api_key`'s community; without a key, the one that serves the
    division named by `jurisdiction_id` (its 12-digit code, GeoReport v2's parameter for an endpoint
    serving several jurisdictions); with neither, the installation-wide one."""
    key = _key(request.GET.get("api_key"))
    if key:
        return catalogue.area_for(key.community.path)
    jurisdiction = request.GET.get("jurisdiction_id")
    if not jurisdiction:
        return None
    node = territory.division_by_code(jurisdiction)
    if node is None:
        raise UnknownJurisdiction
    return catalogue.area_for(node.path)


def _unknown_jurisdiction(request, fmt):
    code = (request.GET.get("jurisdiction_id") or "")[:20]
    return error(_fmt(fmt), 404, _("没有这个辖区代码：%(c)s（请填写街道或社区的12位区划代码）") % {"c": code})


def service_list(request, fmt):
    try:
        area = _catalogue_area(request)
    except UnknownJurisdiction:
        return _unknown_jurisdiction(request, fmt)
    return render([_service(c) for c in catalogue.active(area)], _fmt(fmt), root="services")


def service_definition(request, code, fmt):
    try:
        area = _catalogue_area(request)
    except UnknownJurisdiction:
        return _unknown_jurisdiction(request, fmt)
    c = catalogue.by_code(code, area)
    if c is None or not c.active:
        return error(_fmt(fmt), 404, _("没有这个服务代码：%(c)s") % {"c": code})
    attrs = [{"variable": True, "code": a["code"], "datatype": a.get("datatype", "string"),
              "required": bool(a.get("required")), "datatype_description": a.get("datatype_description", ""),
              "order": a.get("order", i + 1), "description": a.get("description", ""),
              "values": a.get("values", [])} for i, a in enumerate(c.attributes)]
    return render({"service_code": c.code, "attributes": attrs}, _fmt(fmt), root="service_definition")


def _status_notes(t: Ticket, full: bool, rejections: dict[int, str]) -> str:
    """Staff's own words (the result, a rejection reason) may name people and phone numbers: only a
    key for the ticket's community gets them. The public gets a fixed label per status."""
    if not full:
        return str(Status(t.status).label)
    if t.status in DONE_STATUSES:
        return t.result or ""
    if t.status == Status.REJECTED:
        return rejections.get(t.pk, "")
    return ""


def _coord(value, full: bool) -> float | None:
    if value is None:
        return None
    return float(value) if full else round(float(value), PUBLIC_DECIMALS)


def _request_row(t: Ticket, full: bool, rejections: dict[int, str]) -> dict:
    closed = t.status in CLOSED
    return {
        "service_request_id": str(t.pk), "status": "closed" if closed else "open",
        "status_notes": _status_notes(t, full, rejections),
        "service_name": t.category.name, "service_code": t.category.code,
        "description": t.description if full else "",
        "agency_responsible": t.get_handling_level_display() if t.handling_level else t.community.name,
        "service_notice": "", "requested_datetime": iso(t.created_at), "updated_datetime": iso(t.updated_at),
        "expected_datetime": iso(t.resolve_by),
        "address": (f"{t.community.name} {t.place_label}" if full else t.community.name),
        "address_id": str(t.node_id or t.community_id), "zipcode": "",
        "lat": _coord(t.lat, full), "long": _coord(t.long, full),
        "media_url": "",
    }


def _rows(qs, key: Open311Key | None, now) -> list[dict]:
    """The rows a caller sees: the key's community in full, everything else public and only inside the
    public window. Three queries whatever the number of rows."""
    tickets = list(qs.order_by("-created_at", "-id")[:MAX_RESULTS])
    keyed = selectors.open311_keyed_ids(qs, key.community.path if key else None)
    tickets = [t for t in tickets if t.pk in keyed or t.created_at >= now - MAX_SPAN]
    rejected = [t.pk for t in tickets if t.pk in keyed and t.status == Status.REJECTED]
    rejections = selectors.open311_rejection_notes(rejected) if rejected else {}
    return [_request_row(t, t.pk in keyed, rejections) for t in tickets]


def _parse_dt(value: str, name: str) -> datetime.datetime:
    try:
        dt = parse_datetime(value.replace(" ", "+")) if value else None
    except (ValueError, OverflowError):  # well formed but impossible, e.g. 2020-13-45
        dt = None
    if dt is None:
        raise ValidationError(_("%(n)s 不是有效的 ISO 8601 时间") % {"n": name})
    if timezone.is_naive(dt):
        if not (MIN_DATE.year <= dt.year < MAX_DATE.year):
            raise ValidationError(_("%(n)s 超出可查询的范围（2000—2099年）") % {"n": name})
        dt = timezone.make_aware(dt)
    if not (MIN_DATE <= dt < MAX_DATE):
        raise ValidationError(_("%(n)s 超出可查询的范围（2000—2099年）") % {"n": name})
    return dt


def _ids(value: str) -> set[int] | None:
    parts = [x.strip() for x in value.split(",") if x.strip()]
    if not all(ID_RE.fullmatch(x) for x in parts):
        return None
    return {int(x) for x in parts}


def _requests_get(request, fmt):
    key = _key(request.GET.get("api_key"))
    qs = selectors.open311_requests()
    now = timezone.now()
    ids = request.GET.get("service_request_id")
    if ids:
        pks = _ids(ids)
        if pks is None:
            return error(fmt, 400, _("service_request_id 必须是不超过18位的数字"))
        if len(pks) > MAX_IDS:
            return error(fmt, 400, _("一次最多查询%(n)d个 service_request_id") % {"n": MAX_IDS})
        qs = qs.filter(pk__in=pks)
    else:
        try:
            end = _parse_dt(request.GET["end_date"], "end_date") if request.GET.get("end_date") else now
            start = (_parse_dt(request.GET["start_date"], "start_date") if request.GET.get("start_date")
                     else end - MAX_SPAN)
        except ValidationError as e:
            return error(fmt, 400, error_text(e))
        if end < start:
            return error(fmt, 400, _("end_date 早于 start_date"))
        if end - start > MAX_SPAN:
            return error(fmt, 400, _("查询时间跨度不能超过90天"))
        qs = qs.filter(created_at__gte=start, created_at__lte=end)
        codes = [c for c in request.GET.get("service_code", "").split(",") if c]
        if codes:
            qs = qs.filter(category__code__in=codes)
        statuses = {s for s in request.GET.get("status", "").split(",") if s}
        if statuses - {"open", "closed"}:
            return error(fmt, 400, _("status 只能是 open 或 closed"))
        if statuses == {"open"}:
            qs = qs.exclude(status__in=CLOSED)
        elif statuses == {"closed"}:
            qs = qs.filter(status__in=CLOSED)
    return render(_rows(qs, key, now), fmt, root="service_requests")


def _requests_post(request, fmt):
    p = request.POST
    key = _key(p.get("api_key"))
    if key is None:
        return error(fmt, 403, _("api_key 无效或缺失"))
    category = catalogue.by_code(p.get("service_code", ""), catalogue.area_for(key.community.path))
    if category is None or not category.active:
        return error(fmt, 400, _("service_code 无效"))
    if not (p.get("lat") and p.get("long")) and not p.get("address_string") and not p.get("address_id"):
        return error(fmt, 400, _("必须提供 lat/long、address_string 或 address_id 之一"))
    description = (p.get("description") or "").strip()
    extra = []
    for a in category.attributes:
        v = (p.get(f"attribute[{a['code']}]") or "").strip()
        if a.get("required") and not v:
            return error(fmt, 400, _("缺少必填字段 attribute[%(c)s]") % {"c": a["code"]})
        if v:
            allowed = {str(x["key"]) for x in a.get("values", [])}
            if allowed and v not in allowed:
                return error(fmt, 400, _("attribute[%(c)s] 的取值无效") % {"c": a["code"]})
            extra.append(f"【{a.get('description') or a['code']}】{v}")
    node, community = None, key.community
    for name in ("lat", "long"):
        try:
            value = float(p[name]) if p.get(name) else 0.0
        except ValueError:
            value = float("nan")
        if value != value or value in (float("inf"), float("-inf")):
            return error(fmt, 400, _("%(n)s 必须是有效的数字") % {"n": name})
    if p.get("address_id"):
        node = (selectors.open311_node_in(key.community.path, int(p["address_id"]))
                if ID_RE.fullmatch(p["address_id"]) else None)
        if node is None:
            return error(fmt, 400, _("address_id 不在本密钥的社区之内"))
        community = None
    token = secrets.token_urlsafe(12)
    name = " ".join(x for x in (p.get("last_name", ""), p.get("first_name", "")) if x).strip()
    try:
        t = services.ticket_submit(
            actor=key.user, channel=Channel.OPEN311, category=category, within=key.community,
            description="\n".join([description, *extra]).strip(), node=node, community=community,
            address=p.get("address_string", "") or (f"{p.get('lat')},{p.get('long')}" if community else ""),
            lat=p.get("lat"), long=p.get("long"), reporter_name=name, reporter_phone=p.get("phone", ""),
            open311_token=token,
        )
    except ValidationError as e:
        return error(fmt, 400, error_text(e))
    except PermissionDenied as e:
        return error(fmt, 403, str(e) or _("没有权限"))
    return render([{"service_request_id": str(t.pk), "token": t.open311_token, "service_notice": "",
                    "account_id": None}], fmt, root="service_requests", status=201)


@csrf_exempt
def requests_view(request, fmt):
    fmt = _fmt(fmt)
    if request.method == "POST":
        return _requests_post(request, fmt)
    if request.method != "GET":
        return error(fmt, 405, _("只支持 GET 和 POST"))
    return _requests_get(request, fmt)


def request_detail(request, pk, fmt):
    fmt = _fmt(fmt)
    if not ID_RE.fullmatch(pk):
        return error(fmt, 404, _("没有这个服务请求：%(id)s") % {"id": pk[:30]})
    rows = _rows(selectors.open311_requests().filter(pk=int(pk)), _key(request.GET.get("api_key")), timezone.now())
    if not rows:
        return error(fmt, 404, _("没有这个服务请求：%(id)s") % {"id": pk})
    return render(rows, fmt, root="service_requests")


def token_view(request, token, fmt):
    fmt = _fmt(fmt)
    t = Ticket.objects.filter(open311_token=token[:64]).only("pk", "open311_token").first()
    if t is None:
        return error(fmt, 404, _("没有这个 token"))
    return render([{"service_request_id": str(t.pk), "token": t.open311_token}], fmt, root="service_requests")

