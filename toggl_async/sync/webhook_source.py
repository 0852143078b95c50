"""A mirror kept fresh by webhook deliveries instead of polling: `Sync.webhook_mirror(source)`.

    receiver = WebhookReceiver(secret)                  # served or mounted where Toggl can reach it
    mirror = sync.webhook_mirror(receiver, reconcile_every=3600)
    await mirror.run()                                  # never returns: events in, a since-sync each hour

Each change event updates the store straight from its payload: no request when the payload holds the
whole object (Toggl's time entry payloads do [V:WH-REC]), else one GET of that object. A deletion needs no
request: the stored copy is marked deleted. Events the mirror does not keep (another entity, or a kind
this `Sync` does not mirror) are skipped. A delivery Toggl never made, or one lost on the way, is caught by
the reconciliation: an ordinary `Sync.run()` every `reconcile_every` seconds (its cursors cover every
change since the last one, so it costs one request per kind however many events came).

Stale or reordered events do no harm: the store keeps the copy with the newest `at`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterable, Mapping
from typing import TYPE_CHECKING, Any

import anyio
import attrs

from toggl_async.errors import NotFoundError, TogglError
from toggl_async.sync.changes import ChangeSet

if TYPE_CHECKING:
    from toggl_async._generated.types import Response
    from toggl_async.sync.engine import Sync
    from toggl_async.webhooks import EntityEvent, PingEvent

logger = logging.getLogger("toggl_async.sync.webhooks")

# metadata.model -> the mirror's kind
KIND_OF_MODEL = {
    "time_entry": "time_entries", "project": "projects", "client": "clients", "tag": "tags", "task": "tasks",
    "workspace": "workspaces",
}  # fmt: skip
# What a payload must hold to be stored as it is: the keys a `/me` listing object of that kind always has
# (otherwise the mirror would hold a thinner copy than a since-sync gives) [V:WH-REC for time entries; I].
COMPLETE_KEYS = {
    "time_entries": ("id", "workspace_id", "start", "duration", "at", "description", "tags", "project_id"),
    "projects": ("id", "workspace_id", "name", "active", "at"),
    "clients": ("id", "name", "at"),
    "tags": ("id", "workspace_id", "name", "at"),
    "tasks": ("id", "project_id", "workspace_id", "name", "at"),
    "workspaces": ("id", "name", "at"),
}
DEFAULT_RECONCILE_EVERY = 3600.0


@attrs.define
class MirrorStats:
    """What the mirror did: events applied from the payload alone, targeted GETs, skipped events, and
    reconciliations with their requests."""

    from_payload: int = 0
    fetched: int = 0
    deleted: int = 0
    skipped: int = 0
    reconciliations: int = 0
    reconcile_requests: int = 0

    @property
    def requests(self) -> int:
        """Every request the mirror sent: targeted GETs plus the reconciliations'."""
        return self.fetched + self.reconcile_requests


class WebhookMirror:
    """Applies webhook events to a `Sync`'s store and reconciles it now and then; see the module docstring.

    `source`: any async iterable of events (a `WebhookReceiver` is one). `reconcile_every`: seconds between
    since-sync runs (on the sync's clock); None never reconciles by itself (call `reconcile()`).
    """

    def __init__(
        self, sync: Sync, source: AsyncIterable[PingEvent | EntityEvent] | None = None, *,
        reconcile_every: float | None = DEFAULT_RECONCILE_EVERY,
    ) -> None:  # fmt: skip
        if reconcile_every is not None and reconcile_every <= 0:
            raise ValueError("reconcile_every must be positive seconds, or None")
        self.sync, self.source, self.reconcile_every = sync, source, reconcile_every
        self.stats = MirrorStats()

    def __repr__(self) -> str:
        return f"WebhookMirror({self.sync!r}, reconcile_every={self.reconcile_every}, stats={self.stats})"

    async def apply(self, event: PingEvent | EntityEvent) -> ChangeSet:
        """Store what one event says changed (0 requests, or 1 GET when its payload is not the whole object)."""
        from toggl_async.webhooks import EntityEvent

        changes = ChangeSet(kinds=self.sync.kinds)
        kind = KIND_OF_MODEL.get(event.model) if isinstance(event, EntityEvent) else None
        if not isinstance(event, EntityEvent) or kind is None or kind not in self.sync.kinds or event.entity_id is None:
            self.stats.skipped += 1
            return changes
        obj = await self._object(kind, event, changes)
        if obj is None:
            self.stats.skipped += 1
            return changes
        changes.add(await self.sync.store.apply(kind, [obj]))
        await self.sync._emit(changes.of(kind))
        return changes

    async def _object(self, kind: str, event: EntityEvent, changes: ChangeSet) -> dict[str, Any] | None:
        payload = event.payload if isinstance(event.payload, dict) else {}
        entity_id = event.entity_id
        assert entity_id is not None
        if "id" in payload and payload["id"] != entity_id:
            # The metadata names one object and the payload is another's: storing either could overwrite or
            # delete the wrong copy. Toggl never sends this; the reconciliation settles the real change.
            logger.warning("a %s event for id %s carries a payload with another id; skipped", event.model, entity_id)
            return None
        if event.action == "deleted":
            self.stats.deleted += 1
            stored = await self.sync.store.get(kind, entity_id, include_deleted=True) or {}
            gone = _utc_text(event)
            marker = "deleted_at" if kind == "tags" else "server_deleted_at"
            obj = {**stored, **payload, "id": entity_id}
            obj[marker] = obj.get(marker) or gone
            obj["at"] = payload.get("at") or gone
            return obj
        if all(key in payload for key in COMPLETE_KEYS[kind]):
            self.stats.from_payload += 1
            return dict(payload)
        if not _gettable(kind, event):
            return None  # no single-object route (tags), or ids missing: the reconciliation brings it
        try:
            fetched = await self._get(kind, entity_id, event)
        except NotFoundError:
            logger.info("%s %s from a webhook is gone already; the reconciliation settles it", kind, entity_id)
            return None
        except TogglError as exc:
            logger.warning("%s %s from a webhook not fetched (%s); the reconciliation settles it", kind, entity_id, exc)
            return None
        finally:
            self.stats.fetched += 1
            changes.requests += 1
        return fetched

    async def _get(self, kind: str, entity_id: int, event: EntityEvent) -> dict[str, Any] | None:
        """The object as Toggl answers one GET of it (raw JSON, like since-sync stores)."""
        toggl, payload = self.sync.toggl, event.payload if isinstance(event.payload, Mapping) else {}
        workspace_id = event.workspace_id
        response: Response[Any]
        if kind == "time_entries":
            response = await toggl.time_entries.raw.get_time_entry(entity_id)
        elif kind == "projects" and workspace_id is not None:
            response = await toggl.projects.raw.get_project(workspace_id, entity_id)
        elif kind == "clients" and workspace_id is not None:
            response = await toggl.clients.raw.get_client(workspace_id, entity_id)
        elif kind == "tasks" and workspace_id is not None and isinstance(payload.get("project_id"), int):
            response = await toggl.tasks.raw.get_task(workspace_id, payload["project_id"], entity_id)
        elif kind == "workspaces":
            response = await toggl.workspaces.raw.get_workspace(entity_id)
        else:
            return None
        body = json.loads(response.content)
        return body if isinstance(body, dict) and isinstance(body.get("id"), int) else None

    async def reconcile(self) -> ChangeSet:
        """One since-sync run (waiting out a spent quota): catches whatever no delivery brought."""
        changes = await self.sync.run(wait=True)
        self.stats.reconciliations += 1
        self.stats.reconcile_requests += changes.requests
        return changes

    async def run(self) -> None:
        """Apply the source's events as they come and reconcile every `reconcile_every` seconds; never returns
        while the source lasts (cancel it to stop). Starts with a reconciliation, so the store is current."""
        await self.reconcile()
        async with anyio.create_task_group() as group:
            if self.reconcile_every is not None:
                group.start_soon(self._reconcile_forever, self.reconcile_every)
            if self.source is not None:
                async for event in self.source:
                    await self.apply(event)
                group.cancel_scope.cancel()

    async def _reconcile_forever(self, interval: float) -> None:
        while True:
            await self.sync._sleep(interval)
            try:
                await self.reconcile()
            except TogglError as exc:
                logger.warning("reconciliation failed, trying again in %s s: %s", interval, exc)


def _gettable(kind: str, event: EntityEvent) -> bool:
    payload = event.payload if isinstance(event.payload, Mapping) else {}
    if kind in ("time_entries", "workspaces"):
        return True
    if kind == "tasks":
        return event.workspace_id is not None and isinstance(payload.get("project_id"), int)
    return kind in ("projects", "clients") and event.workspace_id is not None


def _utc_text(event: EntityEvent) -> str:
    moment = event.created_at or event.timestamp
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment is not None else "1970-01-01T00:00:00Z"
