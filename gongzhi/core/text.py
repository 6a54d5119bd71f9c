"""Small helpers for the text of messages."""


def shown(value: str, limit: int = 20) -> str:
    """`value` as a message quotes it: at most `limit` characters, then "…". A cell of an uploaded file
    can be 100,000 characters long; an error page or a list of errors must not repeat it whole."""
    return value if len(value) <= limit else value[:limit] + "…"
