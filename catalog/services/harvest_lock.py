"""Who is harvesting right now, and is that process still alive?

The HarvestRun table is the lock (a partial unique constraint allows one ``running`` row), but
a row cannot tell a live harvest from one whose process was killed. On PostgreSQL a running
harvest therefore also holds a session-level advisory lock on a connection of its own: the
server releases it the moment that process's connection goes away, however it dies. A new
harvest that gets the advisory lock knows every ``running`` row belongs to a dead process.

On other databases (SQLite in development) there is no such signal: a ``running`` row counts
as abandoned after ``settings.HARVEST_STALE_RUN_HOURS``. (Session advisory locks also need a
direct connection: a transaction-pooling proxy in front of PostgreSQL would defeat them.)
"""

from __future__ import annotations

import logging

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

# Any constant shared by every process of the site; "AIXH" in ASCII.
ADVISORY_LOCK_KEY = 0x41495848


class HarvestLock:
    """``acquire()``: True (held), False (another live harvest holds it) or None (this
    database has no advisory locks). Release with ``release()``."""

    def __init__(self, alias: str = DEFAULT_DB_ALIAS) -> None:
        self.alias = alias
        self._connection = None

    def acquire(self) -> bool | None:
        if connections[self.alias].vendor != "postgresql":
            return None
        # A connection of our own: resets of the harvest's connections must not release it.
        self._connection = connections.create_connection(self.alias)
        try:
            with self._connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
                held = bool(cursor.fetchone()[0])
        except DatabaseError:
            self.release()
            raise
        if not held:
            self.release()
        return held

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            # Unlock explicitly: closing alone releases the lock only once the server's
            # backend has exited, a moment later, and a harvest started right after this
            # one would find it still taken.
            with self._connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock_all()")
        except DatabaseError:
            pass  # the session is gone, and its locks with it
        try:
            self._connection.close()
        except DatabaseError:
            logger.warning("could not close the harvest lock connection", exc_info=True)
        self._connection = None
