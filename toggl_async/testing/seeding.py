"""Deterministic, realistic data for a FakeToggl: `FakeToggl.seeded(...)`.

Clients, projects, tasks and tags go through the fake's own route handlers (so they are shaped and
validated exactly like objects created over HTTP); time entries, which may number 100,000, are built
directly in the shape the time-entry handler stores, spread over working hours of the last `days` days.
"""

from __future__ import annotations

import datetime
import json
import random
from typing import TYPE_CHECKING, Any

from toggl_async.testing.http import HANDLERS, FakeRequest, Reply
from toggl_async.testing.store import iso, stamp

if TYPE_CHECKING:
    from toggl_async.testing.app import FakeToggl, FakeUser

CLIENTS = ["Acme Corp", "Globex", "Initech", "Umbrella", "Stark Industries", "Wayne Enterprises", "Hooli", "Soylent"]
PROJECTS = ["Website", "Mobile app", "Data pipeline", "Onboarding", "Support", "Research", "Billing", "Design system"]
TASKS = ["Planning", "Implementation", "Review", "Testing", "Deployment"]
TAGS = ["meeting", "deep-work", "billable", "bug", "email", "review", "support", "travel", "admin", "learning"]
ACTIVITIES = ["Standup", "Code review", "Pairing", "Sprint planning", "Customer call", "Writing docs", "Debugging",
              "Refactoring", "Design review", "Interview", None]  # fmt: skip


def call(fake: FakeToggl, user: FakeUser, operation_id: str, body: Any, **path: int) -> Any:
    """Run one route handler in process, as if the request had come over HTTP."""
    request = FakeRequest(
        fake, "POST", operation_id, path, {}, json.dumps(body).encode(), fake.store.tables["users"][user.id]
    )
    reply = HANDLERS[operation_id](request)
    if not isinstance(reply, Reply):  # a coroutine handler (webhooks) needs the app's event loop
        raise TypeError(f"{operation_id} cannot be seeded in process")
    return reply.body


def seed(
    fake: FakeToggl, *, users: int, clients: int, projects: int, tasks_per_project: int, tags: int,
    time_entries: int, days: int, rng: random.Random,
) -> None:  # fmt: skip
    """Fill `fake` with `users` users sharing the first user's workspace, and their data."""
    owner = fake.add_user("demo@example.com", "demo-password", fullname="Demo User", plan="Starter",
                          api_token=f"{rng.getrandbits(128):032x}")  # fmt: skip
    members = [owner]
    workspace = fake.store.tables["workspaces"][owner.default_workspace_id]
    for number in range(2, users + 1):
        member = fake.add_user(f"user{number}@example.com", f"password-{number}", fullname=f"User {number}",
                               api_token=f"{rng.getrandbits(128):032x}")  # fmt: skip
        fake.store.add_workspace_member(workspace, fake.store.tables["users"][member.id])
        members.append(member)
    wid = workspace["id"]
    client_ids = [call(fake, owner, "create_client", {"name": name}, workspace_id=wid)["id"]
                  for name in _names(CLIENTS, clients)]  # fmt: skip
    tag_names = _names(TAGS, tags)
    for name in tag_names:
        call(fake, owner, "create_tag", {"name": name}, workspace_id=wid)
    project_tasks: list[tuple[dict[str, Any], list[int]]] = []
    for name in _names(PROJECTS, projects):
        # Seeded projects are active ones: created without `active`, a project is archived (project_rules).
        body = {"name": name, "client_id": rng.choice(client_ids) if client_ids else None, "is_private": False,
                "active": True}  # fmt: skip
        project = call(fake, owner, "create_project", body, workspace_id=wid)
        task_ids = [call(fake, owner, "create_task", {"name": t}, workspace_id=wid, project_id=project["id"])["id"]
                    for t in TASKS[:tasks_per_project]]  # fmt: skip
        project_tasks.append((project, task_ids))
    _time_entries(fake, members, wid, project_tasks, tag_names, time_entries, days, rng)


def _names(pool: list[str], count: int) -> list[str]:
    return [pool[i % len(pool)] + (f" {i // len(pool) + 1}" if i >= len(pool) else "") for i in range(count)]


def _time_entries(
    fake: FakeToggl, members: list[FakeUser], wid: int, projects: list[tuple[dict[str, Any], list[int]]],
    tag_names: list[str], count: int, days: int, rng: random.Random,
) -> None:  # fmt: skip
    store = fake.store
    table = store.tables["time_entries"]
    tag_ids = {t["name"]: t["id"] for t in store.live("tags") if t["workspace_id"] == wid}
    today = store.now().replace(hour=0, minute=0, second=0, microsecond=0)
    for member in members:  # an account exists before its first entry
        store.tables["users"][member.id]["created_at"] = stamp(today - datetime.timedelta(days=days + 1))
    # Entries of one user never overlap: each starts after the previous one (oldest first).
    # Entries of each user spread over every one of the `days` days up to yesterday.
    per_member = max(1, -(-count // len(members)))
    per_day = max(1, -(-per_member // max(days, 1)))
    slot = datetime.timedelta(hours=9) / per_day
    for index in range(count):
        member = members[index % len(members)]
        ordinal = index // len(members)
        day_index = ordinal * days // per_member  # 0 .. days - 1, in order
        first_of_day = -(-day_index * per_member // days)
        day = today - datetime.timedelta(days=days - day_index)
        offset = datetime.timedelta(hours=8, seconds=rng.randrange(60)) + slot * (ordinal - first_of_day)
        duration = rng.randrange(300, max(301, int(slot.total_seconds()) - 60))
        project, task_ids = rng.choice(projects) if projects and rng.random() < 0.8 else ({}, [])
        task_id = rng.choice(task_ids) if task_ids and rng.random() < 0.5 else None
        tags = rng.sample(tag_names, k=min(len(tag_names), rng.choice((0, 0, 1, 2))))
        entry = _entry(store.next_id("time_entries"), wid, member.id, day + offset, duration, project, task_id)
        entry.update(description=rng.choice(ACTIVITIES), tags=tags, tag_ids=[tag_ids[t] for t in tags])
        table[entry["id"]] = entry


def _entry(
    entry_id: int, wid: int, user_id: int, start: datetime.datetime, duration: int, project: dict[str, Any],
    task_id: int | None,
) -> dict[str, Any]:  # fmt: skip
    """A stopped entry in the shape the time-entry handler stores (pid/tid only when set [V:VCR])."""
    stop = start + datetime.timedelta(seconds=duration)
    entry: dict[str, Any] = {
        "id": entry_id, "workspace_id": wid, "project_id": project.get("id"), "task_id": task_id,
        "billable": bool(project.get("billable")), "start": iso(start), "stop": iso(stop), "duration": duration,
        "description": None, "tags": [], "tag_ids": [], "duronly": True, "at": stamp(stop),
        "server_deleted_at": None, "user_id": user_id, "uid": user_id, "wid": wid, "_created_with": "seed",
    }  # fmt: skip
    if entry["project_id"] is not None:
        entry["pid"] = entry["project_id"]
    if task_id is not None:
        entry["tid"] = task_id
    return entry
