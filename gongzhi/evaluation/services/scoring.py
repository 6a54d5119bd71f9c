"""A juror's score sheet for one subject."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.core.images import clean_image

from ..models import ItemKind, Period, PeriodJuror, Score, ScoreSheet, Subject
from ..photos import image_kind
from .periods import close_if_complete

CLIENT_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_PHOTO_BYTES = 5 * 1024 * 1024


@dataclass
class SubmitResult:
    sheet: ScoreSheet
    created: bool
    period_closed: bool = False


MAX_COUNT = 999


def _number(item, raw) -> Decimal:
    if isinstance(raw, bool):
        raw = 1 if raw else 0
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValidationError({f"item_{item.pk}": [_("“%(d)s”填写的不是数字") % {"d": item.description}]}) from None
    if not value.is_finite():
        raise ValidationError({f"item_{item.pk}": [_("“%(d)s”填写的不是数字") % {"d": item.description}]})
    return value


def _value(item, raw) -> tuple[Decimal, int | None]:
    """The points an item gives from what the juror entered, and the count for a per-occurrence item.

    Score items: points from 0 to the item's full marks. Bonus and deduction items are per occurrence: the
    juror enters how many times it happened (a whole number); the item gives count × points, capped at its
    per-period cap (or one occurrence's points when it has no cap). A veto: 0 or 1."""
    if raw in (None, ""):
        if item.kind == ItemKind.SCORE:
            raise ValidationError({f"item_{item.pk}": [_("请为“%(d)s”打分") % {"d": item.description}]})
        return Decimal("0"), (0 if item.is_per_occurrence else None)
    value = _number(item, raw)
    if item.is_per_occurrence:
        if value < 0 or value > MAX_COUNT or value != value.to_integral_value():
            raise ValidationError({f"item_{item.pk}": [_("“%(d)s”请填写发生的次数（0至%(m)s的整数），收到%(v)s") % {
                "d": item.description, "m": MAX_COUNT, "v": raw}]})
        count = int(value)
        return item.points_for(count), count
    top = item.max_value
    if value < 0 or value > top or value != value.quantize(Decimal("0.01")):
        if item.kind == ItemKind.VETO:
            msg = _("“%(d)s”只能填0（无）或1（有）") % {"d": item.description}
        else:
            msg = _("“%(d)s”的分数应在0至%(m)s之间（最多两位小数），收到%(v)s") % {
                "d": item.description, "m": f"{top.normalize():f}", "v": raw}
        raise ValidationError({f"item_{item.pk}": [msg]})
    return value, None


def sheet_submit(*, actor, period: Period, subject_id: int, client_key: str, values: dict, notes: dict | None = None,
                 note: str = "", photo=None) -> SubmitResult:
    """Record the actor's scores for one subject. `values` maps item id → points for a score item, the number
    of occurrences for a bonus or deduction item, 1 for a veto item that happened. Re-sending the same client key returns the sheet already saved, whatever happened since;
    a new key for the same subject replaces the juror's earlier sheet while the period is open."""
    client_key = (client_key or "").strip()
    if not CLIENT_KEY.match(client_key):
        raise ValidationError({"client_key": [_("提交编号无效，请刷新页面后重试")]})
    try:
        return _submit(actor, period, subject_id, client_key, values, notes or {}, note, photo)
    except IntegrityError:
        # Two deliveries of the same submission raced; the first one won and is the answer.
        existing = ScoreSheet.objects.filter(client_key=client_key, submitted_by=actor).first()
        if existing is None:
            raise
        return SubmitResult(existing, created=False)


@transaction.atomic
def _submit(actor, period, subject_id, client_key, values, notes, note, photo) -> SubmitResult:
    period = Period.objects.select_for_update().select_related("rule_set__node", "version").get(pk=period.pk)
    existing = ScoreSheet.objects.filter(client_key=client_key).first()
    if existing is not None:
        if existing.submitted_by_id != actor.pk or existing.subject_id != int(subject_id) \
                or existing.period_id != period.pk:
            raise ValidationError({"client_key": [_("提交编号已被使用，请刷新页面后重试")]})
        return SubmitResult(existing, created=False)
    juror = PeriodJuror.objects.filter(period=period, user=actor, active=True).first()
    if juror is None:
        raise PermissionDenied(_("您不是%(l)s评审团的评委，不能评分") % {"l": period.label})
    if not period.is_open:
        raise ValidationError(_("%(l)s的评分已经结束，不能再评分") % {"l": period.label})
    subject = Subject.objects.filter(period=period, pk=subject_id).first()
    if subject is None:
        raise ValidationError({"subject": [_("本期没有这个评比对象")]})
    items = [i for i in period.version.items.all() if i.is_scored]
    known = {str(i.pk) for i in items}
    stray = {str(k) for k in values} - known
    if stray:
        raise ValidationError(_("有不属于第%(n)s版细则的条目") % {"n": period.version.number})
    errors: dict[str, list[str]] = {}
    rows = []
    for item in items:
        try:
            value, count = _value(item, values.get(item.pk, values.get(str(item.pk))))
        except ValidationError as e:
            errors.update(e.message_dict)
            continue
        item_note = str(notes.get(item.pk, notes.get(str(item.pk), "")) or "").strip()[:200]
        if item.kind == ItemKind.VETO and value > 0 and not item_note:
            errors[f"item_{item.pk}"] = [_("“%(d)s”实行一票否决，请写明情况") % {"d": item.description}]
        rows.append(Score(item=item, value=value, count=count, note=item_note))
    if errors:
        raise ValidationError(errors)
    photo_ext = None
    if photo is not None:
        if getattr(photo, "size", 0) > MAX_PHOTO_BYTES:
            raise ValidationError({"photo": [_("照片不能超过5MB")]})
        photo.seek(0)
        kind = image_kind(photo.read(16))
        photo.seek(0)
        if kind is None:
            raise ValidationError({"photo": [_("照片只能是JPEG、PNG或WebP图片")]})
        photo, photo_ext, _ctype = clean_image(photo, field="photo")  # re-encoded, EXIF (GPS) dropped
    # By person, not by seat: a juror removed and added again sits on a new Juror row, and their sheet from
    # the earlier seat must stop counting, or the party mean would count the same person twice.
    ScoreSheet.objects.filter(subject=subject, submitted_by=actor, is_current=True).update(is_current=False)
    sums = {k: sum((r.value for r in rows if r.item.kind == k), Decimal("0"))
            for k in (ItemKind.SCORE, ItemKind.BONUS, ItemKind.DEDUCTION)}
    vetoes = [r.item for r in rows if r.item.kind == ItemKind.VETO and r.value > 0]
    sheet = ScoreSheet(period=period, subject=subject, juror=juror, party=juror.party, client_key=client_key,
                       note=(note or "").strip()[:2000], submitted_by=actor, score_sum=sums[ItemKind.SCORE],
                       bonus_sum=sums[ItemKind.BONUS], deduction_sum=sums[ItemKind.DEDUCTION],
                       veto_item=min(vetoes, key=lambda i: i.pk) if vetoes else None)
    if photo is not None:
        # The stored name follows the content, not what the phone called the file.
        photo.name = f"sheet{photo_ext}"
        ScoreSheet._meta.get_field("photo").run_validators(photo)
        sheet.photo = photo
    sheet.save()
    for r in rows:
        r.sheet = sheet
    Score.objects.bulk_create(rows)
    closed = close_if_complete(period, actor)
    return SubmitResult(sheet, created=True, period_closed=closed)
