"""Intake: any channel, any place in a community; idempotent, rate-limited for self-service."""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.errors import Conflict
from gongzhi.core.validators import normalize_phone, validate_phone
from gongzhi.territory.models import HOUSEHOLD_LEVELS, Household, Level, Node
from gongzhi.territory.scoping import scope_for
from gongzhi.territory.services import community_of

from .. import catalogue
from ..attachments import save_photos, validate_photos
from ..deadlines import sla_deadlines
from ..models import Action, Attachment, Category, Channel, Kind, Status, Ticket, TicketEvent
from ..permissions import resident_households
from ..selectors import filing_household

SELF_PER_HOUR = getattr(settings, "TICKETS_SELF_PER_HOUR", 5)
SELF_PER_DAY = getattr(settings, "TICKETS_SELF_PER_DAY", 20)
PLACE_PER_HOUR = getattr(settings, "TICKETS_PLACE_PER_HOUR", 3)
_EXTERNAL_NO = re.compile(r"^[A-Za-z0-9-]{4,40}$")


def clean_address(address: str) -> str:
    return (address or "").strip()[:200]


def resolve_place(*, household: Household | None = None, node: Node | None = None, community: Node | None = None,
                  address: str = "") -> dict:
    """The place fields of a ticket (community, node_path, grids), validated."""
    address = clean_address(address)
    if household is not None:
        comm = _household_community(household)
        return {"community": comm, "household": household, "node": None, "address": address,
                "node_path": household.node_path, "micro_grid_id": household.micro_grid_id,
                "grid_id": household.micro_grid.parent_id}
    if node is not None:
        if node.level not in HOUSEHOLD_LEVELS:
            raise ValidationError({"place": [_("地点必须在社区之内（小区、楼栋、单元或社区）")]})
        comm = community_of(node)
        out = {"community": comm, "household": None, "node": node, "address": address, "node_path": node.path,
               "micro_grid_id": None, "grid_id": None}
        if node.level in (Level.BUILDING, Level.UNIT):
            hh = Household.objects.filter(node_path__under=node.path).select_related("micro_grid").order_by("id").first()
            if hh is not None:
                out["grid_id"] = hh.micro_grid.parent_id
                if node.level == Level.UNIT:
                    out["micro_grid_id"] = hh.micro_grid_id
        return out
    if community is not None:
        if community.level != Level.COMMUNITY:
            raise ValidationError({"place": [_("请选择一个社区")]})
        if not address:
            raise ValidationError({"address": [_("请填写具体地址")]})
        return {"community": community, "household": None, "node": community, "address": address,
                "node_path": community.path, "micro_grid_id": None, "grid_id": None}
    raise ValidationError({"place": [_("请选择诉求地点（住户、楼栋、小区或填写社区内地址）")]})


def _household_community(household: Household) -> Node | None:
    """The household's community. When the caller loaded micro_grid__community with the household
    (the API and the forms do), that row is it if it is an ancestor of the household: no query."""
    if Household.micro_grid.is_cached(household) and household.micro_grid.__class__.community.is_cached(
            household.micro_grid):
        comm = household.micro_grid.community
        if comm.level == Level.COMMUNITY and household.node_path.startswith(comm.path):
            return comm
    return community_of(household.node)


def _can_file_for_place(actor, place: dict) -> bool:
    household = place["household"]
    return scope_for(actor, responsibility_only=True).covers(
        place["node_path"], place["grid_id"], place["micro_grid_id"], household.pk if household else None)


def _check_rate(actor, place: dict, now) -> None:
    recent = Ticket.objects.filter(channel=Channel.SELF, reporter=actor)
    if recent.filter(created_at__gte=now - datetime.timedelta(hours=1)).count() >= SELF_PER_HOUR:
        raise ValidationError(_("提交过于频繁：每个账号每小时最多提交%(n)d件，请稍后再试") % {"n": SELF_PER_HOUR},
                              code="rate_account")
    if recent.filter(created_at__gte=now - datetime.timedelta(days=1)).count() >= SELF_PER_DAY:
        raise ValidationError(_("今天已提交%(n)d件诉求，已达上限，请明天再试") % {"n": SELF_PER_DAY},
                              code="rate_account")
    same_place = Ticket.objects.filter(channel=Channel.SELF, created_at__gte=now - datetime.timedelta(hours=1))
    if place["household"] is not None:
        same_place = same_place.filter(household=place["household"])
    else:
        same_place = same_place.filter(node_path=place["node_path"], household__isnull=True,
                                       address=place["address"])
    if same_place.count() >= PLACE_PER_HOUR:
        raise ValidationError(_("该地址一小时内已有%(n)d件自助诉求，请稍后再试或拨打热线") % {"n": PLACE_PER_HOUR},
                              code="rate_place")


def _coord(value, lo, hi, label):
    if value in (None, ""):
        return None
    try:
        d = Decimal(str(value))
        if not d.is_finite():  # NaN would fail the comparison below with InvalidOperation
            raise ValueError
        d = d.quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise ValidationError({label: [_("坐标格式不正确")]}) from None
    if not lo <= d <= hi:
        raise ValidationError({label: [_("坐标超出范围")]})
    return d


def ticket_submit(*, actor, channel: str, category: Category | None, description: str, title: str = "",
                  kind: str = Kind.DEMAND, household: Household | None = None, node: Node | None = None,
                  community: Node | None = None, address: str = "", reporter=None, reporter_name: str = "",
                  reporter_phone: str = "", external_no: str = "", idempotency_key: str = "", lat=None, long=None,
                  photos=(), open311_token: str | None = None, within: Node | None = None, now=None,
                  household_id: int | None = None, category_code: str | None = None) -> Ticket:
    """File a ticket. `within` is set only by the Open311 facade, which has authenticated an API key
    for that community: the key vouches for any place inside it.

    `household_id` instead of `household`: a household the actor names by id (the API). Hidden and
    missing are both Http404.

    The category must be in the catalogue that serves the place (catalogue.area_for): a category of
    another street or community is refused. `category_code` instead of `category`: a code (the API,
    Open311) looked up in that catalogue once the place is known."""
    now = now or timezone.now()
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied
    key = f"{actor.pk}:{idempotency_key.strip()}"[:64] if (idempotency_key or "").strip() else None
    # A repeated key normally meets the unique constraint at the insert below and gets the first
    # ticket back, without a read before every insert. Self-service and anything carrying a 12345
    # number read first: the rate limit and the number check would refuse the repeat instead.
    if key and (channel == Channel.SELF or (external_no or "").strip()):
        existing = Ticket.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
    errors: dict[str, list] = {}
    if channel not in Channel.values:
        errors["channel"] = [_("来源渠道无效")]
    if kind not in Kind.values:
        errors["kind"] = [_("诉求类型无效")]
    if category_code is None and (category is None or not category.active):
        errors["category"] = [_("请选择有效的诉求分类")]
    description = (description or "").strip()
    if len(description) < 5:
        errors["description"] = [_("请描述诉求内容（至少5个字）")]
    elif len(description) > 2000:
        errors["description"] = [_("诉求内容不能超过2000字")]
    title = (title or "").strip()[:100] or description[:30]
    external_no = (external_no or "").strip()
    if channel == Channel.CITY_12345 and not external_no:
        errors["external_no"] = [_("12345转办必须填写12345工单号")]
    if external_no:
        if not _EXTERNAL_NO.match(external_no):
            errors["external_no"] = [_("12345工单号只能包含字母、数字和连字符（4至40位）")]
    reporter_phone = normalize_phone(reporter_phone)
    if reporter_phone:
        try:
            validate_phone(reporter_phone)
        except ValidationError as e:
            errors["reporter_phone"] = e.messages
    if errors:
        raise ValidationError(errors)
    if external_no:
        _refuse_repeated_number(external_no)
    lat, long = _coord(lat, -90, 90, "lat"), _coord(long, -180, 180, "long")
    checked = validate_photos(photos)

    if household_id is not None:
        household = filing_household(actor, household_id)
        if household is None:
            raise Http404

    if channel == Channel.SELF:
        homes = resident_households(actor)
        if not homes:
            raise PermissionDenied(_("只有登记在册的居民可以自助提交诉求"))
        if household is None and node is None and community is None:
            household = homes[0]
        # A household is someone's home: self-service may name one's own only (a shared place in
        # one's community is a node or the community with an address).
        if household is not None and household.pk not in {h.pk for h in homes}:
            raise PermissionDenied(_("只能以本人的住户提交自助诉求"))
        reporter = actor
    place = resolve_place(household=household, node=node, community=community, address=address)
    if place["community"] is None:
        raise ValidationError({"place": [_("地点不在任何社区之内")]})
    if channel == Channel.SELF:
        home_communities = {community_of(h.node).pk for h in homes}
        if place["community"].pk not in home_communities:
            raise PermissionDenied(_("只能提交本人所在社区的诉求"))
    elif channel == Channel.OPEN311:
        if within is None or not place["node_path"].startswith(within.path):
            raise PermissionDenied(_("该密钥不能提交此地点的诉求"))
    elif not _can_file_for_place(actor, place):
        raise PermissionDenied(_("您无权登记该地点的诉求"))
    category = _category_for_place(category, category_code, place)
    ticket, event = _new_rows(actor=actor, channel=channel, kind=kind, category=category, title=title,
                              description=description, reporter=reporter, reporter_name=reporter_name,
                              reporter_phone=reporter_phone, external_no=external_no, key=key, lat=lat, long=long,
                              open311_token=open311_token, now=now, place=place)
    try:
        with transaction.atomic():
            if channel == Channel.SELF:
                _check_rate(actor, place, now)
            ticket.save(force_insert=True)
            event.ticket = ticket
            event.save(force_insert=True)
            save_photos(ticket, checked, actor=actor, stage=Attachment.Stage.INTAKE)
    except IntegrityError:
        if (existing := _repeat(key, external_no)) is None:
            raise
        return existing
    # A new ticket's whole history is this one event: the API's answer need not read it back
    # (selectors.ticket_events). Not Django's prefetch cache: later writes must not see it.
    ticket.intake_events = [event]
    return ticket


def _category_for_place(category: Category | None, code: str | None, place: dict) -> Category:
    """The category, checked against the catalogue that serves the place."""
    area_id = catalogue.area_for(place["node_path"])
    if code is not None:
        category = catalogue.by_code(code, area_id)
        if not code.strip():
            raise ValidationError({"category": [_("请选择有效的诉求分类")]})
        if category is None or not category.active:
            raise ValidationError({"category": [_("该地点的诉求分类目录中没有有效的分类“%(c)s”") % {"c": code.strip()[:40]}]})
    if category.area_id != area_id:
        raise ValidationError({"category": [
            _("分类“%(n)s”不属于该地点所在街道/社区的分类目录，请重新选择") % {"n": category.name}]})
    return category


def _new_rows(*, actor, channel, kind, category, title, description, reporter, reporter_name, reporter_phone,
              external_no, key, lat, long, open311_token, now, place: dict) -> tuple[Ticket, TicketEvent]:
    """The unsaved ticket and its submit event."""
    if reporter is not None:
        reporter_name = reporter_name or reporter.display_name
        reporter_phone = reporter_phone or (reporter.phone or "")
    respond_by, resolve_by = sla_deadlines(category, now)
    ticket = Ticket(
        kind=kind, channel=channel, external_no=external_no or None, category=category, title=title,
        description=description, reporter=reporter, reporter_name=reporter_name[:50],
        reporter_phone=reporter_phone[:20], filed_by=actor, idempotency_key=key, open311_token=open311_token,
        status=Status.SUBMITTED, created_at=now, respond_by=respond_by, resolve_by=resolve_by,
        due_at=respond_by, lat=lat, long=long, announce_pending=True, **place,
    )
    event = TicketEvent(actor=actor, at=now, action=Action.SUBMIT, from_status="", to_status=Status.SUBMITTED,
                        note=str(Channel(channel).label), data={"channel": channel})
    return ticket, event


def _repeat(key: str | None, external_no: str) -> Ticket | None:
    """After a unique clash: the ticket this idempotency key already filed; a 12345 number filed
    before is a ValidationError; None when it is neither (the caller re-raises)."""
    if key and (existing := Ticket.objects.filter(idempotency_key=key).first()) is not None:
        return existing
    if external_no:
        _refuse_repeated_number(external_no)
    return None


def _refuse_repeated_number(external_no: str) -> None:
    """A 12345 number is filed once: a repeat is a conflict naming the ticket that has it."""
    existing = Ticket.objects.filter(external_no=external_no).values_list("pk", flat=True).first()
    if existing is not None:
        raise Conflict(_("12345工单号%(no)s已登记（工单 %(id)s），请勿重复转办") % {"no": external_no, "id": existing},
                       code="duplicate_external_no", field="external_no", ticket_id=existing)
