"""Benchmark: a mirror fed by webhooks against today's `watch()` polling, over a simulated 8-hour day.

    .venv/bin/python bench/webhooks.py [--changes 200] [--hours 8] [--poll 300] [--reconcile 3600] [--drop 0.05]

Everything runs in process on FakeToggl's hand-moved clock (no sockets, no waiting): the seeded demo user
(Starter plan) and a bot mirroring all six kinds into a MemoryStore. Over the day another app of the user
makes `--changes` changes at random moments (seeded): edits, new entries, deletions, project renames. The
fake counts every request; the bot's are those sent by the mirror (or by the polling loop).

* webhooks: the bot subscribes to time_entry/*, project/* and client/* and keeps its store fresh from the
  deliveries (`Sync.webhook_mirror`), with a since-sync reconciliation every `--reconcile` seconds.
* polling: what `Sync.watch(interval=--poll)` does: a since-sync run every `--poll` seconds.
* webhooks with `--drop` of the deliveries lost (FakeToggl's delivery faults): the store against the fake's
  state just before and just after the next reconciliation.

Staleness is how long a change waits before the bot's store has it (deliveries are instant in process).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import random
import time
from typing import Any

from toggl_async import MemoryStore, Sync, Toggl
from toggl_async.testing import FakeClock, FakeToggl
from toggl_async.webhooks import WebhookReceiver, subscribe

URL = "https://bot.example.com/toggl"
SECRET = "bench-secret"
START = datetime.datetime(2024, 12, 16, 9, 0, tzinfo=datetime.UTC)


def world() -> tuple[FakeClock, FakeToggl, int, str]:
    clock = FakeClock(START - datetime.timedelta(days=1))
    fake = FakeToggl.seeded(time_entries=300, days=30, clock=clock, seed="webhooks-bench")
    user = fake.users[0]
    clock.advance(86400)
    return clock, fake, user.default_workspace_id, user.api_token


def schedule(count: int, hours: float, seed: int) -> list[tuple[float, str]]:
    """(seconds into the day, kind of change), sorted."""
    rng = random.Random(seed)
    kinds = ["edit"] * 60 + ["create"] * 20 + ["delete"] * 10 + ["rename"] * 10
    return sorted((rng.uniform(1, hours * 3600 - 1), rng.choice(kinds)) for _ in range(count))


class OtherApp:
    """The user's other device: makes the changes straight against the fake (not counted as the bot's)."""

    def __init__(self, fake: FakeToggl, wid: int, seed: int) -> None:
        self.http = fake.http_client(fake.users[0])
        self.fake, self.wid, self.rng = fake, wid, random.Random(seed)
        self.requests = 0

    def _live(self, table: str) -> list[dict[str, Any]]:
        user_id = self.fake.users[0].id
        return [o for o in self.fake.store.live(table) if o.get("workspace_id") == self.wid
                and (table != "time_entries" or (o["user_id"] == user_id and o["stop"]))]  # fmt: skip

    async def change(self, kind: str, number: int) -> None:
        base = f"/api/v9/workspaces/{self.wid}"
        if kind == "create":
            start = self.fake.clock.now() - datetime.timedelta(hours=2)
            body = {"created_with": "bench", "workspace_id": self.wid, "start": start.isoformat(),
                    "duration": 900, "description": f"new {number}"}  # fmt: skip
            response = await self.http.post(f"{base}/time_entries", json=body)
        elif kind == "edit":
            entry = self.rng.choice(self._live("time_entries"))
            response = await self.http.put(f"{base}/time_entries/{entry['id']}", json={"description": f"edit {number}"})
        elif kind == "delete":
            entry = self.rng.choice(self._live("time_entries"))
            response = await self.http.delete(f"{base}/time_entries/{entry['id']}")
        else:
            project = self.rng.choice(self._live("projects"))
            response = await self.http.put(f"{base}/projects/{project['id']}", json={"name": f"Project {number}"})
        response.raise_for_status()
        self.requests += 1


async def differences(fake: FakeToggl, store: MemoryStore, wid: int) -> int:
    """Objects whose mirrored copy disagrees with the fake (missing, extra, deleted or not, other text)."""
    user_id = fake.users[0].id
    wrong = 0
    for kind, key in (("time_entries", "description"), ("projects", "name")):
        truth = {o["id"]: o.get(key) for o in fake.store.live(kind) if o.get("workspace_id") == wid
                 and (kind != "time_entries" or o["user_id"] == user_id)}  # fmt: skip
        mirrored = {o["id"]: o.get(key) for o in await store.objects(kind) if o.get("workspace_id") == wid}
        wrong += len(truth.keys() ^ mirrored.keys()) + sum(truth[i] != mirrored[i] for i in truth.keys() & mirrored)
    return wrong


async def webhook_day(args: argparse.Namespace, drop: float) -> dict[str, Any]:
    clock, fake, wid, token = world()
    bot = Toggl(token, transport=fake.transport(), clock=clock, rate=None)
    receiver = WebhookReceiver(SECRET, clock=clock)
    fake.webhooks.mount(URL, receiver)
    other = OtherApp(fake, wid, args.seed)
    sync = Sync(bot, MemoryStore())
    mirror = sync.webhook_mirror(receiver, reconcile_every=args.reconcile)
    await subscribe(bot, wid, URL, ["time_entry/*", "project/*", "client/*"], description="bench", secret=SECRET)
    first = await mirror.reconcile()  # the first (full) sync, reported apart
    setup = fake.request_count
    if drop:
        fake.webhooks.faults.at_random(drop, seed=args.seed, kinds=("drop",))
    day_start = clock.time()
    bot_requests = idle_requests = 0
    next_reconcile = day_start + args.reconcile
    stale: list[float] = []
    before_last = after_last = None
    for offset, kind in schedule(args.changes, args.hours, args.seed):
        while day_start + offset >= next_reconcile:
            clock.advance(max(0.0, next_reconcile - clock.time()))
            before_last = await differences(fake, sync.store, wid)
            count = fake.request_count
            await mirror.reconcile()
            bot_requests += fake.request_count - count
            after_last = await differences(fake, sync.store, wid)
            next_reconcile += args.reconcile
        idle_from = fake.request_count
        clock.advance(day_start + offset - clock.time())
        idle_requests += fake.request_count - idle_from  # nothing polls while nothing happens
        await other.change(kind, len(stale))
        count = fake.request_count
        while (event := receiver.get_nowait()) is not None:
            await mirror.apply(event)
        bot_requests += fake.request_count - count
        stale.append(0.0)  # delivered and applied at the moment of the change (in process)
    while next_reconcile <= day_start + args.hours * 3600:
        clock.advance(max(0.0, next_reconcile - clock.time()))
        before_last = await differences(fake, sync.store, wid)
        count = fake.request_count
        await mirror.reconcile()
        bot_requests += fake.request_count - count
        after_last = await differences(fake, sync.store, wid)
        next_reconcile += args.reconcile
    await bot.aclose()
    await other.http.aclose()
    stats = mirror.stats
    return {
        "first_sync": first.requests, "setup": setup, "bot": bot_requests, "idle": idle_requests,
        "reconciliations": stats.reconciliations - 1, "reconcile_requests": stats.reconcile_requests - first.requests,
        "from_payload": stats.from_payload, "fetched": stats.fetched, "deleted": stats.deleted,
        "dropped": len(fake.webhooks.dropped), "before_last": before_last, "after_last": after_last,
        "final": await differences(fake, sync.store, wid), "stale_max": max(stale, default=0.0),
    }  # fmt: skip


async def polling_day(args: argparse.Namespace) -> dict[str, Any]:
    clock, fake, wid, token = world()
    bot = Toggl(token, transport=fake.transport(), clock=clock, rate=None)
    other = OtherApp(fake, wid, args.seed)
    sync = Sync(bot, MemoryStore())
    first = await sync.run()
    day_start = clock.time()
    bot_requests = runs = 0
    stale: list[float] = []
    pending: list[float] = []
    changes = schedule(args.changes, args.hours, args.seed)
    poll = day_start + args.poll
    index = 0
    while poll <= day_start + args.hours * 3600:
        while index < len(changes) and day_start + changes[index][0] < poll:
            clock.advance(day_start + changes[index][0] - clock.time())
            await other.change(changes[index][1], index)
            pending.append(clock.time())
            index += 1
        clock.advance(poll - clock.time())
        count = fake.request_count
        await sync.run()  # what watch() does every interval
        bot_requests += fake.request_count - count
        runs += 1
        stale.extend(poll - made for made in pending)
        pending.clear()
        poll += args.poll
    await bot.aclose()
    await other.http.aclose()
    return {"first_sync": first.requests, "bot": bot_requests, "runs": runs,
            "stale_avg": sum(stale) / len(stale) if stale else 0.0, "stale_max": max(stale, default=0.0),
            "final": await differences(fake, sync.store, wid)}  # fmt: skip


async def main(args: argparse.Namespace) -> None:
    began = time.perf_counter()
    pushed = await webhook_day(args, 0.0)
    lossy = await webhook_day(args, args.drop)
    polled = await polling_day(args)
    hours = args.hours
    print(f"# Webhooks vs polling: {args.changes} changes over a simulated {hours:g}-hour day\n")
    print(f"Command: `.venv/bin/python bench/webhooks.py --changes {args.changes} --hours {hours:g} --poll "
          f"{args.poll:g} --reconcile {args.reconcile:g} --drop {args.drop:g} --seed {args.seed}` "
          f"({time.perf_counter() - began:.1f} s)\n")  # fmt: skip
    print("| | webhooks | polling (`watch(interval)`) |")
    print("|---|---|---|")
    print(f"| first sync (once, before the day) | {pushed['first_sync']} requests | {polled['first_sync']} requests |")
    print(f"| requests while idle (no change happening) | {pushed['idle']} | every {args.poll:g} s, 6 per run |")
    per_change = pushed["bot"] - pushed["reconcile_requests"]
    print(f"| requests for the {args.changes} changes | {per_change} ({pushed['from_payload']} from the payload, "
          f"{pushed['deleted']} deletions, {pushed['fetched']} GETs) | (in the runs below) |")  # fmt: skip
    print(f"| reconciliations / polling runs | {pushed['reconciliations']} ({pushed['reconcile_requests']} requests) "
          f"| {polled['runs']} runs |")  # fmt: skip
    print(f"| bot requests over the day | **{pushed['bot']}** | **{polled['bot']}** |")
    print(f"| staleness of a change | {pushed['stale_max']:.0f} s (delivered at once) | average "
          f"{polled['stale_avg']:.0f} s, worst {polled['stale_max']:.0f} s |")  # fmt: skip
    print(f"| objects differing from the fake at the end of the day | {pushed['final']} | {polled['final']} |\n")
    print(
        f"With {args.drop:.0%} of the deliveries dropped ({lossy['dropped']} lost): {lossy['before_last']} "
        f"objects differed from the fake just before the last reconciliation, {lossy['after_last']} just after "
        f"it; {lossy['bot']} bot requests over the day ({lossy['reconcile_requests']} of them reconciliations)."
    )


if __name__ == "__main__":
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--changes", type=int, default=200)
    cli.add_argument("--hours", type=float, default=8.0)
    cli.add_argument("--poll", type=float, default=300.0, help="watch() interval, seconds")
    cli.add_argument("--reconcile", type=float, default=3600.0, help="seconds between reconciliations")
    cli.add_argument("--drop", type=float, default=0.05, help="share of deliveries lost in the lossy run")
    cli.add_argument("--seed", type=int, default=1)
    asyncio.run(main(cli.parse_args()))
