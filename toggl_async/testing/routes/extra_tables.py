"""Tables of the fake's data exports, iCal and time entry invitation routes (registers no handler).

They live in the same `Store` as every other table and are created on first use, so that a fake that never
touches them carries none (and a saved state file stays as it was).
"""

from __future__ import annotations

from toggl_async.testing.store import Obj, Store, lazy_tables

# First id per table, realistic magnitudes like store.ID_BASES.
TABLE_BASES = {"data_exports": 61_000, "time_entry_invitations": 9_400_000}


lazy_tables(TABLE_BASES)


def table(store: Store, name: str) -> dict[int, Obj]:
    """The named table, created empty (with its id counter) the first time it is asked for."""
    return store.lazy_table(name)


def insert(store: Store, name: str, obj: Obj) -> Obj:
    table(store, name)
    return store.insert(name, obj)
