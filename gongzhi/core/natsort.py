"""Natural order for place names: 2号楼 before 10号楼, 2栋 before 10栋, 1单元 before 12单元."""

import re

_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """A sort key that compares runs of digits as numbers and everything else as text.

    Parts alternate text, number, text, ... so keys of different names always compare (never int vs str).
    """
    parts = _DIGITS.split(text or "")
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def natural_sorted(items, key=lambda item: str(item)):
    """Items sorted naturally by key(item) (str(item) by default)."""
    return sorted(items, key=lambda item: natural_key(key(item)))
