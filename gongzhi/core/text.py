"""Small helpers for the text of names, messages and uploaded files."""

import re

# What Excel and WPS save a CSV in: "CSV UTF-8" (with a BOM) or, on a Chinese Windows, plain "CSV" in
# GBK, read as GB18030 (its superset). Tried in this order: a GBK file fails as UTF-8 at its first
# Chinese byte.
CSV_ENCODINGS = ("utf-8-sig", "gb18030")

# What no one-line name or title holds: C0/C1 controls (NUL, line breaks, tabs …), the line and
# paragraph separators, the bidirectional overrides and isolates that make a text display as another,
# and lone surrogates (JSON can carry them).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def has_control_chars(text: str) -> bool:
    return _UNPRINTABLE.search(text) is not None


def shown(value: str, limit: int = 20) -> str:
    """`value` as a message quotes it: at most `limit` characters, then "…". A cell of an uploaded file
    can be 100,000 characters long; an error page or a list of errors must not repeat it whole."""
    return value if len(value) <= limit else value[:limit] + "…"
