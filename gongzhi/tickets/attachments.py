"""Photo uploads: type by content (magic bytes, not the file name), size and count limits; stored
re-encoded without EXIF (core.images)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongzhi.core.images import clean_image

from .models import Attachment, Ticket

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 6
_SIGNATURES = [
    (b"\xff\xd8\xff", ".jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", ".png", "image/png"),
]


def sniff(head: bytes) -> tuple[str, str] | None:
    for sig, ext, ctype in _SIGNATURES:
        if head.startswith(sig):
            return ext, ctype
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp", "image/webp"
    return None


def validate_photos(files) -> list[tuple[object, str, str]]:
    files = [f for f in (files or []) if f]
    if len(files) > MAX_FILES:
        raise ValidationError({"photos": [_("最多上传%(n)d张照片") % {"n": MAX_FILES}]})
    out = []
    for f in files:
        if f.size > MAX_BYTES:
            raise ValidationError({"photos": [_("照片“%(name)s”超过5MB") % {"name": f.name}]})
        if f.size == 0:
            raise ValidationError({"photos": [_("照片“%(name)s”是空文件") % {"name": f.name}]})
        f.seek(0)
        kind = sniff(f.read(16))
        f.seek(0)
        if kind is None:
            raise ValidationError({"photos": [_("“%(name)s”不是JPEG、PNG或WebP图片") % {"name": f.name}]})
        clean, ext, ctype = clean_image(f, field="photos")
        clean.name = f.name or clean.name
        out.append((clean, ext, ctype))
    return out


def save_photos(ticket: Ticket, checked, *, actor, stage: str) -> list[Attachment]:
    saved = []
    for f, ext, ctype in checked:
        a = Attachment(ticket=ticket, stage=stage, ext=ext, content_type=ctype, size=f.size,
                       name=(f.name or "photo")[:120], uploaded_by=actor if actor and actor.is_authenticated else None)
        a.file.save(f.name or "photo", f, save=False)
        a.save()
        saved.append(a)
    return saved
