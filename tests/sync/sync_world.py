"""A FakeToggl world for the since-sync tests: a client on the fake clock, route handlers called in process (no
HTTP, no quota), random changes, and the state a mirror must equal."""

from __future__ import annotations

import contextlib
import datetime
import json
import random
from typing import Any

from toggl_async import Toggl
from toggl_async.sync.stores import AT_FORMAT, KINDS, Store, utc_text
from toggl_async.testing import FakeClock, FakeToggl, FakeUser
from toggl_async.testing.http import HANDLERS, ApiError, FakeRequest
from toggl_async.testing.shapes import TIME_ENTRY

# Fields the API computes from other objects, so they change without the object's `at` moving and `since`
# cannot report them: a mirror holds them as of the object's last change.
DERIVED = {"workspaces": {"active_project_count"}, "projects": {"client_name"}}
LISTINGS = {
    "workspaces": ("list_my_workspaces", {}),
    "clients": ("list_my_clients", {}),
    "projects": ("list_my_projects", {"include_archived": "true"}),
    "tasks": ("list_my_tasks", {"include_not_active": "true"}),
    "tags": ("list_my_tags", {}),
}
STAMPS = frozenset({"at", "start", "stop", "server_deleted_at", "deleted_at", "created_at", "rate_last_updated"})
NAMES = ["Acme", "Globex", "Initech", "Hooli", "Umbrella", "Soylent", "Wonka", "Tyrell"]


def client(fake: FakeToggl, user: FakeUser, clock: FakeClock, **options: Any) -> Toggl:
    """A Toggl client wired to the fake on the fake clock, pacing off. The fake counts the hourly quota even when
    it does not enforce it, so the client waits (on the fake clock) for a reset instead of refusing requests."""
    options.setdefault("quota_max_wait", 3600.0)
    options.setdefault("transport", fake.transport())
    return Toggl(
        user.api_token, clock=clock, rate=None,
        **options,
    )  # fmt: skip


def act(
    fake: FakeToggl, user: FakeUser, operation: str, body: Any = None, query: dict[str, str] | None = None, **path: Any
) -> Any:
    """Run one route handler as `user`, in process; returns the reply body (raises the fake's ApiError)."""
    raw = b"" if body is None else json.dumps(body).encode()
    request = FakeRequest(fake, "POST", operation, path, query or {}, raw, fake.store.tables["users"][user.id])
    return HANDLERS[operation](request).body


def expected(fake: FakeToggl, user: FakeUser) -> dict[str, dict[int, dict[str, Any]]]:
    """What a mirror of `user` must hold: per kind, the live objects as the API shows them."""
    state = {}
    for kind, (operation, query) in LISTINGS.items():
        state[kind] = {obj["id"]: _trim(kind, obj) for obj in act(fake, user, operation, query=query)}
    entries = fake.store.live("time_entries")
    state["time_entries"] = {
        e["id"]: _trim("time_entries", TIME_ENTRY.write(e)) for e in entries if e["user_id"] == user.id
    }
    return state


async def mirrored(store: Store, kinds: tuple[str, ...] = KINDS) -> dict[str, dict[int, dict[str, Any]]]:
    """The store's live objects, shaped like `expected`."""
    return {kind: {obj["id"]: _trim(kind, obj) for obj in await store.objects(kind)} for kind in kinds}


def _trim(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    """The object without derived fields, its timestamps as instants: the v9 listings and the Reports rows a
    mirror also reads write the same instant differently (as Toggl does per route: testing/shapes.py)."""
    return {
        key: (utc_text(value, AT_FORMAT) or value) if key in STAMPS else value
        for key, value in obj.items()
        if key not in DERIVED.get(kind, ())
    }


def differences(want: dict[str, dict[int, Any]], have: dict[str, dict[int, Any]]) -> list[str]:
    """Readable differences between two states (empty when equal)."""
    found = []
    for kind in want:
        for object_id in sorted(want[kind].keys() | have.get(kind, {}).keys()):
            a, b = want[kind].get(object_id), have.get(kind, {}).get(object_id)
            if a != b:
                found.append(f"{kind} {object_id}: fake={a} store={b}")
    return found


class World:
    """Changes to one user's data on the fake, chosen by numbers (so hypothesis and seeds can drive them)."""

    OPERATIONS = (
        "client.create", "client.rename", "client.archive", "client.delete", "project.create", "project.rename",
        "project.archive", "project.restore", "project.delete", "task.create", "task.update", "task.delete",
        "tag.create", "tag.rename", "tag.delete", "entry.create", "entry.start", "entry.update", "entry.stop",
        "entry.delete", "workspace.rename",
    )  # fmt: skip

    def __init__(self, fake: FakeToggl, user: FakeUser) -> None:
        self.fake, self.user, self.wid = fake, user, user.default_workspace_id
        self.serial = 0

    def live(self, table: str) -> list[dict[str, Any]]:
        objs = self.fake.store.live(table)
        mine = [o for o in objs if o.get("workspace_id", o.get("wid")) == self.wid]
        if table == "time_entries":
            mine = [o for o in mine if o["user_id"] == self.user.id]
        return sorted(mine, key=lambda o: o["id"])

    def pick(self, table: str, number: int) -> dict[str, Any] | None:
        objs = self.live(table)
        return objs[number % len(objs)] if objs else None

    def name(self, number: int) -> str:
        self.serial += 1
        return f"{NAMES[number % len(NAMES)]} {self.serial}"

    def apply(self, operation: str, a: int, b: int) -> None:
        """Apply one change; refusals of the fake (400/403/404/409) are part of the game and ignored."""
        with contextlib.suppress(ApiError):
            getattr(self, "_" + operation.replace(".", "_"))(a, b)

    def random(self, rng: random.Random, count: int) -> None:
        for _ in range(count):
            self.apply(rng.choice(self.OPERATIONS), rng.randrange(1000), rng.randrange(1000))

    def _call(self, operation: str, body: Any = None, query: dict[str, str] | None = None, **path: Any) -> Any:
        return act(self.fake, self.user, operation, body, query, workspace_id=self.wid, **path)

    # ---- clients, projects, tasks, tags
    def _client_create(self, a: int, b: int) -> None:
        self._call("create_client", {"name": self.name(a)})

    def _client_rename(self, a: int, b: int) -> None:
        if found := self.pick("clients", a):
            self._call("update_client", {"name": self.name(b)}, client_id=found["id"])

    def _client_archive(self, a: int, b: int) -> None:
        if found := self.pick("clients", a):
            self._call("archive_client", client_id=found["id"])

    def _client_delete(self, a: int, b: int) -> None:
        if found := self.pick("clients", a):
            self._call("delete_client", client_id=found["id"])

    def _project_create(self, a: int, b: int) -> None:
        client = self.pick("clients", b) if b % 2 else None
        # Active projects (archiving is its own change); without `active` Toggl creates them archived.
        body = {"name": self.name(a), "is_private": bool(b % 3 == 0), "client_id": client["id"] if client else None,
                "active": True}  # fmt: skip
        self._call("create_project", body)

    def _project_rename(self, a: int, b: int) -> None:
        if found := self.pick("projects", a):
            self._call("update_project", {"name": self.name(b)}, project_id=found["id"])

    def _project_archive(self, a: int, b: int) -> None:
        if found := self.pick("projects", a):
            self._call("update_project", {"active": False}, project_id=found["id"])

    def _project_restore(self, a: int, b: int) -> None:
        if found := self.pick("projects", a):
            self._call("update_project", {"active": True}, project_id=found["id"])

    def _project_delete(self, a: int, b: int) -> None:
        if found := self.pick("projects", a):
            mode = "delete" if b % 2 else "unassign"
            self._call("delete_project", query={"teDeletionMode": mode}, project_id=found["id"])

    def _task_create(self, a: int, b: int) -> None:
        if project := self.pick("projects", a):
            self._call("create_task", {"name": self.name(b)}, project_id=project["id"])

    def _task_update(self, a: int, b: int) -> None:
        if task := self.pick("tasks", a):
            body = {"name": self.name(b), "active": bool(b % 2)}
            self._call("update_task", body, project_id=task["project_id"], task_id=task["id"])

    def _task_delete(self, a: int, b: int) -> None:
        if task := self.pick("tasks", a):
            self._call("delete_task", project_id=task["project_id"], task_id=task["id"])

    def _tag_create(self, a: int, b: int) -> None:
        self._call("create_tag", {"name": self.name(a)})

    def _tag_rename(self, a: int, b: int) -> None:
        if tag := self.pick("tags", a):
            self._call("update_tag", {"name": self.name(b)}, tag_id=tag["id"])

    def _tag_delete(self, a: int, b: int) -> None:
        if tag := self.pick("tags", a):
            self._call("delete_tag", tag_id=tag["id"])

    def _workspace_rename(self, a: int, b: int) -> None:
        self._call("update_workspace", {"name": self.name(a)})

    # ---- time entries
    def _start(self, minutes_ago: int) -> str:
        moment = self.fake.clock.now() - datetime.timedelta(minutes=minutes_ago)
        return moment.replace(microsecond=0).isoformat()

    def _entry_body(self, a: int, b: int, **fields: Any) -> dict[str, Any]:
        project = self.pick("projects", b) if b % 3 else None
        tag = self.pick("tags", a) if a % 2 else None
        return {
            "created_with": "sync tests", "workspace_id": self.wid, "start": self._start(a % 20_000 + 10),
            "description": NAMES[b % len(NAMES)], "project_id": project["id"] if project else None,
            "tags": [tag["name"]] if tag else [], **fields,
        }  # fmt: skip

    def _entry_create(self, a: int, b: int) -> None:
        self._call("create_time_entry", self._entry_body(a, b, duration=60 + b))

    def _entry_start(self, a: int, b: int) -> None:
        self._call("create_time_entry", self._entry_body(a, b, start=self._start(a % 300), duration=-1))

    def _entry_update(self, a: int, b: int) -> None:
        if entry := self.pick("time_entries", a):
            body: dict[str, Any] = {"description": self.name(b), "billable": bool(b % 2)}
            if b % 5 == 0 and entry["stop"] is not None:
                body |= {"start": self._start(a % 20_000 + 10), "duration": 30 + a}
            self._call("update_time_entry", body, time_entry_id=entry["id"])

    def _entry_stop(self, a: int, b: int) -> None:
        running = [e for e in self.live("time_entries") if e["stop"] is None]
        if running:
            self._call("stop_time_entry", time_entry_id=running[0]["id"])

    def _entry_delete(self, a: int, b: int) -> None:
        if entry := self.pick("time_entries", a):
            self._call("delete_time_entry", time_entry_id=entry["id"])
