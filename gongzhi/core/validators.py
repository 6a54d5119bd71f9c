"""Validators for Chinese identifiers, each raising ValidationError with a Chinese message."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def normalize_id_number(value: str) -> str:
    return (value or "").strip().upper()


def id_number_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_id_number(value: str) -> None:
    """GB 11643-1999 citizen identity number: 18 characters, valid birth date, ISO 7064 MOD 11-2 check."""
    v = normalize_id_number(value)
    if not _ID_RE.match(v):
        raise ValidationError(_("身份证号应为18位（前17位为数字，末位为数字或X）"), code="id_format")
    try:
        birth = datetime.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号中的出生日期无效"), code="id_birth") from None
    if birth > timezone.localdate() or birth.year < 1880:
        raise ValidationError(_("身份证号中的出生日期无效"), code="id_birth")
    if id_number_check_digit(v[:17]) != v[17]:
        raise ValidationError(_("身份证号校验位不正确"), code="id_check")


def birth_date_from_id(value: str) -> datetime.date:
    v = normalize_id_number(value)
    return datetime.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))


def gender_from_id(value: str) -> str:
    """'M' or 'F' from the 17th digit (odd = male)."""
    return "M" if int(normalize_id_number(value)[16]) % 2 else "F"


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    """GB 32100-2015 unified social credit code: 18 characters with a MOD 31 check character."""
    v = (value or "").strip().upper()
    if not _USCC_RE.match(v):
        raise ValidationError(_("统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）"), code="uscc_format")
    if uscc_check_char(v[:17]) != v[17]:
        raise ValidationError(_("统一社会信用代码校验位不正确"), code="uscc_check")


_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def normalize_phone(value: str) -> str:
    v = re.sub(r"[\s]", "", value or "")
    if v.startswith("+86"):
        v = v[3:]
    return v


def validate_phone(value: str) -> None:
    v = normalize_phone(value)
    if not (_MOBILE_RE.match(v) or _LANDLINE_RE.match(v)):
        raise ValidationError(_("联系电话格式不正确（手机号11位，或带区号的座机号）"), code="phone")


def validate_mobile(value: str) -> None:
    if not _MOBILE_RE.match(normalize_phone(value)):
        raise ValidationError(_("手机号应为11位数字"), code="mobile")
