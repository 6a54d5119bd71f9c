"""The residents' ledger 居民台账 as communities keep it in Excel: one row per resident.

One module per job: `columns` (the format and the result types), `reading` (the uploaded workbook,
checked before it is parsed), `parsing` (rows to checked values, with the residents' own rules),
`planning` (against each other and the database), `importing` (check, then write in one
transaction) and `export` (the ledger and its template). An exported full ledger imports again
unchanged. The columns are documented in docs/ledger.md."""

from .columns import COLUMNS, MAX_ERRORS_SHOWN, MAX_ROWS, ImportResult, LedgerError, ParsedRow
from .export import export_filename, ledger_export, ledger_residents, ledger_template
from .importing import ledger_check, ledger_import
from .parsing import parse_rows
from .pending import pending_discard, pending_save, pending_take
from .planning import plan_import
from .reading import WorkbookRefused, ledger_rows

__all__ = [
    "COLUMNS", "MAX_ERRORS_SHOWN", "MAX_ROWS", "ImportResult", "LedgerError", "ParsedRow", "WorkbookRefused",
    "export_filename", "ledger_check", "ledger_export", "pending_discard", "pending_save", "pending_take", "ledger_import", "ledger_residents", "ledger_rows", "ledger_template",
    "parse_rows", "plan_import",
]
