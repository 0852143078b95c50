"""Time entries in the fake: create/start/stop, listing windows, updates, deletes and bulk patches."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from spec_validation import assert_matches_spec

from toggl_async.testing import FakeClock, FakeToggl, FakeUser

NOW = "2024-12-16T09:00:00+00:00"  # the `clock` fixture's start, as reads write it [V:VCR]
NOW_Z = "2024-12-16T09:00:00Z"  # the same, as create, stop and update answers write it [V:VCR]


def entries_url(user: FakeUser, *rest: object) -> str:
    return "/".join([f"/api/v9/workspaces/{user.default_workspace_id}/time_entries", *map(str, rest)])


def entry_body(user: FakeUser, **fields: Any) -> dict[str, Any]:
    return {"created_with": "tests", "workspace_id": user.default_workspace_id, "start": NOW} | fields


async def create(http: httpx.AsyncClient, user: FakeUser, **fields: Any) -> dict[str, Any]:
    response = await http.post(entries_url(user), json=entry_body(user, **fields))
    assert response.status_code == 200, response.text
    assert_matches_spec("create_time_entry", response)
    entry: dict[str, Any] = response.json()
    return entry


async def get(http: httpx.AsyncClient, entry_id: int, **params: str) -> httpx.Response:
    response = await http.get(f"/api/v9/me/time_entries/{entry_id}", params=params)
    assert_matches_spec("get_time_entry", response)
    return response


async def listed(http: httpx.AsyncClient, **params: str | int) -> httpx.Response:
    response = await http.get("/api/v9/me/time_entries", params=params)
    assert_matches_spec("list_time_entries", response)
    return response


def add_project(fake: FakeToggl, workspace_id: int, name: str = "Website", **fields: Any) -> dict[str, Any]:
    project = {"workspace_id": workspace_id, "wid": workspace_id, "name": name, "active": True, "client_id": None}
    return fake.store.insert("projects", project | {"color": "#06aaf5", "billable": False} | fields)


@pytest.fixture
async def bob(fake: FakeToggl) -> FakeUser:
    return fake.add_user("bob@example.com", "hunter2", fullname="Bob")


# ---------------------------------------------------------------------------------------- create
async def test_create_answers_200_with_a_full_entry(http: httpx.AsyncClient, user: FakeUser) -> None:
    entry = await create(http, user, description="Write report", duration=1800)
    assert entry["workspace_id"] == entry["wid"] == user.default_workspace_id
    assert entry["user_id"] == entry["uid"] == user.id
    assert entry["start"] == NOW_Z and entry["stop"] == "2024-12-16T09:30:00Z" and entry["duration"] == 1800
    assert entry["description"] == "Write report" and entry["billable"] is False
    assert entry["project_id"] is None and "pid" not in entry and "tid" not in entry
    assert entry["tags"] is None and entry["tag_ids"] is None  # null in a create response when not sent
    assert entry["at"].endswith("Z") and entry["server_deleted_at"] is None
    later = (await get(http, entry["id"])).json()
    assert later["tags"] == [] and later["tag_ids"] == []
    assert later["start"] == NOW and later["stop"] == "2024-12-16T09:30:00+00:00"


async def test_create_needs_start_and_created_with(http: httpx.AsyncClient, user: FakeUser) -> None:
    body = entry_body(user)
    del body["start"]
    response = await http.post(entries_url(user), json=body)
    assert response.status_code == 400 and response.json() == "start is required for time entry creation"
    assert_matches_spec("create_time_entry", response)
    body = entry_body(user)
    del body["created_with"]
    response = await http.post(entries_url(user), json=body)
    assert response.status_code == 400 and "created_with needs to be provided" in response.json()


async def test_create_in_a_foreign_workspace_is_403(http: httpx.AsyncClient, user: FakeUser, bob: FakeUser) -> None:
    response = await http.post(entries_url(bob), json=entry_body(bob))
    assert response.status_code == 403
    assert_matches_spec("create_time_entry", response)


async def test_negative_duration_starts_a_timer_and_stops_the_previous_one(
    http: httpx.AsyncClient, user: FakeUser, clock: FakeClock
) -> None:
    first = await create(http, user, duration=-1)
    assert first["stop"] is None and first["duration"] == -1
    clock.advance(600)
    second = await create(http, user, duration=-5, start="2024-12-16T09:10:00Z")
    assert second["stop"] is None and second["duration"] == -1
    stopped = (await get(http, first["id"])).json()
    assert stopped["stop"] == "2024-12-16T09:10:00+00:00" and stopped["duration"] == 600
    current = await http.get("/api/v9/me/time_entries/current")
    assert current.json()["id"] == second["id"]
    assert_matches_spec("get_current_time_entry", current)


async def test_stop_and_duration_must_agree(http: httpx.AsyncClient, user: FakeUser) -> None:
    entry = await create(http, user, stop="2024-12-16T10:00:00+01:00", duration=0)
    assert entry["stop"] == NOW_Z and entry["duration"] == 0
    entry = await create(http, user, stop="2024-12-16T11:00:00Z", duration=7200)
    assert entry["duration"] == 7200
    for fields in ({"stop": "2024-12-16T11:00:00Z", "duration": 60}, {"stop": "2024-12-16T11:00:00Z", "duration": -1},
                   {"stop": "2024-12-16T08:00:00Z"}):  # fmt: skip
        response = await http.post(entries_url(user), json=entry_body(user, **fields))
        assert response.status_code == 400, fields
        assert_matches_spec("create_time_entry", response)


async def test_start_only_makes_a_zero_length_stopped_entry(http: httpx.AsyncClient, user: FakeUser) -> None:
    # The create answer says stop null and duration 0; reads show it stopped at its start [V:VCR].
    entry = await create(http, user)
    assert entry["stop"] is None and entry["start"] == NOW_Z and entry["duration"] == 0
    read = (await get(http, entry["id"])).json()
    assert read["stop"] == read["start"] == NOW and read["duration"] == 0
    current = await http.get("/api/v9/me/time_entries/current")
    assert current.status_code == 200 and current.content == b"null"


@pytest.mark.parametrize("start", ["2005-12-31T23:00:00Z", "2031-01-01T00:00:00Z"])
async def test_start_year_must_lie_in_2006_to_2030(http: httpx.AsyncClient, user: FakeUser, start: str) -> None:
    response = await http.post(entries_url(user), json=entry_body(user, start=start))
    assert response.status_code == 400
    assert_matches_spec("create_time_entry", response)


async def test_tags_by_name_are_created_and_reused(fake: FakeToggl, http: httpx.AsyncClient, user: FakeUser) -> None:
    entry = await create(http, user, tags=["deep work", "writing"])
    assert entry["tags"] == ["deep work", "writing"] and len(entry["tag_ids"]) == 2
    tag = fake.store.tables["tags"][entry["tag_ids"][0]]
    assert tag["workspace_id"] == user.default_workspace_id and tag["name"] == "deep work"
    assert tag["deleted_at"] is None and tag["at"]
    again = await create(http, user, tags=["writing"], tag_ids=[entry["tag_ids"][0]])
    assert again["tag_ids"] == [entry["tag_ids"][1], entry["tag_ids"][0]]
    assert len(fake.store.tables["tags"]) == 2
    response = await http.post(entries_url(user), json=entry_body(user, tag_ids=[123]))
    assert response.status_code == 400


async def test_project_and_task_must_exist_in_the_workspace(
    fake: FakeToggl, http: httpx.AsyncClient, user: FakeUser, bob: FakeUser
) -> None:
    project = add_project(fake, user.default_workspace_id)
    task = fake.store.insert("tasks", {"name": "Draft", "project_id": project["id"],
                                       "workspace_id": user.default_workspace_id, "active": True})  # fmt: skip
    entry = await create(http, user, task_id=task["id"])
    assert entry["project_id"] == entry["pid"] == project["id"] and entry["task_id"] == entry["tid"] == task["id"]
    foreign = add_project(fake, bob.default_workspace_id)
    for fields in ({"project_id": foreign["id"]}, {"project_id": 42}, {"task_id": 42}):
        response = await http.post(entries_url(user), json=entry_body(user, **fields))
        assert response.status_code == 400, fields
        assert_matches_spec("create_time_entry", response)


# ---------------------------------------------------------------------------------------- reads
async def test_current_is_literal_null_when_nothing_runs(http: httpx.AsyncClient) -> None:
    response = await http.get("/api/v9/me/time_entries/current")
    assert response.status_code == 200 and response.content == b"null" and response.json() is None
    assert_matches_spec("get_current_time_entry", response)


async def test_list_is_newest_first(http: httpx.AsyncClient, user: FakeUser) -> None:
    older = await create(http, user, start="2024-12-15T08:00:00Z")
    newer = await create(http, user, start="2024-12-16T08:00:00Z")
    middle = await create(http, user, start="2024-12-15T12:00:00Z")
    response = await listed(http)
    assert [e["id"] for e in response.json()] == [newer["id"], middle["id"], older["id"]]
    assert all("tags" in e and e["tags"] == [] for e in response.json())


async def test_list_without_filters_covers_the_last_nine_days(http: httpx.AsyncClient, user: FakeUser) -> None:
    old = await create(http, user, start="2024-12-06T09:00:00Z")
    recent = await create(http, user, start="2024-12-08T09:00:00Z")
    assert [e["id"] for e in (await listed(http)).json()] == [recent["id"]]
    window = await listed(http, start_date="2024-12-01", end_date="2024-12-17")
    assert [e["id"] for e in window.json()] == [recent["id"], old["id"]]


async def test_list_before_and_date_window(http: httpx.AsyncClient, user: FakeUser) -> None:
    a = await create(http, user, start="2024-12-14T09:00:00Z")
    b = await create(http, user, start="2024-12-15T09:00:00Z")
    c = await create(http, user, start="2024-12-16T08:00:00Z")
    assert [e["id"] for e in (await listed(http, before="2024-12-15")).json()] == [a["id"]]
    assert [e["id"] for e in (await listed(http, before="2024-12-15T09:00:01Z")).json()] == [b["id"], a["id"]]
    window = await listed(http, start_date="2024-12-15", end_date="2024-12-16T08:00:00+00:00")
    assert [e["id"] for e in window.json()] == [b["id"]]
    assert [e["id"] for e in (await listed(http, start_date="2024-12-16", end_date="2024-12-17")).json()] == [c["id"]]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": 1734300000, "before": "2024-12-15"}, "'since' and 'before' can not be present simultaneously"),
        ({"start_date": "2024-12-01"}, None),
        ({"end_date": "2024-12-01"}, None),
        ({"start_date": "2024-09-15", "end_date": "2024-12-01"}, "start_date must not be earlier than 2024-09-16"),
    ],
)
async def test_list_rejects_bad_filters(http: httpx.AsyncClient, params: dict[str, Any], message: str | None) -> None:
    response = await listed(http, **params)
    assert response.status_code == 400
    if message:
        assert response.json() == message


async def test_start_date_floor_is_three_months_before_today(http: httpx.AsyncClient) -> None:
    assert (await listed(http, start_date="2024-09-16", end_date="2024-09-17")).status_code == 200


async def test_since_reports_changes_and_deletions(http: httpx.AsyncClient, user: FakeUser, clock: FakeClock) -> None:
    kept = await create(http, user)
    gone = await create(http, user, description="oops")
    clock.advance(60)
    since = int(clock.time())
    clock.advance(60)
    assert (await http.delete(entries_url(user, gone["id"]))).status_code == 200
    changed = (await listed(http, since=since)).json()
    assert [e["id"] for e in changed] == [gone["id"]] and changed[0]["server_deleted_at"]
    assert [e["id"] for e in (await listed(http)).json()] == [kept["id"]]


async def test_meta_adds_names(fake: FakeToggl, http: httpx.AsyncClient, user: FakeUser) -> None:
    client = fake.store.insert("clients", {"wid": user.default_workspace_id, "name": "ACME", "archived": False})
    project = add_project(fake, user.default_workspace_id, client_id=client["id"])
    entry = await create(http, user, project_id=project["id"])
    plain = (await get(http, entry["id"])).json()
    assert "project_name" not in plain
    for shown in [(await get(http, entry["id"], meta="true")).json(), (await listed(http, meta="true")).json()[0]]:
        assert shown["project_name"] == "Website" and shown["client_name"] == "ACME" and shown["user_name"] == "Ada"
        # Toggl's meta rows carry no client_id, and no task_name without a task [V:VCR; I] (shapes.py).
        assert "client_id" not in shown and "task_name" not in shown


# ---------------------------------------------------------------------------------------- stop / update / delete
async def test_stop_sets_stop_and_duration(http: httpx.AsyncClient, user: FakeUser, clock: FakeClock) -> None:
    entry = await create(http, user, duration=-1)
    clock.advance(994.4)
    response = await http.patch(entries_url(user, entry["id"], "stop"))
    assert response.status_code == 200
    assert_matches_spec("stop_time_entry", response)
    assert response.json()["stop"] == "2024-12-16T09:16:34Z" and response.json()["duration"] == 994  # [V:VCR]
    again = await http.patch(entries_url(user, entry["id"], "stop"))
    assert again.status_code == 409 and again.json() == "Time entry already stopped"
    assert_matches_spec("stop_time_entry", again)


async def test_update_changes_only_sent_fields_and_moves_at(
    http: httpx.AsyncClient, user: FakeUser, clock: FakeClock
) -> None:
    entry = await create(http, user, description="draft", duration=600, tags=["a", "b"])
    clock.advance(5)
    response = await http.put(entries_url(user, entry["id"]), json={"billable": True})
    assert response.status_code == 200
    assert_matches_spec("update_time_entry", response)
    updated = response.json()
    assert updated["billable"] is True and updated["at"] > entry["at"]
    assert {k: updated[k] for k in ("description", "start", "stop", "duration", "tags")} == {
        "description": "draft", "start": NOW_Z, "stop": "2024-12-16T09:10:00Z", "duration": 600, "tags": ["a", "b"]
    }  # fmt: skip
    updated = (await http.put(entries_url(user, entry["id"]), json={"start": "2024-12-16T09:05:00Z"})).json()
    assert updated["stop"] == "2024-12-16T09:10:00Z" and updated["duration"] == 300


async def test_update_tag_action(http: httpx.AsyncClient, user: FakeUser) -> None:
    entry = await create(http, user, tags=["a", "b"])
    url = entries_url(user, entry["id"])
    added = (await http.put(url, json={"tags": ["c"], "tag_action": "add"})).json()
    assert added["tags"] == ["a", "b", "c"]
    deleted = await http.put(url, json={"tag_ids": [added["tag_ids"][0]], "tags": ["c"], "tag_action": "delete"})
    assert deleted.json()["tags"] == ["b"]
    replaced = await http.put(url, json={"tags": ["z"]})
    assert replaced.json()["tags"] == ["z"]
    assert_matches_spec("update_time_entry", replaced)
    bad = await http.put(url, json={"tags": ["z"], "tag_action": "toggle"})
    assert bad.status_code == 400
    assert_matches_spec("update_time_entry", bad)


async def test_delete_answers_200_without_body_then_404(http: httpx.AsyncClient, user: FakeUser) -> None:
    entry = await create(http, user)
    response = await http.delete(entries_url(user, entry["id"]))
    assert response.status_code == 200 and response.content == b""
    assert_matches_spec("delete_time_entry", response)
    assert (await get(http, entry["id"])).status_code == 404
    assert (await http.delete(entries_url(user, entry["id"]))).status_code == 404


# ---------------------------------------------------------------------------------------- bulk patch
async def test_patch_reports_success_and_failure_per_id(http: httpx.AsyncClient, user: FakeUser) -> None:
    one, two = await create(http, user, tags=["x"]), await create(http, user, duration=60)
    operations = [
        {"op": "replace", "path": "/description", "value": "batch"},
        {"op": "add", "path": "/tags", "value": ["y"]},
        {"op": "replace", "path": "/billable", "value": True},
    ]
    response = await http.patch(entries_url(user, f"{one['id']},{two['id']},99"), json=operations)
    assert response.status_code == 200
    assert_matches_spec("patch_time_entries", response)
    assert response.json()["success"] == [one["id"], two["id"]]
    assert [f["id"] for f in response.json()["failure"]] == [99]
    patched = (await get(http, one["id"])).json()
    assert patched["description"] == "batch" and patched["tags"] == ["x", "y"] and patched["billable"] is True
    operations = [
        {"op": "remove", "path": "/tags", "value": ["x"]},
        {"op": "replace", "path": "/duration", "value": 90},
    ]
    removed = await http.patch(entries_url(user, one["id"]), json=operations)
    assert removed.json()["success"] == [one["id"]]
    assert (await get(http, one["id"])).json()["tags"] == ["y"]
    assert (await get(http, one["id"])).json()["stop"] == "2024-12-16T09:01:30+00:00"


async def test_patch_covers_project_task_tag_ids_and_times(
    fake: FakeToggl, http: httpx.AsyncClient, user: FakeUser
) -> None:
    project = add_project(fake, user.default_workspace_id)
    task = fake.store.insert("tasks", {"name": "Draft", "project_id": project["id"],
                                       "workspace_id": user.default_workspace_id, "active": True})  # fmt: skip
    tagged = await create(http, user, tags=["t1", "t2"], duration=60)
    entry = await create(http, user, project_id=project["id"], duration=60)
    operations = [
        {"op": "replace", "path": "/task_id", "value": task["id"]},
        {"op": "add", "path": "/tag_ids", "value": tagged["tag_ids"]},
        {"op": "remove", "path": "/tag_ids", "value": [tagged["tag_ids"][0]]},
        {"op": "replace", "path": "/start", "value": "2024-12-16T08:00:00Z"},
        {"op": "replace", "path": "/stop", "value": "2024-12-16T08:30:00Z"},
    ]
    response = await http.patch(entries_url(user, entry["id"]), json=operations)
    assert response.json() == {"success": [entry["id"]], "failure": []}
    patched = (await get(http, entry["id"])).json()
    assert patched["task_id"] == patched["tid"] == task["id"] and patched["tags"] == ["t2"]
    assert patched["start"] == "2024-12-16T08:00:00+00:00" and patched["duration"] == 1800
    response = await http.patch(entries_url(user, entry["id"]), json=[{"op": "remove", "path": "/project_id"}])
    assert response.json()["success"] == [entry["id"]]
    cleared = (await get(http, entry["id"])).json()
    assert cleared["project_id"] is None and cleared["task_id"] is None and "pid" not in cleared
    bad = await http.patch(entries_url(user, entry["id"]), json=[{"op": "replace", "path": "/project_id", "value": 7}])
    assert bad.json()["failure"] == [{"id": entry["id"], "message": "User cannot access the selected project"}]


async def test_update_can_restart_an_entry_which_stops_the_running_one(
    http: httpx.AsyncClient, user: FakeUser, clock: FakeClock
) -> None:
    running = await create(http, user, duration=-1)
    done = await create(http, user, start="2024-12-16T08:00:00Z", duration=60)
    clock.advance(120)
    response = await http.put(entries_url(user, done["id"]), json={"duration": -1})
    assert response.json()["stop"] is None and response.json()["duration"] == -1
    stopped = (await get(http, running["id"])).json()
    assert stopped["stop"] == "2024-12-16T09:02:00+00:00" and stopped["duration"] == 120


async def test_patch_with_an_invalid_operation_fails_each_id(http: httpx.AsyncClient, user: FakeUser) -> None:
    entry = await create(http, user, description="keep")
    for operation in ({"op": "move", "path": "/description"}, {"op": "replace", "path": "/workspace_id", "value": 1}):
        response = await http.patch(entries_url(user, entry["id"]), json=[operation])
        assert response.status_code == 200
        assert_matches_spec("patch_time_entries", response)
        assert response.json()["success"] == [] and response.json()["failure"][0]["id"] == entry["id"]
        assert response.json()["failure"][0]["message"]
    assert (await get(http, entry["id"])).json()["description"] == "keep"


async def test_patch_takes_at_most_100_ids(http: httpx.AsyncClient, user: FakeUser) -> None:
    ids = ",".join(str(i) for i in range(1, 102))
    response = await http.patch(entries_url(user, ids), json=[{"op": "remove", "path": "/description"}])
    assert response.status_code == 400
    assert_matches_spec("patch_time_entries", response)


# ---------------------------------------------------------------------------------------- ownership
ENTRY_ROUTES = [
    ("stop_time_entry", "PATCH", "/stop"),
    ("update_time_entry", "PUT", ""),
    ("delete_time_entry", "DELETE", ""),
]


async def test_other_users_entries_are_invisible(
    fake: FakeToggl, http: httpx.AsyncClient, user: FakeUser, bob: FakeUser
) -> None:
    async with fake.http_client(bob) as bob_http:
        theirs = await create(bob_http, bob, duration=-1)
    assert (await get(http, theirs["id"])).status_code == 404
    assert (await http.get("/api/v9/me/time_entries/current")).json() is None
    assert (await listed(http)).json() == []
    for operation_id, method, suffix in ENTRY_ROUTES:
        in_their_workspace = await http.request(method, entries_url(bob, theirs["id"]) + suffix, json={})
        assert in_their_workspace.status_code == 403, operation_id
        assert_matches_spec(operation_id, in_their_workspace)
        in_mine = await http.request(method, entries_url(user, theirs["id"]) + suffix, json={"description": "mine"})
        assert in_mine.status_code == 404, operation_id
        assert_matches_spec(operation_id, in_mine)
    async with fake.http_client(bob) as bob_http:
        assert (await bob_http.get(f"/api/v9/me/time_entries/{theirs['id']}")).json()["description"] is None
