"""Uploaded photos, cleaned: decoded with Pillow (anything it cannot read is refused), turned upright,
and encoded again without metadata, so that EXIF (GPS position, device, time) never reaches storage.
A decompression bomb (more than MAX_PIXELS) is refused before its pixels are decoded."""

import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 40_000_000  # a 40-megapixel photo; more is a bomb or nothing a phone takes
FORMATS = {"JPEG": (".jpg", "image/jpeg"), "PNG": (".png", "image/png"), "WEBP": (".webp", "image/webp")}


def clean_image(upload, *, field: str = "photos") -> tuple[ContentFile, str, str]:
    """(re-encoded file, extension, content type) of a JPEG, PNG or WebP upload; ValidationError otherwise."""
    name = getattr(upload, "name", "") or "photo"
    refuse = ValidationError({field: [_("“%(name)s”不是可读取的JPEG、PNG或WebP图片") % {"name": name[:60]}]})
    upload.seek(0)
    try:
        with Image.open(upload) as img:
            if img.format not in FORMATS:
                raise refuse
            if img.width * img.height > MAX_PIXELS:
                raise ValidationError({field: [_("“%(name)s”的像素过多") % {"name": name[:60]}]})
            fmt = img.format
            img.load()
            clean = ImageOps.exif_transpose(img)  # keep the orientation the EXIF described, then drop EXIF
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise refuse from None
    finally:
        upload.seek(0)
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    elif fmt == "PNG":
        clean.save(out, "PNG", optimize=True)
    else:
        clean.save(out, "WEBP", quality=85)
    ext, ctype = FORMATS[fmt]
    return ContentFile(out.getvalue(), name=f"photo{ext}"), ext, ctype
