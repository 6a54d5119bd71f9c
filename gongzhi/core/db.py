"""Database helpers shared by the apps."""

import functools
from contextlib import contextmanager

from django.db import connection
from django.db.backends.utils import CursorDebugWrapper


@contextmanager
def prepared_cursor():
    """A cursor for the few hand-written statements run on every request of a hot path (intake):
    on PostgreSQL it binds parameters on the server and prepares each statement once per connection,
    so PostgreSQL stops planning it again (~0.3 ms each for the scope and place reads). Django's own
    queries keep client-side binding and no prepared statements (its default). Statements through this cursor are
    logged and counted like any other (tests pin query counts). Elsewhere: Django's usual cursor.

    A connection pooler in transaction mode must keep prepared statements per server connection
    (PgBouncer ≥ 1.21 with max_prepared_statements); docs/operations.md."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cur:
            yield cur
        return
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:
        # Django sets None (never prepare). A count no statement reaches keeps psycopg from preparing
        # anything on its own (Django's client-binding cursors cannot anyway), while prepare=True
        # below works.
        connection.connection.prepare_threshold = 2**31 - 1
    raw = _preparing_cursor_class()(connection.connection)
    cur = _LoggedAsWritten(raw, connection) if connection.queries_logged else connection.make_cursor(raw)
    try:
        yield cur
    finally:
        cur.close()


class _LoggedAsWritten(CursorDebugWrapper):
    """Logs the statement as written (with %s): Django reads the sent text back from psycopg, which
    has none for a prepared statement."""

    def execute(self, sql, params=None):
        with self.debug_sql(sql, params):
            return super(CursorDebugWrapper, self).execute(sql, params)


@functools.cache
def _preparing_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor
    from psycopg import errors, pq

    class PreparingCursor(ServerBindingCursor):
        """Django turns psycopg's automatic preparation off (prepare_threshold=None, for poolers):
        ask for it per statement instead."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            prepare = True if prepare is None else prepare
            try:
                return super().execute(query, params, prepare=prepare, binary=binary)
            except errors.FeatureNotSupported as e:
                # A migration run elsewhere changed a column this statement returns: PostgreSQL
                # refuses the old prepared plan ("cached plan must not change result type").
                # Outside a transaction, forget this connection's prepared statements and
                # run it again; inside one the transaction is already lost.
                if ("cached plan" not in str(e)
                        or self.connection.info.transaction_status != pq.TransactionStatus.IDLE):
                    raise
                self.connection.execute("DEALLOCATE ALL")
                return super().execute(query, params, prepare=prepare, binary=binary)

    return PreparingCursor
