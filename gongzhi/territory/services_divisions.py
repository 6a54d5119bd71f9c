"""The division import from the set-up page (设置 → 行政区划): the shipped extract in one click, or
uploaded files checked first (a dry run: the figures, nothing written) and imported on confirmation.

Every path goes through `import_divisions` (one parser, one transaction, one audit row naming the
counts). A page request handles at most PAGE_MAX_ROWS rows — a province's worth — so that the check and
the import each stay well inside a request timeout; the whole country is the command's job
(docs/divisions.md gives both figures)."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied

from .division_uploads import unpacked
from .divisions import ImportStats, import_divisions
from .permissions import can_import_divisions

EXTRACT_DIR = Path(__file__).resolve().parent / "data" / "divisions"
# The largest province is about 80,000 rows; at this size a check or an import takes a few seconds
# (measured figures in docs/divisions.md), against the 30 s a gunicorn worker is given by default.
PAGE_MAX_ROWS = 100_000


def _allowed(actor) -> None:
    if not can_import_divisions(actor):
        raise PermissionDenied


def divisions_check(*, actor, data: bytes, within: str = "") -> ImportStats:
    """What importing the packed files (division_uploads.pack_upload) would do, level by level;
    nothing is written. Raises DivisionImportError (the rows' errors) or ValidationError (the archive)."""
    _allowed(actor)
    with unpacked(data) as directory:
        return import_divisions(directory, actor=actor, within=within, max_rows=PAGE_MAX_ROWS, dry_run=True)


def divisions_import(*, actor, data: bytes, within: str = "", origin: str = "", request=None) -> ImportStats:
    """Import the packed files, checked again (the database may have changed since the check)."""
    _allowed(actor)
    with unpacked(data) as directory:
        return import_divisions(directory, actor=actor, within=within, max_rows=PAGE_MAX_ROWS,
                                origin=f"upload:{origin}", request=request)


def divisions_import_extract(*, actor, request=None) -> ImportStats:
    """Import the extract shipped with the project (the seed communities' streets)."""
    _allowed(actor)
    return import_divisions(EXTRACT_DIR, actor=actor, origin="extract", request=request)
