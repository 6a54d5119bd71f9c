"""A resident's personal code, shown on their phone as a QR code and scanned at the counter: a signed
account number that expires, so a screenshot passed around stops working."""

from django.core import signing

SALT = "gongzhi.points.personal-code"
MAX_AGE = 15 * 60


def personal_code(account_id: int) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(account_id))


def account_id_from_code(code: str) -> int | None:
    try:
        return int(signing.TimestampSigner(salt=SALT).unsign((code or "").strip()[:200], max_age=MAX_AGE))
    except (signing.BadSignature, ValueError):
        return None


def qr_svg(data: str, scale: int = 5) -> str:
    """An inline SVG QR code, drawn on the server (no script, no CDN)."""
    import segno

    return segno.make(data, error="m").svg_inline(scale=scale, dark="#111")
