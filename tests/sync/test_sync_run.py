"""Sync.run against the fake: full pull, incremental runs, the cursor rule, stale cursors, backfill, events."""

from __future__ import annotations

import datetime
import random
from collections import Counter
from typing import Any

import httpx
import pytest
from sync_world import World, act, client, differences, expected, mirrored

from toggl_async import Toggl
from toggl_async.sync.changes import ChangeSet, Event
from toggl_async.sync.engine import BACKFILL_KEY, Sync, cursor_key
from toggl_async.sync.stores import KINDS, MemoryStore, Store
from toggl_async.testing import FakeClock, FakeToggl, FakeUser
from toggl_async.testing.routes.time_entries import enforce_since_window

DAY = 86_400


async def assert_mirrors(store: Store, fake: FakeToggl, user: FakeUser) -> None:
    assert differences(expected(fake, user), await mirrored(store)) == []


def requests_after(fake: FakeToggl, mark: int) -> Counter[str | None]:
    return Counter(entry.operation_id for entry in fake.log[mark:])


async def test_first_run_pulls_everything_then_runs_cost_one_request_per_kind(
    fake: FakeToggl, user: FakeUser, world: World, toggl: Toggl, store: Store, recent: datetime.date, clock: FakeClock
) -> None:
    world.random(random.Random(5), 60)
    sync = Sync(toggl, store, history_start=recent)
    first = await sync.run()
    assert first["time_entries"].created and first.requests == len(fake.log)
    await assert_mirrors(store, fake, user)
    clock.advance(30)
    mark = len(fake.log)
    assert not await sync.run()
    assert list(first.by_kind()) == list(KINDS)
    assert first.by_kind()["tags"].counts()["created"] == len(world.live("tags"))
    calls = requests_after(fake, mark)
    assert sum(calls.values()) == len(KINDS) and set(calls.values()) == {1}


async def test_later_runs_apply_creates_updates_and_deletes(
    fake: FakeToggl, user: FakeUser, world: World, toggl: Toggl, store: Store, recent: datetime.date, clock: FakeClock
) -> None:
    world.random(random.Random(6), 40)
    sync = Sync(toggl, store, history_start=recent)
    await sync.run()
    for seed in range(5):
        clock.advance(61)
        world.random(random.Random(seed), 15)
        await sync.run()
        await assert_mirrors(store, fake, user)


async def test_the_cursor_is_the_servers_date_minus_the_margin(
    toggl: Toggl, store: Store, recent: datetime.date, clock: FakeClock
) -> None:
    await Sync(toggl, store, history_start=recent, margin=90).run()
    for kind in KINDS:
        assert await store.get_state(cursor_key(kind)) == str(int(clock.time()) - 90)


async def test_without_a_date_header_the_cursor_follows_the_newest_at(
    fake: FakeToggl, user: FakeUser, clock: FakeClock, world: World
) -> None:
    class NoDate(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await fake.transport().handle_async_request(request)
            del response.headers["date"]
            return response

    world._tag_create(1, 1)
    clock.advance(500)
    store = MemoryStore()
    toggl = Toggl(user.api_token, transport=NoDate(), clock=clock, rate=None)
    async with toggl:
        await Sync(toggl, store, kinds=["tags"], margin=10).run()
        tag_at = datetime.datetime.fromisoformat(world.live("tags")[0]["at"]).timestamp()
        assert await store.get_state(cursor_key("tags")) == str(int(tag_at - 10))
        clock.advance(500)
        await Sync(toggl, store, kinds=["tags"], margin=10).run()  # nothing changed: the cursor stays
        assert await store.get_state(cursor_key("tags")) == str(int(tag_at - 10))


async def test_a_change_landing_while_the_listing_is_served_is_not_missed(
    fake: FakeToggl, user: FakeUser, world: World, clock: FakeClock, recent: datetime.date
) -> None:
    world._project_create(1, 0)
    project = world.live("projects")[0]

    class RenameAfterListing(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await fake.transport().handle_async_request(request)
            if request.url.path.endswith("/me/projects"):  # the rename lands right after the answer was built
                act(fake, user, "update_project", {"name": "Renamed"}, workspace_id=project["workspace_id"],
                    project_id=project["id"])  # fmt: skip
            return response

    store = MemoryStore()
    toggl = Toggl(user.api_token, transport=RenameAfterListing(), clock=clock, rate=None)
    async with toggl:
        sync = Sync(toggl, store, history_start=recent)
        await sync.run()
        clock.advance(1)
        changes = await sync.run()
    assert changes["projects"].updated == (project["id"],)
    assert [e.name for e in changes.events] == ["project.updated", "project.renamed"]


async def test_a_cursor_older_than_the_since_window_means_a_full_pull(
    fake: FakeToggl, user: FakeUser, world: World, toggl: Toggl, store: Store, recent: datetime.date, clock: FakeClock
) -> None:
    world.random(random.Random(7), 60)
    sync = Sync(toggl, store, history_start=recent)
    await sync.run()
    gone_entry, gone_tag = world.live("time_entries")[0], world.live("tags")[0]
    world._entry_delete(0, 0)
    world._tag_delete(0, 0)
    clock.advance(120 * DAY)  # the deletions are now older than any `since` the fake accepts
    changes = await sync.run()
    assert gone_entry["id"] in changes["time_entries"].deleted and gone_tag["id"] in changes["tags"].deleted
    await assert_mirrors(store, fake, user)


async def test_a_first_sync_of_a_long_history_is_complete(clock: FakeClock, store: Store) -> None:
    fake = FakeToggl.seeded(time_entries=3000, days=700, clock=clock)
    enforce_since_window(fake)
    user = fake.users[0]
    async with client(fake, user, clock) as toggl:
        changes = await Sync(toggl, store).run()
    entries = expected(fake, user)["time_entries"]
    old = [e for e in entries.values() if e["start"] < (clock.now() - datetime.timedelta(days=100)).isoformat()]
    assert len(entries) == 3000 and len(old) > 2000
    assert changes["time_entries"].created == tuple(sorted(entries))
    await assert_mirrors(store, fake, user)
    assert requests_after(fake, 0)["get_detailed_report"] > 1


async def test_an_interrupted_backfill_resumes_where_it_stopped(clock: FakeClock) -> None:
    fake = FakeToggl.seeded(time_entries=1500, days=1200, clock=clock)
    enforce_since_window(fake)
    user, store = fake.users[0], MemoryStore()

    class StopAfterTwoWindows(MemoryStore):
        windows = 0

        async def apply(self, kind: str, objects: Any, **options: Any) -> Any:
            if BACKFILL_KEY in (options.get("state") or {}):
                self.windows += 1
                if self.windows == 3:
                    raise RuntimeError("crash")
            return await store.apply(kind, objects, **options)

        async def get_state(self, key: str) -> str | None:
            return await store.get_state(key)

        async def objects(self, kind: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
            return await store.objects(kind, include_deleted=include_deleted)

    options: dict[str, Any] = {"history_start": datetime.date(2021, 1, 1), "report_page_size": 1000}
    async with client(fake, user, clock) as toggl:
        with pytest.raises(RuntimeError):
            await Sync(toggl, StopAfterTwoWindows(), **options).run()
        assert await store.get_state(BACKFILL_KEY) is not None
        assert await store.get_state(cursor_key("time_entries")) is None
        before = len(fake.log)
        await Sync(toggl, store, **options).run()
    # Four windows reach back from 2024-09 to 2021-01, one request each; two were stored before the crash.
    assert requests_after(fake, 0)["get_detailed_report"] - requests_after(fake, before)["get_detailed_report"] == 3
    assert requests_after(fake, before)["get_detailed_report"] == 2
    await assert_mirrors(store, fake, user)
    assert await store.get_state(BACKFILL_KEY) is None


async def test_events_name_what_happened(
    fake: FakeToggl, user: FakeUser, world: World, toggl: Toggl, recent: datetime.date, clock: FakeClock
) -> None:
    world._project_create(1, 0)
    world._entry_start(5, 0)
    seen: list[Event] = []

    async def on_event(event: Event) -> None:
        seen.append(event)

    clock.advance(600)  # past the margin: the next run's overlap no longer covers the creations
    sync = Sync(toggl, MemoryStore(), history_start=recent, on_event=on_event)
    await sync.run()
    assert {"project.created", "time_entry.created", "time_entry.started", "workspace.created"} <= {
        e.name for e in seen
    }
    seen.clear()
    clock.advance(300)
    world._entry_stop(0, 0)
    world._project_rename(0, 0)
    world._project_archive(0, 0)
    changes = await sync.run()
    names = [e.name for e in seen]
    assert names == [e.name for e in changes.events]
    # The first run's cursors stayed at the newest change it saw (the creations, ten minutes before it: the clock
    # that stamps `at` may lag the Date), so the workspace comes again, its active_project_count changed by the
    # archive (a field Toggl derives, so its `at` did not move).
    assert names == ["workspace.updated", "project.updated", "project.renamed", "project.archived",
                     "time_entry.updated", "time_entry.stopped"]  # fmt: skip


async def test_progress_reports_each_kind(toggl: Toggl, world: World, recent: datetime.date) -> None:
    world.random(random.Random(3), 30)
    calls: list[tuple[str, int, int | None]] = []
    await Sync(toggl, MemoryStore(), history_start=recent, progress=lambda *call: calls.append(call)).run()
    finals = {kind: call for kind, *call in calls if call[1] is not None}
    assert list(finals) == list(KINDS)
    assert all(done == total for done, total in finals.values())
    assert calls[0] == ("workspaces", 0, None)


async def test_a_subset_of_kinds(
    fake: FakeToggl, user: FakeUser, world: World, toggl: Toggl, recent: datetime.date
) -> None:
    world.random(random.Random(4), 40)
    store = MemoryStore()
    await Sync(toggl, store, kinds=["time_entries", "tags"], history_start=recent).run()
    want = expected(fake, user)
    assert await mirrored(store, ("tags", "time_entries")) == {k: want[k] for k in ("tags", "time_entries")}
    assert await store.objects("workspaces") == []


async def test_a_forced_full_run_drops_what_is_no_longer_visible(
    fake: FakeToggl, user: FakeUser, toggl: Toggl, recent: datetime.date, clock: FakeClock
) -> None:
    other = fake.add_user("bob@example.com", "pw", plan="Starter")
    shared = fake.store.tables["workspaces"][other.default_workspace_id]
    membership = fake.store.add_workspace_member(shared, fake.store.tables["users"][user.id])
    store = MemoryStore()
    sync = Sync(toggl, store, history_start=recent)
    await sync.run()
    assert {w["id"] for w in await store.objects("workspaces")} == {user.default_workspace_id, shared["id"]}
    fake.store.delete("workspace_users", membership)
    clock.advance(60)
    assert not (await sync.run())["workspaces"]  # `since` does not tell a lost membership
    assert (await sync.run(full=True))["workspaces"].deleted == (shared["id"],)


def test_bad_arguments_are_refused(toggl: Toggl) -> None:
    with pytest.raises(ValueError, match="kinds"):
        Sync(toggl, MemoryStore(), kinds=["users"])
    with pytest.raises(ValueError, match="margin"):
        Sync(toggl, MemoryStore(), margin=-1)


def test_a_change_set_is_net_over_the_run() -> None:
    from toggl_async.sync.changes import Change

    changes = ChangeSet(
        [Change("tags", 1, "created", None, {"name": "a"}), Change("tags", 1, "deleted", {"name": "a"}, {})]
    )
    changes.add(
        [
            Change("tags", 2, "updated", {"name": "a"}, {"name": "b"}),
            Change("tags", 2, "updated", {"name": "b"}, {"name": "c"}),
        ]
    )
    assert not changes["tags"].created and changes["tags"].updated == (2,)
    assert [e.name for e in changes.events] == ["tag.updated", "tag.renamed"]
    assert changes.counts() == {"tags": {"created": 0, "updated": 1, "deleted": 0}}
