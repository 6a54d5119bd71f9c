"""The check-in code: a signed link naming the activity and the minute it was shown. The organiser's
phone redraws it every minute; a link is accepted for two minutes, so a photo sent home is useless
a moment later."""

from django.core import signing
from django.urls import reverse
from django.utils import timezone

SALT = "gongzhi.activities.checkin"
MAX_AGE = 120


def checkin_token(activity_id: int) -> str:
    minute = int(timezone.now().timestamp() // 60)
    return signing.TimestampSigner(salt=SALT).sign(f"{activity_id}.{minute}")


def checkin_path(activity_id: int) -> str:
    return reverse("activities:scan", args=[checkin_token(activity_id)])


def activity_from_token(token: str) -> int | None:
    """The activity id of a fresh, untampered token; None otherwise."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign((token or "")[:200], max_age=MAX_AGE)
        return int(value.split(".")[0])
    except (signing.BadSignature, ValueError):
        return None
