"""Materialized paths: each node's path is its parent's path plus a fixed-width base-36 step.

"Everything under X" is `path__under=X.path`, a range scan on the path index (`X <= path < X + "~"`),
which both SQLite (BINARY collation) and PostgreSQL (the column is declared COLLATE "C") answer from
the index. A LIKE prefix would not use the index on SQLite, and on PostgreSQL only with a special opclass.
"""

from django.db import models
from django.db.models import Lookup

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEPLEN = 4
MAX_STEP = len(ALPHABET) ** STEPLEN - 1
UPPER = "~"  # sorts after every character of ALPHABET in byte order: path + UPPER bounds a subtree
_UPPER = UPPER


def step(n: int) -> str:
    """The n-th (1-based) child step: step(1) == '0001'."""
    if not 0 < n <= MAX_STEP:
        raise ValueError(f"path step out of range: {n}")
    out = []
    for _ in range(STEPLEN):
        n, r = divmod(n, len(ALPHABET))
        out.append(ALPHABET[r])
    return "".join(reversed(out))


def step_number(s: str) -> int:
    n = 0
    for ch in s:
        n = n * len(ALPHABET) + ALPHABET.index(ch)
    return n


def ancestors_of(path: str) -> list[str]:
    """Paths of every ancestor and the node itself, root first."""
    return [path[:i] for i in range(STEPLEN, len(path) + 1, STEPLEN)]


def depth_of(path: str) -> int:
    return len(path) // STEPLEN


class PathField(models.CharField):
    """A CharField whose ordering is byte order on every backend."""

    def db_type(self, connection):
        base = super().db_type(connection)
        if connection.vendor == "postgresql":
            return f'{base} COLLATE "C"'
        return base


@PathField.register_lookup
class Under(Lookup):
    """`path__under=p`: p itself and everything below it, as an index range."""

    lookup_name = "under"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        upper_params = [p + _UPPER for p in rhs_params]
        return f"({lhs} >= {rhs} AND {lhs} < {rhs})", lhs_params + rhs_params + lhs_params + upper_params
