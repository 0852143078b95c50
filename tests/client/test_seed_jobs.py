"""Every job of spec/seed-operations.tsv, done through the public `Toggl` client against FakeToggl.

One parametrized test per row (test id = the seed operation name): a scenario calls the client the way
a user would (namespaces, `start_timer`, `delete_projects`, `patch_time_entries`, `login`...), then
checks the effect on the fake's tables (`fake.store.tables`) or on the returned value, and that the
request went to the route the row names (method + path, from `fake.log`). A table test fails loudly
when a row has no scenario. SDK rows check per-id results with a missing id kept as its typed error;
the NONE row (account sign-up) checks that the SDK offers no such call and that the gap is documented.

Scenarios run on asyncio and on trio (with `anyio.run`: pytest-asyncio's auto mode would otherwise run
every `async def` test on asyncio only), on the fake's clock, with pacing off (no real sleeping).
"""

from __future__ import annotations

import base64
import datetime
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, NamedTuple

import anyio
import attrs
import httpx
import pytest
import sniffio

from toggl_async import Toggl
from toggl_async._generated.api import OPERATIONS
from toggl_async._generated.models import (
    ClientPayload,
    DeleteProjectTeDeletionMode,
    DetailedReportRequest,
    GroupPayload,
    InvitationRequest,
    InvitationWorkspace,
    JsonPatchOperation,
    JsonPatchOperationOp,
    ListClientsStatus,
    ListProjectsActive,
    MeUpdate,
    ProjectPayload,
    ProjectUserCreate,
    ProjectUserUpdate,
    ReportFilters,
    SummaryReportRequest,
    SummaryReportRequestGrouping,
    TagPayload,
    TaskPayload,
    TimeEntryCreate,
    TimeEntryUpdate,
    WorkspaceUpdate,
    WorkspaceUserUpdate,
)
from toggl_async._generated.types import UNSET
from toggl_async.bulk import MAX_PATCH_IDS
from toggl_async.errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    TogglError,
)
from toggl_async.testing import FakeClock, FakeToggl, FakeUser

ROOT = Path(__file__).resolve().parents[2]
SEED_TABLE = ROOT / "spec" / "seed-operations.tsv"
BACKENDS = ["asyncio", "trio"]
HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
MISSING_ID = 999_999  # below every id base of the fake: never an existing object
TODAY = datetime.date(2024, 12, 16)  # FakeClock's default day (09:00 UTC)


class SeedRow(NamedTuple):
    seed: str
    operation: str
    method: str
    path: str
    note: str


def seed_rows() -> list[SeedRow]:
    rows = []
    for line in SEED_TABLE.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cells = (line.split("\t") + [""] * 5)[:5]
        rows.append(SeedRow(*(cell.strip() for cell in cells)))
    return rows


ROWS = seed_rows()


# ---------------------------------------------------------------- the world a scenario starts from
class Recorder(httpx.AsyncBaseTransport):
    """Passes requests to the fake and keeps them, so a test can see the headers the client sent."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@attrs.define
class World:
    """A Premium owner's workspace with one of everything, made through the client, and a client for it."""

    fake: FakeToggl
    clock: FakeClock
    recorder: Recorder
    toggl: Toggl
    owner: FakeUser
    member: FakeUser
    guest: FakeUser
    ids: dict[str, int] = attrs.Factory(dict)
    mark: int = 0  # len(fake.log) when the scenario started

    @property
    def wid(self) -> int:
        return self.owner.default_workspace_id

    @property
    def oid(self) -> int:
        return self.owner.organization_id

    def table(self, name: str) -> dict[int, dict[str, Any]]:
        return self.fake.store.tables[name]

    def live_ids(self, name: str, **match: Any) -> list[int]:
        return sorted(
            obj["id"]
            for obj in self.fake.store.live(name)
            if all(obj.get(key) == value for key, value in match.items())
        )

    def requests_since_mark(self) -> list[Any]:
        return self.fake.log[self.mark :]

    def client(self, api_token: str | None = None, **options: Any) -> Toggl:
        """Another client on the same fake and clock (pacing off unless `options` say otherwise)."""
        options.setdefault("rate", None)
        return Toggl(
            api_token, transport=self.recorder, clock=self.clock,
            **options,
        )  # fmt: skip


def at(hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2024, 12, 16, hour, minute, tzinfo=datetime.UTC)


async def new_entry(w: World, description: str, *, start: datetime.datetime | None = None, **fields: Any) -> int:
    body = TimeEntryCreate(
        created_with="tests", workspace_id=w.wid, start=start or at(7), duration=fields.pop("duration", 900),
        description=description, **fields,
    )  # fmt: skip
    entry = await w.toggl.time_entries.create_time_entry(w.wid, body=body)
    return entry.id


async def new_project(w: World, name: str, **fields: Any) -> int:
    # An active project unless asked otherwise: created without `active`, Toggl archives it (issue 12).
    project = await w.toggl.projects.create_project(w.wid, body=ProjectPayload(name=name, **{"active": True} | fields))
    return project.id


async def new_task(w: World, name: str, project_id: int | None = None) -> int:
    task = await w.toggl.tasks.create_task(w.wid, project_id or w.ids["project"], body=TaskPayload(name=name))
    return task.id


async def new_project_user(w: World, user: FakeUser, project_id: int | None = None) -> int:
    body = ProjectUserCreate(project_id=project_id or w.ids["project"], user_id=user.id)
    return (await w.toggl.project_users.create_project_user(w.wid, body=body)).id


@asynccontextmanager
async def world(
    *,
    api_token: str | None = None,
    email: str = "owner@example.com",
    password: str = "owner-password",
    **fake_options: Any,
) -> AsyncIterator[World]:
    """A fresh fake (limits off unless `fake_options` say otherwise) with a scenario built through the client."""
    clock = FakeClock()
    fake_options.setdefault("rate", None)
    fake_options.setdefault("quotas", False)
    fake = FakeToggl(clock=clock, **fake_options)
    owner = fake.add_user(email, password, fullname="Owner", plan="Premium", api_token=api_token)
    member = fake.add_user("member@example.com", "member-password", fullname="Member")
    guest = fake.add_user("guest@example.com", "guest-password", fullname="Guest")
    workspace = fake.store.tables["workspaces"][owner.default_workspace_id]
    membership = fake.store.add_workspace_member(workspace, fake.store.tables["users"][member.id])
    fake.store.add_workspace_member(workspace, fake.store.tables["users"][guest.id])
    recorder = Recorder(fake.transport())
    async with Toggl(owner.api_token, transport=recorder, clock=clock, rate=None) as toggl:
        w = World(fake, clock, recorder, toggl, owner, member, guest)
        wid = w.wid
        w.ids["client"] = (await toggl.clients.create_client(wid, body=ClientPayload(name="Acme"))).id
        w.ids["project"] = await new_project(w, "Website", client_id=w.ids["client"])
        w.ids["task"] = await new_task(w, "Design")
        w.ids["tag"] = (await toggl.tags.create_tag(wid, body=TagPayload(name="deep-work"))).id
        w.ids["entry"] = await new_entry(
            w, "Standup", project_id=w.ids["project"], task_id=w.ids["task"], tags=["deep-work"], duration=1800
        )
        w.ids["group"] = (await toggl.groups.create_workspace_group(wid, body=GroupPayload(name="Team"))).id
        w.ids["project_user"] = await new_project_user(w, member)
        w.ids["workspace_user"] = membership["id"]
        w.mark = len(fake.log)
        yield w


# ---------------------------------------------------------------- one scenario per seed operation
Scenario = Callable[[World], Awaitable[None]]
SCENARIOS: dict[str, Scenario] = {}


def job(*names: str) -> Callable[[Scenario], Scenario]:
    """Register a scenario for one or more seed operations (rows that name the same job differently)."""

    def register(scenario: Scenario) -> Scenario:
        for name in names:
            assert name not in SCENARIOS, f"two scenarios for {name}"
            SCENARIOS[name] = scenario
        return scenario

    return register


# ---- clients
@job("create_client")
async def create_client(w: World) -> None:
    body = ClientPayload(name="Globex", notes="key account")
    client = await w.toggl.clients.create_client(w.wid, body=body)
    stored = w.table("clients")[client.id]
    assert (stored["name"], stored["wid"], stored["notes"]) == ("Globex", w.wid, "key account")
    assert client.name == "Globex"


@job("get_client")
async def get_client(w: World) -> None:
    client = await w.toggl.clients.get_client(w.wid, w.ids["client"])
    assert (client.id, client.name, client.wid) == (w.ids["client"], "Acme", w.wid)
    with pytest.raises(NotFoundError):
        await w.toggl.clients.get_client(w.wid, MISSING_ID)


@job("update_client")
async def update_client(w: World) -> None:
    client = await w.toggl.clients.update_client(w.wid, w.ids["client"], body=ClientPayload(name="Acme Corp"))
    assert client.name == "Acme Corp"
    assert w.table("clients")[w.ids["client"]]["name"] == "Acme Corp"


@job("delete_client")
async def delete_client(w: World) -> None:
    doomed = (await w.toggl.clients.create_client(w.wid, body=ClientPayload(name="Initech"))).id
    await w.toggl.clients.delete_client(w.wid, doomed)
    assert w.table("clients")[doomed]["server_deleted_at"]
    assert doomed not in w.live_ids("clients")


@job("list_clients", "list_my_clients")
async def list_my_clients(w: World) -> None:
    since = int(w.clock.time()) - 60
    clients = await w.toggl.me.list_my_clients(since=since)
    assert [c.id for c in clients] == w.live_ids("clients") == [w.ids["client"]]


@job("list_clients_for_workspace", "get_workspace_clients")
async def list_workspace_clients(w: World) -> None:
    other = (await w.toggl.clients.create_client(w.wid, body=ClientPayload(name="Umbrella"))).id
    everything = await w.toggl.clients.list_clients(w.wid, status=ListClientsStatus.BOTH)
    assert sorted(c.id for c in everything) == w.live_ids("clients", wid=w.wid) == sorted([w.ids["client"], other])
    by_name = await w.toggl.clients.list_clients(w.wid, name="Umbrella")
    assert [c.id for c in by_name] == [other]


# ---- groups
@job("create_group")
async def create_group(w: World) -> None:
    group = await w.toggl.groups.create_workspace_group(w.wid, body=GroupPayload(name="Designers"))
    stored = w.table("groups")[group.id]
    assert (stored["name"], stored["workspace_id"]) == ("Designers", w.wid)


@job("update_group")
async def update_group(w: World) -> None:
    group = await w.toggl.groups.update_workspace_group(w.wid, w.ids["group"], body=GroupPayload(name="Crew"))
    assert group.name == w.table("groups")[w.ids["group"]]["name"] == "Crew"


@job("delete_group")
async def delete_group(w: World) -> None:
    await w.toggl.groups.delete_workspace_group(w.wid, w.ids["group"])
    assert w.table("groups")[w.ids["group"]]["server_deleted_at"]
    assert w.live_ids("groups") == []


@job("list_groups_for_workspace")
async def list_groups(w: World) -> None:
    groups = await w.toggl.groups.list_workspace_groups(w.wid)
    assert [(g.id, g.name) for g in groups] == [(w.ids["group"], "Team")]


# ---- projects
@job("create_project")
async def create_project(w: World) -> None:
    project = await w.toggl.projects.create_project(
        w.wid, body=ProjectPayload(name="Mobile app", client_id=w.ids["client"], color="#0b83d9")
    )
    stored = w.table("projects")[project.id]
    assert (stored["name"], stored["workspace_id"], stored["client_id"]) == ("Mobile app", w.wid, w.ids["client"])


@job("get_project")
async def get_project(w: World) -> None:
    project = await w.toggl.projects.get_project(w.wid, w.ids["project"])
    assert (project.id, project.name, project.client_id) == (w.ids["project"], "Website", w.ids["client"])


@job("update_project")
async def update_project(w: World) -> None:
    project = await w.toggl.projects.update_project(w.wid, w.ids["project"], body=ProjectPayload(name="Web 2"))
    assert project.name == w.table("projects")[w.ids["project"]]["name"] == "Web 2"


@job("delete_project")
async def delete_project(w: World) -> None:
    # teDeletionMode=delete takes the project's time entries with it.
    await w.toggl.projects.delete_project(w.wid, w.ids["project"], te_deletion_mode=DeleteProjectTeDeletionMode.DELETE)
    assert w.table("projects")[w.ids["project"]]["server_deleted_at"]
    assert w.table("time_entries")[w.ids["entry"]]["server_deleted_at"]
    assert w.requests_since_mark()[-1].path.endswith(f"/projects/{w.ids['project']}")


@job("delete_multiple_projects")
async def delete_multiple_projects(w: World) -> None:
    extra = [await new_project(w, f"Temp {n}") for n in range(3)]
    mark = len(w.fake.log)
    wanted = [*extra, MISSING_ID, w.ids["project"]]
    results = await w.toggl.delete_projects(w.wid, wanted)
    assert [r.key for r in results] == wanted  # one result per id, in the order asked
    assert [r.ok for r in results] == [True, True, True, False, True]
    failed = results[3]
    assert isinstance(failed.error, NotFoundError)  # kept, typed, not thrown away
    assert (failed.error.status, failed.error.method) == (404, "DELETE")
    assert str(MISSING_ID) in failed.error.path
    assert all(w.table("projects")[pid]["server_deleted_at"] for pid in [*extra, w.ids["project"]])
    assert w.live_ids("projects") == []
    deletes = [e for e in w.fake.log[mark:] if e.operation_id == "delete_project"]
    assert len(deletes) == len(wanted)


@job("get_projects_for_client", "get_client_projects")
async def projects_for_client(w: World) -> None:
    other_client = (await w.toggl.clients.create_client(w.wid, body=ClientPayload(name="Hooli"))).id
    mine = await new_project(w, "Hooli site", client_id=other_client)
    await new_project(w, "Internal")
    archived = await new_project(w, "Old Hooli", client_id=other_client, active=False)
    projects = await w.toggl.projects.list_projects(w.wid, client_ids=[other_client], active=ListProjectsActive.BOTH)
    assert sorted(p.id for p in projects) == sorted([mine, archived])
    assert {w.table("projects")[p.id]["client_id"] for p in projects} == {other_client}
    active = await w.toggl.projects.list_projects(w.wid, client_ids=[other_client], active=ListProjectsActive.TRUE)
    assert [p.id for p in active] == [mine]


@job("list_projects_for_workspace")
async def list_projects_pages(w: World) -> None:
    for n in range(4):
        await new_project(w, f"Project {n}")
    mark = len(w.fake.log)
    seen = [p.id async for p in w.toggl.iter_projects(w.wid, per_page=2)]
    assert sorted(seen) == w.live_ids("projects", workspace_id=w.wid)
    assert len(seen) == len(set(seen)) == 5
    pages = [e for e in w.fake.log[mark:] if e.operation_id == "list_projects"]
    assert len(pages) == 3  # 2 + 2 + 1: a short page ends the walk
    first = await w.toggl.projects.list_projects(w.wid, page=1, per_page=2)
    assert [p.id for p in first] == seen[:2]


@job("get_workspace_projects")
async def workspace_projects(w: World) -> None:
    projects = await w.toggl.projects.list_projects(w.wid)
    assert [p.id for p in projects] == w.live_ids("projects", workspace_id=w.wid)


# ---- project users
@job("create_user_for_project")
async def create_project_user(w: World) -> None:
    body = ProjectUserCreate(project_id=w.ids["project"], user_id=w.guest.id, manager=True)
    member = await w.toggl.project_users.create_project_user(w.wid, body=body)
    stored = w.table("project_users")[member.id]
    assert (stored["project_id"], stored["user_id"], stored["manager"]) == (w.ids["project"], w.guest.id, True)


@job("update_user_for_project")
async def update_project_user(w: World) -> None:
    body = ProjectUserUpdate(manager=True)
    member = await w.toggl.project_users.update_project_user(w.wid, w.ids["project_user"], body=body)
    assert member.manager is True
    assert w.table("project_users")[w.ids["project_user"]]["manager"] is True


@job("delete_user_for_project")
async def delete_project_user(w: World) -> None:
    await w.toggl.project_users.delete_project_user(w.wid, w.ids["project_user"])
    assert w.table("project_users")[w.ids["project_user"]]["server_deleted_at"]


@job("get_project_users_for_workspace")
async def project_users_of_workspace(w: World) -> None:
    members = await w.toggl.project_users.list_project_users(w.wid)
    assert sorted(m.id for m in members) == w.live_ids("project_users", workspace_id=w.wid)
    assert w.ids["project_user"] in {m.id for m in members}


@job("list_users_for_project")
async def users_of_project(w: World) -> None:
    other = await new_project(w, "Other")
    await new_project_user(w, w.guest, other)
    members = await w.toggl.project_users.list_project_users(w.wid, project_ids=[w.ids["project"]])
    assert {m.project_id for m in members} == {w.ids["project"]}
    assert sorted(m.id for m in members) == w.live_ids("project_users", project_id=w.ids["project"])
    assert w.member.id in {m.user_id for m in members}


@job("update_multiple_users_for_project", "update_multiple_project_users")
async def patch_project_users(w: World) -> None:
    second = await new_project_user(w, w.guest)
    ids = [w.ids["project_user"], second]
    operation = JsonPatchOperation(op=JsonPatchOperationOp.REPLACE, path="/manager", value=True)
    result = await w.toggl.project_users.patch_project_users(w.wid, [*ids, MISSING_ID], body=[operation])
    assert sorted(result.success or []) == sorted(ids)
    assert [f.id for f in result.failure or []] == [MISSING_ID]
    assert all(w.table("project_users")[i]["manager"] is True for i in ids)
    (patch,) = [e for e in w.requests_since_mark() if e.method == "PATCH"]
    assert patch.path.endswith(",".join(map(str, [*ids, MISSING_ID])))  # one call, comma-separated ids


@job("delete_multiple_users_for_project", "delete_multiple_project_users")
async def delete_project_users(w: World) -> None:
    second = await new_project_user(w, w.guest)
    wanted = [w.ids["project_user"], MISSING_ID, second]
    results = await w.toggl.delete_project_users(w.wid, wanted)
    assert [r.key for r in results] == wanted
    assert [r.ok for r in results] == [True, False, True]
    # The spec documents no 404 for this route: an unknown membership is refused with 403.
    assert isinstance(results[1].error, ForbiddenError)
    assert results[1].error.status == 403
    assert all(w.table("project_users")[i]["server_deleted_at"] for i in (w.ids["project_user"], second))


@job("add_multiple_project_users")
async def add_project_users(w: World) -> None:
    project = await new_project(w, "Staffed")
    wanted = [w.member.id, MISSING_ID, w.guest.id]
    results = await w.toggl.add_project_users(w.wid, project, wanted, manager=True)
    assert [r.key for r in results] == wanted
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, BadRequestError)  # create_project_user documents 400 for a bad user_id
    assert results[1].value is None
    created = {r.key: r.value for r in results if r.value is not None}
    for user_id, member in created.items():
        stored = w.table("project_users")[member.id]
        assert (stored["project_id"], stored["user_id"], stored["manager"]) == (project, user_id, True)
    posts = [e for e in w.requests_since_mark() if e.operation_id == "create_project_user"]
    assert len(posts) == len(wanted)


# ---- tags
@job("create_tag")
async def create_tag(w: World) -> None:
    tag = await w.toggl.tags.create_tag(w.wid, body=TagPayload(name="meetings"))
    stored = w.table("tags")[tag.id]
    assert (stored["name"], stored["workspace_id"]) == ("meetings", w.wid)


@job("update_tag")
async def update_tag(w: World) -> None:
    tag = await w.toggl.tags.update_tag(w.wid, w.ids["tag"], body=TagPayload(name="focus"))
    assert tag.name == w.table("tags")[w.ids["tag"]]["name"] == "focus"


@job("delete_tag")
async def delete_tag(w: World) -> None:
    await w.toggl.tags.delete_tag(w.wid, w.ids["tag"])
    assert w.table("tags")[w.ids["tag"]]["deleted_at"]


@job("list_tags_for_workspace", "get_workspace_tags")
async def list_tags(w: World) -> None:
    tags = await w.toggl.tags.list_tags(w.wid)
    assert [(t.id, t.name) for t in tags] == [(w.ids["tag"], "deep-work")]


@job("list_my_tags")
async def list_my_tags(w: World) -> None:
    before = int(w.clock.time()) - 1
    w.clock.advance(60)
    newer = (await w.toggl.tags.create_tag(w.wid, body=TagPayload(name="later"))).id
    assert sorted(t.id for t in await w.toggl.me.list_my_tags()) == sorted([w.ids["tag"], newer])
    changed = await w.toggl.me.list_my_tags(since=before + 30)
    assert [t.id for t in changed] == [newer]


# ---- tasks
@job("create_task")
async def create_task(w: World) -> None:
    body = TaskPayload(name="Build", estimated_seconds=3600)
    task = await w.toggl.tasks.create_task(w.wid, w.ids["project"], body=body)
    stored = w.table("tasks")[task.id]
    assert (stored["name"], stored["project_id"], stored["estimated_seconds"]) == ("Build", w.ids["project"], 3600)


@job("get_task")
async def get_task(w: World) -> None:
    task = await w.toggl.tasks.get_task(w.wid, w.ids["project"], w.ids["task"])
    assert (task.id, task.name, task.project_id) == (w.ids["task"], "Design", w.ids["project"])


@job("update_task")
async def update_task(w: World) -> None:
    body = TaskPayload(name="Design v2", active=False)
    task = await w.toggl.tasks.update_task(w.wid, w.ids["project"], w.ids["task"], body=body)
    stored = w.table("tasks")[w.ids["task"]]
    assert (task.name, task.active) == (stored["name"], stored["active"]) == ("Design v2", False)


@job("delete_task")
async def delete_task(w: World) -> None:
    await w.toggl.tasks.delete_task(w.wid, w.ids["project"], w.ids["task"])
    assert w.table("tasks")[w.ids["task"]]["server_deleted_at"]


@job("delete_multiple_tasks")
async def delete_tasks(w: World) -> None:
    extra = [await new_task(w, f"Chore {n}") for n in range(2)]
    wanted = [w.ids["task"], *extra, MISSING_ID]
    results = await w.toggl.delete_tasks(w.wid, w.ids["project"], wanted)
    assert [r.key for r in results] == wanted
    assert [r.ok for r in results] == [True, True, True, False]
    assert isinstance(results[-1].error, NotFoundError)
    assert all(w.table("tasks")[tid]["server_deleted_at"] for tid in wanted[:-1])
    assert w.live_ids("tasks") == []


@job("update_multiple_tasks")
async def patch_tasks(w: World) -> None:
    second = await new_task(w, "Review")
    ids = [w.ids["task"], second]
    operation = JsonPatchOperation(op=JsonPatchOperationOp.REPLACE, path="/active", value=False)
    result = await w.toggl.tasks.patch_tasks(w.wid, w.ids["project"], [*ids, MISSING_ID], body=[operation])
    assert sorted(result.success or []) == sorted(ids)
    assert [f.id for f in result.failure or []] == [MISSING_ID]
    assert [w.table("tasks")[i]["active"] for i in ids] == [False, False]


@job("list_tasks_for_project")
async def tasks_of_project(w: World) -> None:
    other = await new_project(w, "Other")
    await new_task(w, "Elsewhere", other)
    second = await new_task(w, "Review")
    tasks = await w.toggl.tasks.list_project_tasks(w.wid, w.ids["project"])
    assert sorted(t.id for t in tasks) == sorted([w.ids["task"], second])


@job("list_tasks_for_workspace", "get_workspace_tasks")
async def tasks_of_workspace(w: World) -> None:
    other = await new_project(w, "Other")
    for n in range(3):
        await new_task(w, f"Item {n}", other)
    page = await w.toggl.tasks.list_workspace_tasks(w.wid, page=1, per_page=2)
    assert page.total_count == 4  # the envelope counts every task, not just this page
    assert isinstance(page.data, list)
    assert len(page.data) == 2
    mark = len(w.fake.log)
    every = [t.id async for t in w.toggl.iter_workspace_tasks(w.wid, per_page=2)]
    assert sorted(every) == w.live_ids("tasks", workspace_id=w.wid)
    assert len(every) == len(set(every))
    assert len([e for e in w.fake.log[mark:] if e.operation_id == "list_workspace_tasks"]) == 2


@job("list_my_tasks")
async def list_my_tasks(w: World) -> None:
    for n in range(4):
        await new_task(w, f"Mine {n}")
    first = await w.toggl.me.list_my_tasks(offset=0, per_page=2)
    assert len(first) == 2
    mark = len(w.fake.log)
    every = [t.id async for t in w.toggl.iter_my_tasks(per_page=2)]
    assert sorted(every) == w.live_ids("tasks")
    assert len(every) == len(set(every)) == 5
    assert [t.id for t in first] == every[:2]
    assert len([e for e in w.fake.log[mark:] if e.operation_id == "list_my_tasks"]) == 3


# ---- time entries
@job("create_time_entry")
async def create_time_entry(w: World) -> None:
    body = TimeEntryCreate(
        created_with="tests", workspace_id=w.wid, start=at(8), duration=600, description="Email",
        project_id=w.ids["project"], tags=["deep-work"],
    )  # fmt: skip
    entry = await w.toggl.time_entries.create_time_entry(w.wid, body=body)
    stored = w.table("time_entries")[entry.id]
    assert (stored["description"], stored["duration"], stored["project_id"]) == ("Email", 600, w.ids["project"])
    assert stored["tags"] == ["deep-work"]
    assert entry.stop == at(8, 10)
    # Flat body, no {"time_entry": ...} wrapper.
    sent = json.loads(w.recorder.requests[-1].content)
    assert sent["description"] == "Email"
    assert "time_entry" not in sent


@job("get_time_entry")
async def get_time_entry(w: World) -> None:
    entry = await w.toggl.time_entries.get_time_entry(w.ids["entry"])
    assert (entry.id, entry.description, entry.duration) == (w.ids["entry"], "Standup", 1800)
    with pytest.raises(NotFoundError):
        await w.toggl.time_entries.get_time_entry(MISSING_ID)


@job("update_time_entry")
async def update_time_entry(w: World) -> None:
    body = TimeEntryUpdate(description="Daily standup", billable=True)
    entry = await w.toggl.time_entries.update_time_entry(w.wid, w.ids["entry"], body=body)
    stored = w.table("time_entries")[w.ids["entry"]]
    assert (entry.description, stored["description"], stored["billable"]) == ("Daily standup",) * 2 + (True,)


@job("delete_time_entry")
async def delete_time_entry(w: World) -> None:
    await w.toggl.time_entries.delete_time_entry(w.wid, w.ids["entry"])
    assert w.table("time_entries")[w.ids["entry"]]["server_deleted_at"]
    with pytest.raises(NotFoundError):
        await w.toggl.time_entries.get_time_entry(w.ids["entry"])


@job("list_time_entries")
async def list_time_entries(w: World) -> None:
    yesterday = await new_entry(w, "Yesterday", start=at(7) - datetime.timedelta(days=1))
    entries = await w.toggl.time_entries.list_time_entries(start_date=TODAY.isoformat(), end_date="2024-12-17")
    assert [e.id for e in entries] == [w.ids["entry"]]
    wider = await w.toggl.time_entries.list_time_entries(start_date="2024-12-15", end_date="2024-12-17")
    assert sorted(e.id for e in wider) == sorted([w.ids["entry"], yesterday])


@job("get_running_time_entry")
async def running_entry(w: World) -> None:
    assert await w.toggl.current_timer() is None  # 200 with body null -> None, not an error
    started = await w.toggl.start_timer(w.wid, "Running")
    current = await w.toggl.current_timer()
    assert current is not None
    assert current.id == started.id
    assert w.table("time_entries")[current.id]["stop"] is None


@job("start_time_entry")
async def start_time_entry(w: World) -> None:
    first = await w.toggl.start_timer(w.wid, "First", project_id=w.ids["project"], tags=["deep-work"])
    assert first.duration < 0
    assert first.stop is None
    stored = w.table("time_entries")[first.id]
    assert (stored["description"], stored["stop"], stored["project_id"]) == ("First", None, w.ids["project"])
    w.clock.advance(300)
    second = await w.toggl.start_timer(w.wid, "Second")
    # Starting one stops the one that ran.
    assert w.table("time_entries")[first.id]["stop"] is not None
    assert w.table("time_entries")[first.id]["duration"] == 300
    assert w.table("time_entries")[second.id]["stop"] is None


@job("stop_time_entry")
async def stop_time_entry(w: World) -> None:
    entry = await w.toggl.start_timer(w.wid, "Stop me")
    w.clock.advance(120)
    stopped = await w.toggl.stop_timer(entry)
    assert stopped is not None
    assert stopped.duration == 120
    stored = w.table("time_entries")[entry.id]
    assert (stored["duration"], stored["stop"] is not None) == (120, True)
    with pytest.raises(ConflictError) as caught:  # 409 when already stopped
        await w.toggl.time_entries.stop_time_entry(w.wid, entry.id)
    assert caught.value.status == 409
    assert await w.toggl.stop_timer() is None  # nothing runs: None, one request


@job("bulk_update_time_entry_tags")
async def patch_time_entry_tags(w: World) -> None:
    count = 2 * MAX_PATCH_IDS + 50
    ids = [await new_entry(w, f"Entry {n}", start=at(6) + datetime.timedelta(minutes=n)) for n in range(count)]
    mark = len(w.fake.log)
    operation = JsonPatchOperation(op=JsonPatchOperationOp.ADD, path="/tags", value=["billed"])
    result = await w.toggl.patch_time_entries(w.wid, [*ids, MISSING_ID], [operation])
    calls = [e for e in w.fake.log[mark:] if e.operation_id == "patch_time_entries"]
    assert [e.status for e in calls] == [200, 200, 200]  # 251 ids: 100 + 100 + 51, one call each
    sent = [int(i) for e in calls for i in e.path.rsplit("/", 1)[1].split(",")]
    assert sent == [*ids, MISSING_ID]
    assert all(len(e.path.rsplit("/", 1)[1].split(",")) <= MAX_PATCH_IDS for e in calls)
    assert sorted(result.success or []) == sorted(ids)
    assert [f.id for f in result.failure or []] == [MISSING_ID]  # failures of every chunk are kept
    assert all("billed" in w.table("time_entries")[i]["tags"] for i in ids)


# ---- workspaces and their users
@job("get_workspace")
async def get_workspace(w: World) -> None:
    workspace = await w.toggl.workspaces.get_workspace(w.wid)
    assert (workspace.id, workspace.name, workspace.organization_id) == (
        w.wid, w.table("workspaces")[w.wid]["name"], w.oid,
    )  # fmt: skip


@job("update_workspace")
async def update_workspace(w: World) -> None:
    workspace = await w.toggl.workspaces.update_workspace(w.wid, body=WorkspaceUpdate(name="HQ"))
    assert workspace.name == w.table("workspaces")[w.wid]["name"] == "HQ"


@job("list_users_for_workspace", "get_workspace_users")
async def users_in_workspace(w: World) -> None:
    users = await w.toggl.workspaces.list_users_in_workspace(w.wid)
    assert sorted(u.id for u in users) == sorted([w.owner.id, w.member.id, w.guest.id])
    assert {u.email for u in users} == {w.owner.email, "member@example.com", "guest@example.com"}


@job("list_workspace_users")
async def workspace_users(w: World) -> None:
    members = await w.toggl.workspaces.list_workspace_users(w.wid)
    assert sorted(m.id for m in members) == w.live_ids("workspace_users", workspace_id=w.wid)
    assert w.ids["workspace_user"] in {m.id for m in members}


@job("update_workspace_user")
async def update_workspace_user(w: World) -> None:
    answer = await w.toggl.workspaces.update_workspace_user(
        w.wid, w.ids["workspace_user"], body=WorkspaceUserUpdate(admin=True)
    )
    assert isinstance(answer, str)
    assert w.table("workspace_users")[w.ids["workspace_user"]]["admin"] is True


@job("delete_workspace_user")
async def delete_workspace_user(w: World) -> None:
    await w.toggl.workspaces.delete_workspace_user(w.wid, w.ids["workspace_user"])
    assert w.fake.store.membership(w.member.id, w.wid) is None
    with pytest.raises(BadRequestError):  # no 404 documented: an unknown membership is a 400
        await w.toggl.workspaces.delete_workspace_user(w.wid, w.ids["workspace_user"])


@job("invite_users_to_workspace")
async def invite(w: World) -> None:
    body = InvitationRequest(emails=["new.person@example.com"], workspaces=[InvitationWorkspace(workspace_id=w.wid)])
    result = await w.toggl.organizations.create_invitations(w.oid, body=body)
    (stored,) = w.table("invitations").values()
    assert (stored["email"], stored["organization_id"]) == ("new.person@example.com", w.oid)
    assert [i.email for i in result.data or []] == ["new.person@example.com"]


# ---- dashboards
async def worked(w: World) -> None:
    """Time on the clock for the dashboards: the owner's entries of today."""
    await new_entry(w, "Deep work", start=at(8), duration=3600, project_id=w.ids["project"])


@job("get_dashboard_data")
async def dashboard_all(w: World) -> None:
    await worked(w)
    activity = await w.toggl.workspaces.get_dashboard_all_activity(w.wid)
    assert activity
    assert {a.user_id for a in activity} == {w.owner.id}
    assert "Deep work" in {a.description for a in activity}


@job("dashboard_most_active")
async def dashboard_most_active(w: World) -> None:
    await worked(w)
    most = await w.toggl.workspaces.get_dashboard_most_active(w.wid)
    assert [(u.user_id, u.duration) for u in most] == [(w.owner.id, 1800 + 3600)]


@job("dashboard_top_activity")
async def dashboard_top_activity(w: World) -> None:
    await worked(w)
    top = await w.toggl.workspaces.get_dashboard_top_activity(w.wid)
    assert top
    assert {a.user_id for a in top} == {w.owner.id}


# ---- reports
@job("get_detailed_report")
async def detailed_report(w: World) -> None:
    extra = [await new_entry(w, f"Report {n}", start=at(8, n)) for n in range(4)]
    request = DetailedReportRequest(start_date=TODAY, end_date=TODAY, page_size=2)
    mark = len(w.fake.log)
    rows = [row async for row in w.toggl.iter_detailed_report(w.wid, request)]
    ids = [te.id for row in rows for te in (row.time_entries or []) if isinstance(te.id, int)]
    assert sorted(ids) == sorted([w.ids["entry"], *extra])
    pages = [e for e in w.fake.log[mark:] if e.operation_id == "get_detailed_report"]
    assert len(pages) >= 3  # 5 entries at 2 a page: the X-Next-* cursor was followed


@job("get_summary_report")
async def summary_report(w: World) -> None:
    await new_entry(w, "Unassigned", start=at(8), duration=600)
    body = SummaryReportRequest(start_date=TODAY, end_date=TODAY, grouping=SummaryReportRequestGrouping.PROJECTS)
    report = await w.toggl.reports.get_summary_report(w.wid, body=body)
    seconds = {group.id: sum(sub.seconds or 0 for sub in group.sub_groups or []) for group in report.groups or []}
    assert seconds == {w.ids["project"]: 1800, None: 600}


@job("get_weekly_report")
async def weekly_report(w: World) -> None:
    rows = await w.toggl.reports.get_weekly_report(w.wid, body=ReportFilters(start_date=TODAY))
    (row,) = rows
    assert (row.user_id, row.project_id) == (w.owner.id, w.ids["project"])
    assert sum(row.seconds or []) == 1800


# ---- me
@job("get_me")
async def get_me(w: World) -> None:
    me = await w.toggl.me.get_me()
    assert (me.id, me.email, me.default_workspace_id) == (w.owner.id, w.owner.email, w.wid)


@job("get_current_user_data")
async def get_me_related(w: World) -> None:
    me = await w.toggl.me.get_me(with_related_data=True)
    assert me.id == w.owner.id
    assert [c.id for c in me.clients or []] == [w.ids["client"]]
    assert [p.id for p in me.projects or []] == [w.ids["project"]]
    assert [t.id for t in me.tasks or []] == [w.ids["task"]]
    assert [t.id for t in me.tags or []] == [w.ids["tag"]]
    assert w.ids["entry"] in [e.id for e in me.time_entries or []]
    assert w.wid in [ws.id for ws in me.workspaces or []]


@job("update_user_data", "update_me")
async def update_me(w: World) -> None:
    me = await w.toggl.me.update_me(body=MeUpdate(fullname="Owner Prime", beginning_of_week=0))
    stored = w.table("users")[w.owner.id]
    assert (me.fullname, stored["fullname"], stored["beginning_of_week"]) == ("Owner Prime", "Owner Prime", 0)


@job("list_workspaces")
async def list_workspaces(w: World) -> None:
    workspaces = await w.toggl.me.list_my_workspaces()
    assert [ws.id for ws in workspaces] == [w.wid]


@job("list_my_organizations")
async def list_my_organizations(w: World) -> None:
    organizations = await w.toggl.me.list_my_organizations()
    assert [o.id for o in organizations] == [w.oid]
    assert organizations[0].name == w.table("organizations")[w.oid]["name"]


@job("list_my_features")
async def list_my_features(w: World) -> None:
    features = await w.toggl.me.list_my_features()
    (mine,) = features
    assert mine.workspace_id == w.wid
    enabled = {f.name for f in mine.features or [] if f.enabled}
    assert "tasks" in enabled  # a Premium plan


@job("get_my_location")
async def get_my_location(w: World) -> None:
    location = await w.toggl.me.get_my_location()
    assert location.country_code not in (None, UNSET)


@job("check_logged")
async def check_logged(w: World) -> None:
    await w.toggl.me.check_logged()  # a bodiless 200: nothing to return, nothing raised
    (entry,) = w.requests_since_mark()
    assert (entry.operation_id, entry.status) == ("check_logged", 200)
    async with w.client("not-a-token") as stranger:
        with pytest.raises(ForbiddenError):
            await stranger.me.check_logged()


@job("list_my_projects")
async def list_my_projects(w: World) -> None:
    archived = await new_project(w, "Archived", active=False)
    active = await w.toggl.me.list_my_projects()
    assert [p.id for p in active] == [w.ids["project"]]
    every = await w.toggl.me.list_my_projects(include_archived=True)
    assert sorted(p.id for p in every) == sorted([w.ids["project"], archived])


@job("list_my_projects_paginated")
async def list_my_projects_paginated(w: World) -> None:
    for n in range(4):
        await new_project(w, f"Keyset {n}")
    mark = len(w.fake.log)
    seen = [p.id async for p in w.toggl.iter_my_projects(per_page=2)]
    assert seen == w.live_ids("projects")  # by id, each once
    assert len([e for e in w.fake.log[mark:] if e.operation_id == "list_my_projects_paginated"]) >= 3
    first = await w.toggl.me.list_my_projects_paginated(per_page=2)
    after = await w.toggl.me.list_my_projects_paginated(start_project_id=first[-1].id + 1, per_page=2)
    assert [p.id for p in first + after] == seen[:4]


@job("reset_api_token")
async def reset_api_token(w: World) -> None:
    old = w.owner.api_token
    new = await w.toggl.me.reset_api_token()
    assert isinstance(new, str)
    assert new != old
    assert w.fake.store.tokens.get(new) == w.owner.id
    assert old not in w.fake.store.tokens
    with pytest.raises(ForbiddenError):  # the old token stops working at once
        await w.toggl.me.get_me()
    async with w.client(new) as renewed:
        assert (await renewed.me.get_me()).id == w.owner.id


# ---- authentication and sessions
def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@job("auth_basic_api_token")
async def auth_api_token(w: World) -> None:
    me = await w.toggl.me.get_me()
    assert me.id == w.owner.id
    assert w.recorder.requests[-1].headers["authorization"] == basic(w.owner.api_token, "api_token")
    async with w.client("0" * 32) as wrong:
        with pytest.raises(ForbiddenError):
            await wrong.me.get_me()


@job("auth_basic_email_password")
async def auth_email_password(w: World) -> None:
    async with w.client(email=w.owner.email, password=w.owner.password) as toggl:
        me = await toggl.me.get_me()
        assert me.id == w.owner.id
        assert w.recorder.requests[-1].headers["authorization"] == basic(w.owner.email, w.owner.password)
        client = await toggl.clients.create_client(w.wid, body=ClientPayload(name="By password"))
        assert w.table("clients")[client.id]["creator_id"] == w.owner.id
    async with w.client(email=w.owner.email, password=w.owner.password + "-wrong") as wrong:
        with pytest.raises(ForbiddenError):
            await wrong.me.get_me()


@job("auth_session_cookie")
async def auth_session_cookie(w: World) -> None:
    async with w.client(email=w.owner.email, password=w.owner.password) as toggl:
        await toggl.login()
        assert list(w.fake.store.sessions.values()) == [w.owner.id]
        (token,) = w.fake.store.sessions
        me = await toggl.me.get_me()
        assert me.id == w.owner.id
        after = w.recorder.requests[-1]
        assert "authorization" not in after.headers  # only the cookie travels now
        assert f"__Host-timer-session={token}" in after.headers["cookie"]


@job("destroy_session")
async def destroy_session(w: World) -> None:
    async with w.client(w.owner.api_token) as toggl:
        await toggl.login()
        requests = len(w.fake.log)
        toggl.logout()
        assert len(w.fake.log) == requests  # no route: the SDK forgets the cookie locally
        assert (await toggl.me.get_me()).id == w.owner.id
        after = w.recorder.requests[-1]
        assert "cookie" not in after.headers
        assert after.headers["authorization"] == basic(w.owner.api_token, "api_token")


# ---- the job the live API no longer offers
# Account creation would be POST /api/v9/users or /api/v9/signups (the retired v8 routes), or an
# operation named so; report filters such as POST .../search/users are not.
USER_CREATING_PATH = re.compile(r"^/api/v9/(users|signups?|sign_up)$")
USER_CREATING_NAME = re.compile(r"sign_?up|create_user|register")


@job("sign_up_new_user")
async def sign_up(w: World) -> None:
    users = dict(w.table("users"))
    creating = [
        name for name, op in OPERATIONS.items()
        if op.method == "POST" and (USER_CREATING_PATH.match(op.path) or USER_CREATING_NAME.search(name))
    ]  # fmt: skip
    assert creating == []  # no generated call pretends to create accounts
    assert not any(hasattr(w.toggl, name) for name in ("sign_up", "signup", "create_user", "sign_up_new_user"))
    assert w.table("users") == users
    assert w.requests_since_mark() == []


# ---------------------------------------------------------------- the tests
def run_on(backend: str, body: Callable[[], Awaitable[None]]) -> None:
    async def checked() -> None:
        assert sniffio.current_async_library() == backend
        await body()

    anyio.run(checked, backend=backend)


def route_pattern(path: str) -> re.Pattern[str]:
    """The row's path as a regex over the fake's logged paths ({wid}, {pid}, {x_ids} -> digits)."""
    return re.compile(re.sub(r"\\\{\w+\\\}", r"\\d+(?:,\\d+)*", re.escape(path)) + "$")


def assert_route_used(row: SeedRow, w: World) -> None:
    """The job went through the route the row names (SDK rows: the route their helper repeats)."""
    if not row.path:
        return
    pattern = route_pattern(row.path)
    hits = [e for e in w.requests_since_mark() if pattern.match(e.path)]
    if row.method in HTTP_METHODS:
        hits = [e for e in hits if e.method == row.method and 200 <= e.status < 300]
    assert hits, f"{row.operation}: no request to {row.method} {row.path} in {w.requests_since_mark()}"


def test_every_seed_row_has_a_scenario() -> None:
    names = [row.operation for row in ROWS]
    assert len(ROWS) >= 85, "the seed table lost rows"
    assert len(set(names)) == len(names), "duplicate operation names in the seed table"
    assert sorted(set(names) - set(SCENARIOS)) == [], "seed rows without a scenario"
    assert sorted(set(SCENARIOS) - set(names)) == [], "scenarios for rows the table no longer has"
    assert {row.method for row in ROWS} <= HTTP_METHODS | {"SDK", "AUTH", "NONE"}


def test_row_routes_exist_in_the_spec() -> None:
    """Each row's method + path is an operation of the generated client (so the job is reachable)."""
    routes = {(op.method, route_pattern(op.path).pattern) for op in OPERATIONS.values()}
    for row in ROWS:
        if row.method in HTTP_METHODS:
            assert (row.method, route_pattern(row.path).pattern) in routes, row


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("row", ROWS, ids=[row.operation for row in ROWS])
def test_seed_job(row: SeedRow, backend: str) -> None:
    scenario = SCENARIOS.get(row.operation)
    assert scenario is not None, f"no scenario for seed row {row.operation}"

    async def body() -> None:
        async with world() as w:
            await scenario(w)
            assert_route_used(row, w)

    run_on(backend, body)


def test_account_creation_gap_is_documented() -> None:
    row = next(row for row in ROWS if row.method == "NONE")
    assert row.operation == "sign_up_new_user"
    documents = {name: (ROOT / name).read_text().lower() for name in ("README.md", "spec/toggl.yaml")}
    mentions = ("sign up", "sign-up", "signup", "sign_up", "account creation", "create accounts")
    assert any(word in text for text in documents.values() for word in mentions), "the gap is not documented"


def test_bulk_failures_are_typed_toggl_errors() -> None:
    """A bulk helper keeps each failure as the SDK's typed error, with the request it belongs to."""

    async def body() -> None:
        async with world() as w:
            results = await w.toggl.delete_tasks(w.wid, w.ids["project"], [MISSING_ID, MISSING_ID + 1])
            assert all(isinstance(r.error, TogglError) and not r.ok for r in results)
            assert [r.error.path for r in results if isinstance(r.error, NotFoundError)] == [
                f"/api/v9/workspaces/{w.wid}/projects/{w.ids['project']}/tasks/{MISSING_ID + n}" for n in (0, 1)
            ]

    run_on("asyncio", body)
