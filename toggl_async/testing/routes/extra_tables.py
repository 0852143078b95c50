"""Tables of the fake's data exports, iCal and time entry invitation routes (registers no handler).

They live in the same `Store` as every other table and are created on first use, so that a fake that never
touches them carries none (and a saved state file stays as it was); `table` and `insert` are the track-core
ones, which serve every table declared with `lazy_tables`.
"""

from __future__ import annotations

from toggl_async.testing.routes.track_tables import insert, table
from toggl_async.testing.store import lazy_tables

# First id per table, realistic magnitudes like store.ID_BASES.
TABLE_BASES = {"data_exports": 61_000, "time_entry_invitations": 9_400_000}

lazy_tables(TABLE_BASES)

__all__ = ["TABLE_BASES", "insert", "table"]
