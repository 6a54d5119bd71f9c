"""Juror photos: the type is read from the file's first bytes, never from its name.

A small copy of the idea in tickets.attachments: evaluation may not import tickets (app order in DESIGN.md)."""


def image_kind(head: bytes) -> tuple[str, str] | None:
    """(extension, content type) of a JPEG, PNG or WebP image from its first 12+ bytes; None otherwise."""
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg", "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png", "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp", "image/webp"
    return None
