"""A Sync mirror fed by webhook deliveries: 0 requests for complete payloads, one GET otherwise, deletions,
and a reconciliation that catches a lost delivery. On asyncio and trio."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import AsyncIterator

import attrs
from webhook_helpers import on_asyncio_and_trio

from toggl_async import MemoryStore, Sync, Toggl
from toggl_async.models import ProjectPayload, TimeEntryUpdate
from toggl_async.testing import FakeClock, FakeToggl
from toggl_async.webhooks import EntityEvent, WebhookReceiver, event_from_dict, subscribe

URL = "https://bot.example.com/toggl"
SECRET = "mirror-secret"


async def _world() -> tuple[FakeClock, FakeToggl, Toggl, Toggl, WebhookReceiver, Sync, int]:
    clock = FakeClock()
    fake = FakeToggl(clock=clock, rate=None, quotas=False)
    user = fake.add_user(plan="Premium")
    wid = user.default_workspace_id
    bot = Toggl(user.api_token, transport=fake.transport(), clock=clock, rate=None)
    other_app = Toggl(user.api_token, transport=fake.transport(), clock=clock, rate=None)  # the user's own edits
    receiver = WebhookReceiver(SECRET, clock=clock)
    fake.webhooks.mount(URL, receiver)
    await subscribe(bot, wid, URL, ["time_entry/*", "project/*"], description="mirror", secret=SECRET)
    sync = Sync(bot, MemoryStore(), kinds=["projects", "time_entries"])
    await sync.run()
    return clock, fake, bot, other_app, receiver, sync, wid


@contextlib.asynccontextmanager
async def _closing(*clients: Toggl) -> AsyncIterator[None]:
    """Close clients already in use (the world's set-up opened them) at the end of the block."""
    try:
        yield
    finally:
        for client in clients:
            await client.aclose()


def _take(receiver: WebhookReceiver) -> list[EntityEvent]:
    events = []
    while (event := receiver.get_nowait()) is not None:
        assert isinstance(event, EntityEvent)
        events.append(event)
    return events


@on_asyncio_and_trio
async def test_complete_payloads_cost_no_request_and_deletions_are_mirrored() -> None:
    clock, fake, bot, other, receiver, sync, wid = await _world()
    mirror = sync.webhook_mirror(receiver)
    async with _closing(bot, other):
        entry = await other.start_timer(wid, "From the phone")
        await other.projects.create_project(wid, body=ProjectPayload(name="Site"))
        clock.advance(60)
        await other.stop_timer(entry)
        await other.time_entries.delete_time_entry(wid, entry.id)
        before = fake.request_count
        for event in _take(receiver):
            await mirror.apply(event)
        assert fake.request_count == before  # every payload was whole: no request at all
    assert mirror.stats.from_payload == 3 and mirror.stats.deleted == 1 and mirror.stats.fetched == 0
    assert await sync.store.get("time_entries", entry.id) is None  # deleted
    stored = await sync.store.get("time_entries", entry.id, include_deleted=True)
    assert stored is not None and stored["description"] == "From the phone" and stored["server_deleted_at"]
    assert [p["name"] for p in await sync.store.objects("projects")] == ["Site"]


@on_asyncio_and_trio
async def test_a_thin_payload_costs_one_targeted_get() -> None:
    clock, fake, bot, other, receiver, sync, wid = await _world()
    mirror = sync.webhook_mirror(receiver)
    async with _closing(bot, other):
        entry = await other.start_timer(wid, "Thin")
        _take(receiver)
        thin = event_from_dict({
            "event_id": 99, "timestamp": clock.now().isoformat(), "payload": {"id": entry.id},
            "metadata": {"action": "updated", "model": "time_entry", "time_entry_id": str(entry.id),
                         "workspace_id": str(wid)},
        })  # fmt: skip
        before = fake.request_count
        await mirror.apply(thin)
        assert fake.request_count == before + 1
    stored = await sync.store.get("time_entries", entry.id)
    assert stored is not None and stored["description"] == "Thin" and mirror.stats.fetched == 1


@on_asyncio_and_trio
async def test_a_lost_delivery_is_caught_by_the_next_reconciliation() -> None:
    clock, fake, bot, other, receiver, sync, wid = await _world()
    mirror = sync.webhook_mirror(receiver, reconcile_every=3600)
    async with _closing(bot, other):
        fake.webhooks.faults.add("drop")
        lost = await other.start_timer(wid, "Never delivered", start=clock.now() - datetime.timedelta(minutes=5))
        for event in _take(receiver):
            await mirror.apply(event)
        assert await sync.store.get("time_entries", lost.id) is None
        clock.advance(3600)
        changes = await mirror.reconcile()
    assert changes.requests == 2  # one listing per kind
    stored = await sync.store.get("time_entries", lost.id)
    assert stored is not None and stored["description"] == "Never delivered"
    assert mirror.stats.reconciliations == 1


@on_asyncio_and_trio
async def test_events_of_kinds_not_mirrored_are_skipped() -> None:
    clock, _, bot, _, _, sync, wid = await _world()
    mirror = sync.webhook_mirror()
    async with _closing(bot):
        skipped = await mirror.apply(event_from_dict({
            "event_id": 5, "timestamp": clock.now().isoformat(), "payload": {"id": 1, "name": "x"},
            "metadata": {"action": "created", "model": "expense", "workspace_id": str(wid)},
        }))  # fmt: skip
    assert not skipped and mirror.stats.skipped == 1


@on_asyncio_and_trio
async def test_reordered_deliveries_leave_the_newest_copy() -> None:
    # Toggl retries a failed delivery later (Webhooks docs): an older update can arrive after a newer one.
    clock, _fake, bot, other, receiver, sync, wid = await _world()
    mirror = sync.webhook_mirror(receiver)
    async with _closing(bot, other):
        entry = await other.start_timer(wid, "first")
        _take(receiver)
        for text in ("second", "third"):
            clock.advance(60)
            await other.time_entries.update_time_entry(wid, entry.id, body=TimeEntryUpdate(description=text))
        clock.advance(60)
        await other.time_entries.update_time_entry(wid, entry.id, body=TimeEntryUpdate(description="fourth"))
        await other.time_entries.delete_time_entry(wid, entry.id)
        events = _take(receiver)
        assert len(events) == 4
        for event in reversed(events[:3]):  # the three updates, newest first
            await mirror.apply(event)
        stored = await sync.store.get("time_entries", entry.id)
        assert stored is not None and stored["description"] == "fourth"
        await mirror.apply(events[3])  # the deletion, then an older update arriving late
        await mirror.apply(events[1])
    assert await sync.store.get("time_entries", entry.id) is None


@on_asyncio_and_trio
async def test_a_payload_naming_another_object_changes_nothing() -> None:
    clock, _fake, bot, other, receiver, sync, wid = await _world()
    mirror = sync.webhook_mirror(receiver)
    async with _closing(bot, other):
        mine = await other.start_timer(wid, "mine")
        await other.stop_timer(mine)
        bystander = await other.start_timer(wid, "bystander")
        await sync.run()
        _take(receiver)
        clock.advance(60)
        await other.time_entries.update_time_entry(wid, mine.id, body=TimeEntryUpdate(description="edited"))
        await other.time_entries.delete_time_entry(wid, mine.id)
        update, deletion = _take(receiver)
        assert isinstance(update.payload, dict)
        for event in (update, deletion):
            payload = {**update.payload, "id": bystander.id}  # the metadata still names `mine`
            await mirror.apply(attrs.evolve(event, payload=payload))
    kept = await sync.store.get("time_entries", bystander.id)
    assert kept is not None and kept["description"] == "bystander"
    assert mirror.stats.skipped == 2
