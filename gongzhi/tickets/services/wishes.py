"""Micro-wishes: post, claim (exactly one claimer: a conditional UPDATE), fulfil, confirm."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.notify import notify
from gongzhi.core.errors import Conflict
from gongzhi.people.models import Organisation, Resident
from gongzhi.points import services as points
from gongzhi.points.models import EarnKind
from gongzhi.territory.models import Household
from gongzhi.territory.scoping import scope_for

from ..models import Wish, WishEvent
from ..models_wishes import WishStatus
from ..permissions import can_act_for_org, can_claim_wish, is_staff_for, resident_households
from ..services.intake import resolve_place

W = WishStatus
WISH_TRANSITIONS = {
    W.OPEN: {W.CLAIMED, W.WITHDRAWN},
    W.CLAIMED: {W.FULFILLED, W.OPEN},
    W.FULFILLED: {W.CONFIRMED},
    W.CONFIRMED: set(),
    W.WITHDRAWN: set(),
}


def _event(wish: Wish, actor, to: str, note: str = "", from_status: str | None = None) -> None:
    WishEvent.objects.create(wish=wish, actor=actor, from_status=wish.status if from_status is None else from_status,
                             to_status=to, note=note[:300])


def _move(wish: Wish, to: str, *, actor, note: str = "", **fields) -> Wish:
    if to not in WISH_TRANSITIONS[wish.status]:
        raise Conflict(_("心愿不能从“%(a)s”变为“%(b)s”") % {"a": wish.get_status_display(), "b": W(to).label},
                       code="bad_transition", status=wish.status)
    _event(wish, actor, to, note)
    fields["status"] = to
    for k, v in fields.items():
        setattr(wish, k, v)
    wish.save(update_fields=list(fields))
    return wish


@transaction.atomic
def wish_create(*, actor, title: str, description: str = "", household: Household | None = None,
                resident_name: str = "") -> Wish:
    """A resident posts for their own home; staff may post for a household in their area."""
    title = (title or "").strip()
    if len(title) < 2:
        raise ValidationError({"title": [_("请填写心愿内容")]})
    homes = resident_households(actor)
    if household is None:
        if not homes:
            raise PermissionDenied(_("只有登记在册的居民可以发布心愿"))
        household = homes[0]
    place = resolve_place(household=household)
    own = household.pk in {h.pk for h in homes}
    # Staff, or a grid worker / 三长 answerable for the household posting on its resident's behalf.
    if not own and not is_staff_for(actor, place["node_path"]) \
            and not scope_for(actor, responsibility_only=True).covers_household(household):
        raise PermissionDenied
    name = (resident_name or "").strip() or (actor.display_name if own else "")
    if not name:
        raise ValidationError({"resident_name": [_("请填写心愿人姓名")]})
    wish = Wish.objects.create(community=place["community"], household=household, node_path=place["node_path"],
                               resident=actor if own else None, resident_name=name[:50], title=title[:100],
                               description=(description or "").strip()[:1000], filed_by=actor)
    _event(wish, actor, W.OPEN, from_status="")
    return wish


@transaction.atomic
def wish_claim(*, actor, wish: Wish, organisation: Organisation | None = None) -> Wish:
    if not can_claim_wish(actor):
        raise PermissionDenied(_("党员、干部或共建单位成员才能认领心愿"))
    if organisation is not None and not can_act_for_org(actor, organisation):
        raise PermissionDenied
    now = timezone.now()
    # The conditional UPDATE is the claim: of concurrent claimers exactly one changes the row.
    won = Wish.objects.filter(pk=wish.pk, status=W.OPEN).update(
        status=W.CLAIMED, claimed_by=actor, claimed_org=organisation, claimed_at=now)
    if not won:
        raise Conflict(_("该心愿已被认领"), code="already_claimed")
    WishEvent.objects.create(wish=wish, actor=actor, from_status=W.OPEN, to_status=W.CLAIMED,
                             note=organisation.name if organisation else "")
    wish.refresh_from_db()
    notify([wish.resident], title=_("您的心愿已被认领：%(t)s") % {"t": wish.title},
           body=actor.display_name, url="/tickets/wishes/", kind="wish")
    return wish


@transaction.atomic
def wish_fulfil(*, actor, wish: Wish, note: str) -> Wish:
    wish = Wish.objects.select_for_update().get(pk=wish.pk)
    if wish.claimed_by_id != actor.pk:
        raise PermissionDenied
    note = (note or "").strip()
    if len(note) < 2:
        raise ValidationError({"note": [_("请填写心愿实现情况")]})
    _move(wish, W.FULFILLED, actor=actor, note=note, fulfilled_at=timezone.now(), fulfil_note=note[:300])
    notify([wish.resident], title=_("您的心愿已实现，请确认：%(t)s") % {"t": wish.title}, url="/tickets/wishes/",
           kind="wish")
    return wish


@transaction.atomic
def wish_confirm(*, actor, wish: Wish) -> Wish:
    wish = Wish.objects.select_for_update().get(pk=wish.pk)
    if not (wish.resident_id == actor.pk or is_staff_for(actor, wish.node_path)):
        raise PermissionDenied
    _move(wish, W.CONFIRMED, actor=actor, confirmed_at=timezone.now())
    _grant_points(wish)
    notify([wish.claimed_by], title=_("心愿已确认实现：%(t)s") % {"t": wish.title}, url="/tickets/wishes/", kind="wish")
    return wish


def _grant_points(wish: Wish) -> None:
    """微积分: a wish whose fulfilment the wisher (or staff) confirmed earns its claimer the wish points,
    when the claimer is a resident (a party member or cadre with a current resident record); a unit's
    member without one, nothing. Granted at the confirmation, not at the claimer's own "fulfilled", so
    that nobody earns by ticking their own box."""
    resident = (Resident.objects.filter(user_id=wish.claimed_by_id, moved_out_on__isnull=True)
                .select_related("household").first())
    if resident is not None:
        points.earn(resident=resident, kind=EarnKind.WISH, source_key=f"wish:{wish.pk}", at=wish.confirmed_at,
                    note=_("完成微心愿：%(t)s") % {"t": wish.title})
