"""Saving a FakeToggl's data to a file and loading it back, so a development loop survives restarts.

    save_state(fake, "fake-state.json")      # atomic: the file is whole, old or new, never half written
    fake = load_state("fake-state.json")     # the same users, tokens, workspaces, entries and ids

The file is versioned JSON (`{"format": "toggl-async/fake-state", "version": 1, ...}`) holding the
fake's tables, its API tokens and login sessions, and which users `fake.users` lists. It holds every
user's password and API token in clear, so it is created readable by its owner only (mode 0600).
Webhook subscriptions are saved too. Not saved: request counts, scripted faults, webhook events not yet
delivered, and the rate-limit and quota windows, which start afresh.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .app import FakeToggl, FakeUser
from .clock import Clock, SystemClock
from .store import ID_BASES, LAZY_ID_BASES, Obj

__all__ = ["STATE_FORMAT", "STATE_VERSION", "FakeStateError", "load_state", "save_state"]

STATE_FORMAT = "toggl-async/fake-state"
STATE_VERSION = 1
StrPath = str | os.PathLike[str]


class FakeStateError(ValueError):
    """A state file that cannot be loaded: not JSON, not a FakeToggl state, a newer version, or damaged.

    The message names the part that is wrong, never a value from the file (values include tokens).
    """


def save_state(fake: FakeToggl, path: StrPath) -> None:
    """Write `fake`'s data to `path` atomically, readable by its owner only.

    The JSON is built before the file is touched, and written to a temporary file in the same folder
    that then replaces `path`: a failure (or a crash) leaves the previous file as it was.
    Raises OSError when the folder cannot be written.
    """
    payload = json.dumps(state_document(fake), separators=(",", ":"), allow_nan=False).encode()
    _write_atomically(Path(path), payload)


def load_state(
    path: StrPath, *, clock: Clock | None = None, rate: float | None = None, burst: int = 3, quotas: bool = False
) -> FakeToggl:
    """A FakeToggl with the data `save_state` wrote to `path`.

    clock: the fake's clock (default: the wall clock, since a saved state is usually a served one's);
    rate, burst, quotas: its limits, as for `FakeToggl(...)`; off by default, as in `FakeToggl.seeded`.
    Raises FileNotFoundError when there is no such file and FakeStateError when it cannot be used.
    """
    try:
        document = json.loads(Path(path).read_bytes())
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise FakeStateError("not a FakeToggl state file: it is not JSON") from exc
    fake = FakeToggl(clock=clock or SystemClock(), rate=rate, burst=burst, quotas=quotas)
    _restore(fake, document)
    return fake


def state_document(fake: FakeToggl) -> dict[str, Any]:
    """The JSON-ready document `save_state` writes."""
    store = fake.store
    return {
        "format": STATE_FORMAT,
        "version": STATE_VERSION,
        # Rows in insertion order: listings that follow the store's order come back in the same order.
        "tables": {name: list(table.values()) for name, table in store.tables.items()},
        "tokens": dict(store.tokens),
        "sessions": dict(store.sessions),
        "users": [user.id for user in fake.users],
        # Webhook subscriptions (their secrets too, like the tokens above); events not yet delivered are not kept.
        "webhook_subscriptions": list(fake.webhooks.subscriptions.values()),
    }


def _restore(fake: FakeToggl, document: object) -> None:
    """Replace the data of `fake` (a new, empty one) with a `state_document`; FakeStateError if it is unusable."""
    document = _checked_header(document)
    store = fake.store
    tables = _checked_tables(document.get("tables"))
    store.tables = {name: {row["id"]: row for row in tables.get(name, [])} for name in ID_BASES}
    for name in sorted(set(tables) & set(LAZY_ID_BASES)):  # made on first use: only those the file holds
        store.tables[name] = {row["id"]: row for row in tables[name]}
    store.tokens = _checked_user_map(document.get("tokens"), "tokens", store.tables["users"])
    store.sessions = _checked_user_map(document.get("sessions"), "sessions", store.tables["users"])
    # New ids continue after the highest stored one (deleted rows are kept, so no id is handed out twice).
    bases = ID_BASES | {name: LAZY_ID_BASES[name] for name in store.tables if name in LAZY_ID_BASES}
    store._ids = {name: itertools.count(max([base - 1, *store.tables[name]]) + 1) for name, base in bases.items()}
    fake.users = [_fake_user(fake, user_id) for user_id in _checked_ids(document.get("users"), store.tables["users"])]
    _restore_subscriptions(fake, document.get("webhook_subscriptions", []))


def _restore_subscriptions(fake: FakeToggl, rows: object) -> None:
    """The webhook subscriptions of a state file (files written before they were saved have none)."""
    if not isinstance(rows, list) or not all(isinstance(r, dict) and type(r.get("subscription_id")) is int
                                             for r in rows):  # fmt: skip
        raise FakeStateError("webhook subscriptions are damaged: each must be an object with a subscription_id")
    hub = fake.webhooks
    hub.subscriptions = {row["subscription_id"]: row for row in rows}
    hub._ids = itertools.count(max([next(hub._ids) - 1, *hub.subscriptions]) + 1)


def _checked_header(document: object) -> dict[str, Any]:
    if not isinstance(document, dict) or document.get("format") != STATE_FORMAT:
        raise FakeStateError(f"not a FakeToggl state file (no format {STATE_FORMAT!r})")
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise FakeStateError("the state file has no version number")
    if version != STATE_VERSION:
        newer = "a newer" if version > STATE_VERSION else "an older"
        raise FakeStateError(
            f"state version {version} was written by {newer} toggl-async; this one reads {STATE_VERSION}"
        )
    return document


def _checked_tables(tables: object) -> dict[str, list[Obj]]:
    if not isinstance(tables, dict):
        raise FakeStateError("the state file has no tables")
    unknown = sorted(set(tables) - set(ID_BASES) - set(LAZY_ID_BASES))
    if unknown:
        raise FakeStateError(f"unknown tables {unknown} (written by a newer toggl-async?)")
    for name, rows in tables.items():
        if not isinstance(rows, list) or not all(_is_row(row) for row in rows):
            raise FakeStateError(f"table {name!r} is damaged: rows must be objects with an integer id")
        if len({row["id"] for row in rows}) != len(rows):
            raise FakeStateError(f"table {name!r} is damaged: an id appears twice")
    return tables


def _is_row(row: object) -> bool:
    return isinstance(row, dict) and type(row.get("id")) is int


def _checked_user_map(value: object, part: str, users: dict[int, Obj]) -> dict[str, int]:
    if not isinstance(value, dict) or not all(
        isinstance(user_id, int) and user_id in users for user_id in value.values()
    ):
        raise FakeStateError(f"{part} are damaged: each must name a stored user")
    return dict(value)


def _checked_ids(value: object, users: dict[int, Obj]) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(user_id, int) and user_id in users for user_id in value):
        raise FakeStateError("users are damaged: each must be the id of a stored user")
    return value


def _fake_user(fake: FakeToggl, user_id: int) -> FakeUser:
    """The FakeUser for a stored user, with their current token, password and default workspace."""
    row = fake.store.tables["users"][user_id]
    try:
        workspace = fake.store.tables["workspaces"][row["default_workspace_id"]]
        return FakeUser(
            user_id, row["email"], row["_password"], row["api_token"], workspace["id"], workspace["organization_id"]
        )
    except (KeyError, TypeError) as exc:
        raise FakeStateError("users are damaged: a user lacks an email, password, token or default workspace") from exc


def _write_atomically(path: Path, payload: bytes) -> None:
    # mkstemp creates the file with mode 0600: the state holds passwords and API tokens.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened (Windows)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
