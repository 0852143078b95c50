"""What a since-sync run changed: a `Change` per object, a `ChangeSet` per run, `Event`s for bots.

    changes = await sync.run()
    changes["time_entries"].created          # ids, (1, 2, ...)
    changes.counts()                         # {"projects": {"created": 0, "updated": 1, "deleted": 0}, ...}
    for event in changes.events:             # Event("time_entry.stopped", change), Event("project.renamed", ...)
        ...
    changes.quarantined                      # objects no store can hold, set aside with the reason (`Quarantined`)

A change is net over the run: an object created and then deleted within one run is no change at all, and an
object updated twice is one update whose `old` is what the store held before the run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Literal

import attrs
import msgspec

Action = Literal["created", "updated", "deleted"]
# The noun of each kind in event names ("time_entry.stopped").
NOUNS = {
    "workspaces": "workspace", "clients": "client", "projects": "project", "tasks": "task", "tags": "tag",
    "time_entries": "time_entry",
}  # fmt: skip
_LIVE_BEFORE = {"created": False, "updated": True, "deleted": True}
_LIVE_AFTER = {"created": True, "updated": True, "deleted": False}


@attrs.frozen
class Change:
    """One object's net change: `old` is the JSON the store held before (None when it held nothing live
    or nothing at all for `created`), `new` the JSON it holds after (for `deleted`, the last copy known)."""

    kind: str
    id: int
    action: Action
    old: dict[str, Any] | None
    new: dict[str, Any] | None

    @property
    def events(self) -> tuple[Event, ...]:
        """The events this change means, most general first (see `Event`)."""
        return tuple(Event(name, self) for name in _event_names(self))


@attrs.frozen
class Event:
    """Something a bot may react to: `name` is "<noun>.<what>", `change` the change behind it.

    Every change gives "<noun>.created", "<noun>.updated" or "<noun>.deleted" (nouns: workspace, client,
    project, task, tag, time_entry). More specific names follow: "time_entry.started" (a running entry
    appeared), "time_entry.stopped" (a running entry stopped), "<noun>.renamed" (name changed),
    "<noun>.archived" / "<noun>.restored" (project/task `active`, client `archived`).
    """

    name: str
    change: Change

    @property
    def kind(self) -> str:
        return self.change.kind

    @property
    def id(self) -> int:
        return self.change.id


@attrs.frozen
class Quarantined:
    """An object Toggl sent that no store can hold as a row, kept raw instead so that the sync moves on.

    `id` is the object's id as sent (it may itself be the problem, e.g. beyond 64 bits), `reason` names the
    field and why (`"duration 1180591620717411303424 does not fit in 64 bits"`), `object` the JSON as sent.
    """

    kind: str
    id: Any
    reason: str
    object: dict[str, Any] = attrs.field(repr=False)

    @property
    def key(self) -> str:
        """The id as JSON text: how stores key the quarantine (`"42"`, `"null"`)."""
        return msgspec.json.encode(self.id).decode()


@attrs.frozen
class KindChanges:
    """The ids of one kind that a run created, updated and deleted (each sorted)."""

    created: tuple[int, ...] = ()
    updated: tuple[int, ...] = ()
    deleted: tuple[int, ...] = ()

    def counts(self) -> dict[str, int]:
        """{"created": n, "updated": n, "deleted": n}."""
        return {"created": len(self.created), "updated": len(self.updated), "deleted": len(self.deleted)}

    def __bool__(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


class ChangeSet:
    """The net changes of one run (or one `watch()` step), by kind. `requests` counts the requests it sent
    (retries inside the client's transport are not counted); `kinds` are the kinds the run synced.
    `quarantined`: the objects the run set aside because no store can hold them (see `Quarantined`); they do
    not make a change set true, and a run that fetches one again lists it again."""

    def __init__(self, changes: Iterable[Change] = (), *, requests: int = 0, kinds: Iterable[str] = ()) -> None:
        self._changes: dict[tuple[str, int], Change] = {}
        self.requests = requests
        self.kinds = tuple(kinds)
        self.quarantined: list[Quarantined] = []
        self.add(changes)

    def add(self, changes: Iterable[Change]) -> None:
        """Fold later changes in: the first `old` and the last `new` of each object make its net change."""
        for change in changes:
            key = (change.kind, change.id)
            earlier = self._changes.pop(key, None)
            merged = change if earlier is None else _merge(earlier, change)
            if merged is not None:
                self._changes[key] = merged

    def __getitem__(self, kind: str) -> KindChanges:
        ids: dict[str, list[int]] = {"created": [], "updated": [], "deleted": []}
        for change in self._changes.values():
            if change.kind == kind:
                ids[change.action].append(change.id)
        return KindChanges(*(tuple(sorted(ids[action])) for action in ("created", "updated", "deleted")))

    def by_kind(self) -> dict[str, KindChanges]:
        """`KindChanges` of every kind synced (changed or not), in sync order; e.g. for a summary table."""
        kinds = self.kinds or tuple(dict.fromkeys(change.kind for change in self._changes.values()))
        return {kind: self[kind] for kind in kinds}

    def of(self, kind: str) -> list[Change]:
        """The changes of one kind, by id."""
        return sorted((c for c in self._changes.values() if c.kind == kind), key=lambda c: c.id)

    def counts(self) -> dict[str, dict[str, int]]:
        """Per kind that changed: {"created": n, "updated": n, "deleted": n}."""
        kinds = dict.fromkeys(change.kind for change in self._changes.values())
        return {kind: self[kind].counts() for kind in kinds}

    def to_dict(self) -> dict[str, Any]:
        """The run as JSON-ready data: {"requests": n, "kinds": {kind: {"created": [ids], "updated": [ids],
        "deleted": [ids]}}, "quarantined": [{"kind", "id", "reason"}]}, every kind synced in sync order (empty
        lists when nothing changed). A quarantined id is given as JSON text (it may not fit a JSON number)."""
        kinds = {kind: {action: list(ids) for action, ids in attrs.asdict(found).items()}
                 for kind, found in self.by_kind().items()}  # fmt: skip
        odd = [{"kind": item.kind, "id": item.key, "reason": item.reason} for item in self.quarantined]
        return {"requests": self.requests, "kinds": kinds, "quarantined": odd}

    @property
    def events(self) -> list[Event]:
        """Every event of every change, kind by kind in sync order, ids ascending."""
        return [event for kind in NOUNS for change in self.of(kind) for event in change.events]

    def __iter__(self) -> Iterator[Change]:
        return iter(list(self._changes.values()))

    def __len__(self) -> int:
        return len(self._changes)

    def __bool__(self) -> bool:
        return bool(self._changes)

    def __repr__(self) -> str:
        odd = f", quarantined={len(self.quarantined)}" if self.quarantined else ""
        return f"ChangeSet({self.counts()!r}, requests={self.requests}{odd})"


def _merge(first: Change, second: Change) -> Change | None:
    live_before, live_after = _LIVE_BEFORE[first.action], _LIVE_AFTER[second.action]
    if live_before and live_after:
        return None if first.old == second.new else attrs.evolve(second, action="updated", old=first.old)
    if live_after:
        return attrs.evolve(second, action="created", old=None)
    if live_before:
        return attrs.evolve(second, action="deleted", old=first.old)
    return None


def _event_names(change: Change) -> list[str]:
    noun = NOUNS.get(change.kind, change.kind)
    names = [f"{noun}.{change.action}"]
    old, new = change.old or {}, change.new or {}
    if change.kind == "time_entries":
        was_running = change.action != "created" and _running(old)
        is_running = change.action != "deleted" and _running(new)
        if is_running and not was_running:
            names.append("time_entry.started")
        if was_running and change.action != "deleted" and not is_running:
            names.append("time_entry.stopped")
    if change.action != "updated":
        return names
    if "name" in old and old.get("name") != new.get("name"):
        names.append(f"{noun}.renamed")
    flag, archived_when = ("archived", True) if change.kind == "clients" else ("active", False)
    if flag in old and flag in new and bool(old[flag]) != bool(new[flag]):
        names.append(f"{noun}.{'archived' if bool(new[flag]) == archived_when else 'restored'}")
    return names


def _running(entry: dict[str, Any]) -> bool:
    """Toggl marks a running entry with `stop: null` and a negative duration [V:VCR]."""
    return bool(entry) and entry.get("stop") is None


__all__ = ["NOUNS", "Action", "Change", "ChangeSet", "Event", "KindChanges", "Quarantined"]
