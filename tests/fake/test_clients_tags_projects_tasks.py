"""The fake's clients, tags, projects, project users and tasks, as a client of the HTTP API sees them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from spec_validation import call, ok_with

from toggl_async.testing import FakeClock, FakeToggl, FakeUser

API = "/api/v9"


def ws(user: FakeUser) -> str:
    return f"{API}/workspaces/{user.default_workspace_id}"


ok = ok_with(200)


async def new_project(http: httpx.AsyncClient, user: FakeUser, name: str, **fields: Any) -> dict[str, Any]:
    """An active project unless `active` says otherwise (without it Toggl creates an archived one)."""
    body = {"name": name, "active": True, **fields}
    return await ok(http, "create_project", "POST", f"{ws(user)}/projects", json=body)  # type: ignore[no-any-return]


async def new_entry(http: httpx.AsyncClient, user: FakeUser, **fields: Any) -> dict[str, Any]:
    body = {"created_with": "tests", "start": "2024-12-16T08:00:00Z", "duration": 1800, **fields}
    response = await http.post(f"{ws(user)}/time_entries", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture
def paid(fake: FakeToggl) -> FakeUser:
    return fake.add_user("pat@example.com", plan="Starter")


@pytest.fixture
async def paid_http(fake: FakeToggl, paid: FakeUser) -> AsyncIterator[httpx.AsyncClient]:
    async with fake.http_client(paid) as client:
        yield client


@pytest.fixture
def other(fake: FakeToggl) -> FakeUser:
    return fake.add_user("bob@example.com")


@pytest.fixture
async def other_http(fake: FakeToggl, other: FakeUser) -> AsyncIterator[httpx.AsyncClient]:
    async with fake.http_client(other) as client:
        yield client


# ------------------------------------------------------------------------------------------------ clients
async def test_client_crud(http: httpx.AsyncClient, user: FakeUser) -> None:
    created = await ok(http, "create_client", "POST", f"{ws(user)}/clients", json={"name": " Acme ", "notes": "n"})
    assert (created["name"], created["wid"], created["archived"], created["notes"]) == (
        "Acme",
        user.default_workspace_id,
        False,
        "n",
    )
    url = f"{ws(user)}/clients/{created['id']}"
    assert await ok(http, "get_client", "GET", url) == created
    updated = await ok(http, "update_client", "PUT", url, json={"name": "Acme Inc"})
    assert updated["name"] == "Acme Inc" and updated["notes"] == "n"
    assert [c["name"] for c in await ok(http, "list_clients", "GET", f"{ws(user)}/clients")] == ["Acme Inc"]
    assert await ok(http, "delete_client", "DELETE", url) is None
    missing = await call(http, "get_client", "GET", url)
    assert missing.status_code == 404
    assert await ok(http, "list_clients", "GET", f"{ws(user)}/clients") == []


async def test_client_name_validation(http: httpx.AsyncClient, user: FakeUser) -> None:
    empty_name = await call(http, "create_client", "POST", f"{ws(user)}/clients", json={"name": "  "})
    assert empty_name.status_code == 400 and empty_name.json() == "Client name cannot be empty"
    first = await ok(http, "create_client", "POST", f"{ws(user)}/clients", json={"name": "Acme"})
    duplicate = await call(http, "create_client", "POST", f"{ws(user)}/clients", json={"name": "acme"})
    assert duplicate.status_code == 400
    second = await ok(http, "create_client", "POST", f"{ws(user)}/clients", json={"name": "Beta"})
    renamed = await call(http, "update_client", "PUT", f"{ws(user)}/clients/{second['id']}", json={"name": "Acme"})
    assert renamed.status_code == 400
    blank = await call(http, "update_client", "PUT", f"{ws(user)}/clients/{first['id']}", json={"name": ""})
    assert blank.status_code == 400 and blank.json() == "Client name cannot be empty"


async def test_list_clients_status_and_name(paid_http: httpx.AsyncClient, paid: FakeUser) -> None:
    for name in ("Alpha", "Beta", "Alphabet"):
        await ok(paid_http, "create_client", "POST", f"{ws(paid)}/clients", json={"name": name})
    clients = await ok(paid_http, "list_clients", "GET", f"{ws(paid)}/clients")
    beta = next(c for c in clients if c["name"] == "Beta")
    assert await ok(paid_http, "archive_client", "POST", f"{ws(paid)}/clients/{beta['id']}/archive") == []

    async def names(**params: str) -> list[str]:
        found = await ok(paid_http, "list_clients", "GET", f"{ws(paid)}/clients", params=params)
        return [c["name"] for c in found]

    assert await names() == ["Alpha", "Alphabet"]
    assert await names(status="archived") == ["Beta"]
    assert await names(status="both") == ["Alpha", "Alphabet", "Beta"]
    assert await names(status="both", name="ALPHA") == ["Alpha", "Alphabet"]
    bad = await call(paid_http, "list_clients", "GET", f"{ws(paid)}/clients", params={"status": "gone"})
    assert bad.status_code == 400


async def test_archive_client_archives_its_projects_and_restore_brings_them_back(
    paid_http: httpx.AsyncClient, paid: FakeUser
) -> None:
    client = await ok(paid_http, "create_client", "POST", f"{ws(paid)}/clients", json={"name": "Acme"})
    first = await new_project(paid_http, paid, "Site", client_id=client["id"])
    second = await new_project(paid_http, paid, "App", client_id=client["id"])
    await new_project(paid_http, paid, "Internal")
    url = f"{ws(paid)}/clients/{client['id']}"
    archived = await ok(paid_http, "archive_client", "POST", f"{url}/archive")
    assert sorted(archived) == sorted([first["id"], second["id"]])
    project = await ok(paid_http, "get_project", "GET", f"{ws(paid)}/projects/{first['id']}")
    assert (project["active"], project["status"]) == (False, "archived")
    assert (await ok(paid_http, "get_client", "GET", url))["archived"] is True

    foreign = await call(paid_http, "restore_client", "POST", f"{url}/restore", json={"projects": [123]})
    assert foreign.status_code == 400
    restored = await ok(paid_http, "restore_client", "POST", f"{url}/restore", json={"projects": [first["id"]]})
    assert restored["archived"] is False
    statuses = {
        p["id"]: p["status"]
        for p in await ok(paid_http, "list_projects", "GET", f"{ws(paid)}/projects", params={"active": "both"})
    }
    assert (statuses[first["id"]], statuses[second["id"]]) == ("active", "archived")
    await ok(paid_http, "archive_client", "POST", f"{url}/archive")
    await ok(paid_http, "restore_client", "POST", f"{url}/restore", json={"restore_all_projects": True})
    active = await ok(paid_http, "list_projects", "GET", f"{ws(paid)}/projects")
    assert len(active) == 3


async def test_archive_client_needs_a_paid_plan(http: httpx.AsyncClient, user: FakeUser) -> None:
    client = await ok(http, "create_client", "POST", f"{ws(user)}/clients", json={"name": "Acme"})
    response = await call(http, "archive_client", "POST", f"{ws(user)}/clients/{client['id']}/archive")
    assert response.status_code == 402


async def test_delete_client_keeps_its_projects_without_client(http: httpx.AsyncClient, user: FakeUser) -> None:
    client = await ok(http, "create_client", "POST", f"{ws(user)}/clients", json={"name": "Acme"})
    project = await new_project(http, user, "Site", client_id=client["id"])
    assert (project["client_id"], project["client_name"]) == (client["id"], "Acme")
    await ok(http, "delete_client", "DELETE", f"{ws(user)}/clients/{client['id']}")
    project = await ok(http, "get_project", "GET", f"{ws(user)}/projects/{project['id']}")
    assert (project["client_id"], project["cid"], project["client_name"]) == (None, None, None)


async def test_list_clients_by_ids(
    http: httpx.AsyncClient, user: FakeUser, other_http: httpx.AsyncClient, other: FakeUser
) -> None:
    mine = [await ok(http, "create_client", "POST", f"{ws(user)}/clients", json={"name": n}) for n in ("A", "B", "C")]
    theirs = await ok(other_http, "create_client", "POST", f"{ws(other)}/clients", json={"name": "Secret"})
    url = f"{ws(user)}/clients/data"
    ids = [mine[2]["id"], theirs["id"], mine[0]["id"]]
    as_array = await ok(http, "list_clients_by_ids", "POST", url, json=ids)
    assert [c["id"] for c in as_array] == [mine[2]["id"], mine[0]["id"]]
    as_object = await ok(http, "list_clients_by_ids", "POST", url, json={"delete": ids})
    assert as_object == as_array
    bad = await call(http, "list_clients_by_ids", "POST", url, json=["x"])
    assert bad.status_code == 400


# ------------------------------------------------------------------------------------------------ tags
async def test_tag_crud_and_validation(http: httpx.AsyncClient, user: FakeUser) -> None:
    tag = await ok(http, "create_tag", "POST", f"{ws(user)}/tags", json={"name": "urgent"})
    assert (tag["name"], tag["workspace_id"], tag["deleted_at"]) == ("urgent", user.default_workspace_id, None)
    for name in ("", "   ", "URGENT"):
        response = await call(http, "create_tag", "POST", f"{ws(user)}/tags", json={"name": name})
        assert response.status_code == 400, name
    renamed = await ok(http, "update_tag", "PUT", f"{ws(user)}/tags/{tag['id']}", json={"name": "later"})
    assert renamed["name"] == "later" and renamed["at"] >= tag["at"]
    await ok(http, "delete_tag", "DELETE", f"{ws(user)}/tags/{tag['id']}")
    assert await ok(http, "list_tags", "GET", f"{ws(user)}/tags") == []
    gone = await call(http, "update_tag", "PUT", f"{ws(user)}/tags/{tag['id']}", json={"name": "again"})
    assert gone.status_code == 404


async def test_list_tags_pages_and_search(http: httpx.AsyncClient, user: FakeUser) -> None:
    for name in ("delta", "alpha", "charlie", "bravo", "alpine"):
        await ok(http, "create_tag", "POST", f"{ws(user)}/tags", json={"name": name})

    async def names(**params: Any) -> list[str]:
        return [t["name"] for t in await ok(http, "list_tags", "GET", f"{ws(user)}/tags", params=params)]

    assert await names() == ["alpha", "alpine", "bravo", "charlie", "delta"]
    assert await names(page=1, per_page=2) == ["alpha", "alpine"]
    assert await names(page=3, per_page=2) == ["delta"]
    assert await names(page=4, per_page=2) == []
    assert await names(search="ALP") == ["alpha", "alpine"]


async def test_tag_rename_and_delete_show_in_time_entries(http: httpx.AsyncClient, user: FakeUser) -> None:
    entry = await new_entry(http, user, tags=["a", "b"])
    tag_a, tag_b = entry["tag_ids"]
    await ok(http, "update_tag", "PUT", f"{ws(user)}/tags/{tag_a}", json={"name": "alpha"})
    seen = (await http.get(f"{API}/me/time_entries/{entry['id']}")).json()
    assert seen["tags"] == ["alpha", "b"]
    await ok(http, "delete_tag", "DELETE", f"{ws(user)}/tags/{tag_b}")
    seen = (await http.get(f"{API}/me/time_entries/{entry['id']}")).json()
    assert (seen["tags"], seen["tag_ids"]) == (["alpha"], [tag_a])


async def test_bulk_delete_tags_is_all_or_nothing(
    http: httpx.AsyncClient, user: FakeUser, other_http: httpx.AsyncClient, other: FakeUser
) -> None:
    tags = [await ok(http, "create_tag", "POST", f"{ws(user)}/tags", json={"name": n}) for n in ("a", "b", "c")]
    theirs = await ok(other_http, "create_tag", "POST", f"{ws(other)}/tags", json={"name": "x"})
    url = f"{ws(user)}/tags"
    refused = await call(http, "bulk_delete_tags", "PATCH", url, json={"delete": [tags[0]["id"], theirs["id"]]})
    assert refused.status_code == 400 and refused.json() == "Some tag IDs do not belong to workspace"
    assert len(await ok(http, "list_tags", "GET", url)) == 3
    await ok(http, "bulk_delete_tags", "PATCH", url, json={"delete": [tags[0]["id"], tags[2]["id"]]})
    assert [t["name"] for t in await ok(http, "list_tags", "GET", url)] == ["b"]
    assert len(await ok(other_http, "list_tags", "GET", f"{ws(other)}/tags")) == 1


# ------------------------------------------------------------------------------------------------ projects
async def test_project_crud(http: httpx.AsyncClient, user: FakeUser, clock: FakeClock) -> None:
    project = await new_project(http, user, "Website", color="#AABBCC", is_private=False)
    assert project["workspace_id"] == project["wid"] == user.default_workspace_id
    assert (project["name"], project["active"], project["color"]) == ("Website", True, "#aabbcc")
    assert project["server_deleted_at"] is None and project["start_date"] == "2024-12-16"
    url = f"{ws(user)}/projects/{project['id']}"
    # The create answer has no status yet; the first read has [V:toggl-python live tests] (shapes.py).
    assert await ok(http, "get_project", "GET", url) == project | {"status": "active"}
    clock.advance(5)
    archived = await ok(http, "update_project", "PUT", url, json={"active": False, "name": "Web"})
    assert (archived["name"], archived["active"], archived["status"]) == ("Web", False, "archived")
    assert archived["at"] > project["at"]
    ended = await ok(http, "update_project", "PUT", url, json={"active": True, "end_date": "2024-12-01",
                                                               "start_date": "2024-11-01"})  # fmt: skip
    assert ended["status"] == "ended"
    await ok(http, "delete_project", "DELETE", url)
    assert (await call(http, "get_project", "GET", url)).status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 400),
        ({"name": " "}, 400),
        ({"name": "P", "color": "blue"}, 400),
        ({"name": "P", "client_id": 1}, 400),
        ({"name": "P", "start_date": "2024-12-20", "end_date": "2024-12-01"}, 400),
        ({"name": "P", "active": "yes"}, 400),
        ({"name": "P", "billable": True}, 402),
        ({"name": "P", "rate": 50}, 402),
    ],
)
async def test_project_validation(http: httpx.AsyncClient, user: FakeUser, body: dict[str, Any], status: int) -> None:
    response = await call(http, "create_project", "POST", f"{ws(user)}/projects", json=body)
    assert response.status_code == status
    assert await ok(http, "list_projects", "GET", f"{ws(user)}/projects") == []


async def test_paid_plan_project_fields(paid_http: httpx.AsyncClient, paid: FakeUser) -> None:
    project = await new_project(paid_http, paid, "Billable", billable=True, rate=80, estimated_hours=3)
    assert (project["billable"], project["rate"], project["estimated_seconds"]) == (True, 80, 3 * 3600)
    assert project["rate_last_updated"] is not None


async def test_client_of_another_workspace_is_refused(
    http: httpx.AsyncClient, user: FakeUser, other_http: httpx.AsyncClient, other: FakeUser
) -> None:
    theirs = await ok(other_http, "create_client", "POST", f"{ws(other)}/clients", json={"name": "Secret"})
    response = await call(http, "create_project", "POST", f"{ws(user)}/projects",
                          json={"name": "P", "client_id": theirs["id"]})  # fmt: skip
    assert response.status_code == 400 and "Secret" not in response.text


async def test_list_projects_walks_pages_until_a_short_one(
    fake: FakeToggl, http: httpx.AsyncClient, user: FakeUser
) -> None:
    created = {(await new_project(http, user, f"Project {n:03}"))["id"] for n in range(450)}
    seen: list[int] = []
    sizes = []
    page = 1
    while True:
        batch = await ok(http, "list_projects", "GET", f"{ws(user)}/projects", params={"page": page, "per_page": 200})
        sizes.append(len(batch))
        seen += [p["id"] for p in batch]
        if len(batch) < 200:
            break
        page += 1
    assert sizes == [200, 200, 50]
    assert len(seen) == len(set(seen)) and set(seen) == created
    default = await ok(http, "list_projects", "GET", f"{ws(user)}/projects")
    assert len(default) == 151  # the server's default page size [V:SW24]
    assert [p["name"] for p in default[:2]] == ["Project 000", "Project 001"]
    too_big = await call(http, "list_projects", "GET", f"{ws(user)}/projects", params={"per_page": 201})
    assert too_big.status_code == 400


async def test_list_projects_filters_and_sorting(paid_http: httpx.AsyncClient, paid: FakeUser) -> None:
    client = await ok(paid_http, "create_client", "POST", f"{ws(paid)}/clients", json={"name": "Acme"})
    site = await new_project(paid_http, paid, "Site", client_id=client["id"], billable=True)
    app = await new_project(paid_http, paid, "App", billable=False)
    old = await new_project(paid_http, paid, "Old app", active=False)
    url = f"{ws(paid)}/projects"

    async def ids(**params: Any) -> list[int]:
        return [p["id"] for p in await ok(paid_http, "list_projects", "GET", url, params=params)]

    assert await ids() == [app["id"], site["id"]]
    assert await ids(active="false") == [old["id"]]
    assert await ids(active="both") == [app["id"], old["id"], site["id"]]
    assert await ids(active="both", name="APP") == [app["id"], old["id"]]
    assert await ids(client_ids=str(client["id"])) == [site["id"]]
    assert await ids(billable="true") == [site["id"]]
    assert await ids(active="both", statuses="archived") == [old["id"]]
    assert await ids(active="both", sort_order="DESC") == [site["id"], old["id"], app["id"]]
    bad = await call(paid_http, "list_projects", "GET", url, params={"active": "maybe"})
    assert bad.status_code == 400


async def test_list_projects_since_reports_deleted_ones(
    http: httpx.AsyncClient, user: FakeUser, clock: FakeClock
) -> None:
    gone = await new_project(http, user, "Gone")
    await new_project(http, user, "Unchanged")
    clock.advance(60)
    since = int(clock.time())
    await ok(http, "delete_project", "DELETE", f"{ws(user)}/projects/{gone['id']}")
    fresh = await new_project(http, user, "Fresh")
    changed = await ok(http, "list_projects", "GET", f"{ws(user)}/projects", params={"since": since})
    by_id = {p["id"]: p for p in changed}
    assert set(by_id) == {gone["id"], fresh["id"]}
    assert by_id[gone["id"]]["server_deleted_at"] is not None and by_id[gone["id"]]["status"] == "deleted"


async def test_delete_project_modes(http: httpx.AsyncClient, user: FakeUser) -> None:
    kept = await new_project(http, user, "Kept entries")
    dropped = await new_project(http, user, "Dropped entries")
    kept_entry = await new_entry(http, user, project_id=kept["id"])
    dropped_entry = await new_entry(http, user, project_id=dropped["id"], start="2024-12-16T07:00:00Z")
    url = f"{ws(user)}/projects"
    invalid = await call(http, "delete_project", "DELETE", f"{url}/{kept['id']}", params={"teDeletionMode": "keep"})
    assert invalid.status_code == 400
    await ok(http, "delete_project", "DELETE", f"{url}/{kept['id']}", params={"teDeletionMode": "unassign"})
    entry = (await http.get(f"{API}/me/time_entries/{kept_entry['id']}")).json()
    assert entry["project_id"] is None and "pid" not in entry
    await ok(http, "delete_project", "DELETE", f"{url}/{dropped['id']}", params={"teDeletionMode": "delete"})
    assert (await http.get(f"{API}/me/time_entries/{dropped_entry['id']}")).status_code == 404
    deleted = await http.get(f"{API}/me/time_entries", params={"since": 0})
    assert next(e for e in deleted.json() if e["id"] == dropped_entry["id"])["server_deleted_at"] is not None


async def test_patch_projects_partial_success(
    http: httpx.AsyncClient, user: FakeUser, other_http: httpx.AsyncClient, other: FakeUser
) -> None:
    first = await new_project(http, user, "First")
    second = await new_project(http, user, "Second")
    theirs = await new_project(other_http, other, "Theirs")
    ids = f"{first['id']},{theirs['id']},999,{second['id']}"
    ops = [
        {"op": "replace", "path": "/color", "value": "#123456"},
        {"op": "replace", "path": "/active", "value": False},
    ]
    result = await ok(http, "patch_projects", "PATCH", f"{ws(user)}/projects/{ids}", json=ops)
    assert result["success"] == [first["id"], second["id"]]
    assert {f["id"] for f in result["failure"]} == {theirs["id"], 999}
    assert "Theirs" not in str(result)
    changed = await ok(http, "get_project", "GET", f"{ws(user)}/projects/{first['id']}")
    assert (changed["color"], changed["active"], changed["status"]) == ("#123456", False, "archived")
    untouched = await ok(other_http, "get_project", "GET", f"{ws(other)}/projects/{theirs['id']}")
    assert untouched["active"] is True
    blanked = await ok(http, "patch_projects", "PATCH", f"{ws(user)}/projects/{first['id']}",
                       json=[{"op": "replace", "path": "/name", "value": ""}])  # fmt: skip
    assert blanked["success"] == [] and blanked["failure"][0]["id"] == first["id"]


async def test_patch_projects_limits(http: httpx.AsyncClient, user: FakeUser) -> None:
    project = await new_project(http, user, "P")
    too_many = ",".join(str(project["id"] + n) for n in range(101))
    ops = [{"op": "replace", "path": "/name", "value": "Q"}]
    response = await call(http, "patch_projects", "PATCH", f"{ws(user)}/projects/{too_many}", json=ops)
    assert response.status_code == 400
    bad_path = [{"op": "replace", "path": "/workspace_id", "value": 1}]
    response = await call(http, "patch_projects", "PATCH", f"{ws(user)}/projects/{project['id']}", json=bad_path)
    assert response.status_code == 400
    hundred = ",".join([str(project["id"])] + [str(n) for n in range(1, 100)])
    result = await ok(http, "patch_projects", "PATCH", f"{ws(user)}/projects/{hundred}", json=ops)
    assert result["success"] == [project["id"]] and len(result["failure"]) == 99


async def test_pin_project_is_per_user_and_limited_on_free(http: httpx.AsyncClient, user: FakeUser) -> None:
    first = await new_project(http, user, "First")
    second = await new_project(http, user, "Second")
    url = f"{ws(user)}/projects"
    await ok(http, "pin_project", "POST", f"{url}/{second['id']}/pin", json={"pin": True})
    assert (await ok(http, "get_project", "GET", f"{url}/{second['id']}"))["pinned"] is True
    refused = await call(http, "pin_project", "POST", f"{url}/{first['id']}/pin", json={"pin": True})
    assert refused.status_code == 403
    pinned_first = await ok(http, "list_projects", "GET", url, params={"sort_pinned": "true"})
    assert [p["id"] for p in pinned_first] == [second["id"], first["id"]]
    await ok(http, "pin_project", "POST", f"{url}/{second['id']}/pin", json={"pin": False})
    await ok(http, "pin_project", "POST", f"{url}/{first['id']}/pin", json={"pin": True})


async def test_project_counts_and_statistics(http: httpx.AsyncClient, user: FakeUser, fake: FakeToggl) -> None:
    project = await new_project(http, user, "Counted", is_private=False)
    empty_project = await new_project(http, user, "Empty", is_private=False)
    for name in ("a", "b"):
        await ok(http, "create_task", "POST", f"{ws(user)}/projects/{project['id']}/tasks", json={"name": name})
    teammate = fake.add_user("tea@example.com")
    fake.store.add_workspace_member(fake.store.tables["workspaces"][user.default_workspace_id],
                                    fake.store.tables["users"][teammate.id])  # fmt: skip
    await ok(http, "create_project_user", "POST", f"{ws(user)}/project_users",
             json={"project_id": project["id"], "user_id": teammate.id})  # fmt: skip
    body = {"project_ids": [project["id"], empty_project["id"], 42]}
    tasks = await ok(http, "count_project_tasks", "POST", f"{ws(user)}/projects/task_count", json=body)
    assert tasks == [{str(project["id"]): 2}, {str(empty_project["id"]): 0}]
    users = await ok(http, "count_project_users", "POST", f"{ws(user)}/projects/user_count", json=body)
    assert users == [{str(project["id"]): 1}, {str(empty_project["id"]): 0}]

    url = f"{ws(user)}/projects/{project['id']}/statistics"
    assert await ok(http, "get_project_statistics", "GET", url) == {
        "earliest_time_entry": None,
        "latest_time_entry": None,
    }
    await new_entry(http, user, project_id=project["id"], start="2024-12-10T10:00:00Z")
    await new_entry(http, user, project_id=project["id"], start="2024-12-12T10:00:00Z")
    await new_entry(http, user, project_id=project["id"], start="2024-12-16T08:30:00Z", duration=-1)  # running
    stats = await ok(http, "get_project_statistics", "GET", url)
    assert stats == {
        "earliest_time_entry": "2024-12-10T10:00:00+00:00",
        "latest_time_entry": "2024-12-12T10:00:00+00:00",
    }


async def test_projects_of_another_user_stay_hidden(
    http: httpx.AsyncClient, user: FakeUser, other_http: httpx.AsyncClient, other: FakeUser
) -> None:
    mine = await new_project(http, user, "Top secret")
    my_ws = ws(user)
    for operation_id, method, path, body in [
        ("list_projects", "GET", "/projects", None),
        ("get_project", "GET", f"/projects/{mine['id']}", None),
        ("update_project", "PUT", f"/projects/{mine['id']}", {"name": "x"}),
        ("delete_project", "DELETE", f"/projects/{mine['id']}", None),
        ("create_project", "POST", "/projects", {"name": "intruder"}),
        ("list_clients", "GET", "/clients", None),
        ("list_tags", "GET", "/tags", None),
        ("list_project_users", "GET", "/project_users", None),
        ("list_workspace_tasks", "GET", "/tasks", None),
        ("list_project_tasks", "GET", f"/projects/{mine['id']}/tasks", None),
        ("get_project_statistics", "GET", f"/projects/{mine['id']}/statistics", None),
    ]:
        response = await call(other_http, operation_id, method, my_ws + path, json=body)
        assert response.status_code == 403, operation_id
        assert "Top secret" not in response.text
    # their own workspace id with my project id: not found, never my data
    response = await call(other_http, "get_project", "GET", f"{ws(other)}/projects/{mine['id']}")
    assert response.status_code == 404 and "Top secret" not in response.text
    response = await call(other_http, "list_project_tasks", "GET", f"{ws(other)}/projects/{mine['id']}/tasks")
    assert response.status_code == 403
    assert (await ok(http, "get_project", "GET", f"{my_ws}/projects/{mine['id']}"))["name"] == "Top secret"


# ------------------------------------------------------------------------------------------------ project users
async def test_project_user_crud(paid_http: httpx.AsyncClient, paid: FakeUser, fake: FakeToggl) -> None:
    teammate = fake.add_user("tea@example.com")
    workspace = fake.store.tables["workspaces"][paid.default_workspace_id]
    fake.store.add_workspace_member(workspace, fake.store.tables["users"][teammate.id])
    project = await new_project(paid_http, paid, "Shared", is_private=True)
    other_project = await new_project(paid_http, paid, "Other", is_private=True)
    url = f"{ws(paid)}/project_users"
    member = await ok(paid_http, "create_project_user", "POST", url,
                      json={"project_id": project["id"], "user_id": teammate.id, "rate": 30})  # fmt: skip
    assert (member["project_id"], member["user_id"], member["manager"], member["rate"]) == (
        project["id"], teammate.id, False, 30,
    )  # fmt: skip
    again = await call(paid_http, "create_project_user", "POST", url,
                       json={"project_id": project["id"], "user_id": teammate.id})  # fmt: skip
    assert again.status_code == 400 and again.json() == "Project user already exists"
    stranger = await call(paid_http, "create_project_user", "POST", url,
                          json={"project_id": project["id"], "user_id": 12345})  # fmt: skip
    assert stranger.status_code == 400

    # the creator of a private project is its first member
    everyone = await ok(paid_http, "list_project_users", "GET", url)
    assert {(m["project_id"], m["user_id"]) for m in everyone} == {
        (project["id"], paid.id), (project["id"], teammate.id), (other_project["id"], paid.id),
    }  # fmt: skip
    only_teammate = await ok(paid_http, "list_project_users", "GET", url, params={"user_id": teammate.id})
    assert [m["id"] for m in only_teammate] == [member["id"]]
    of_other = await ok(paid_http, "list_project_users", "GET", url, params={"project_ids": str(other_project["id"])})
    assert [m["user_id"] for m in of_other] == [paid.id]

    updated = await ok(paid_http, "update_project_user", "PUT", f"{url}/{member['id']}", json={"manager": True})
    assert updated["manager"] is True and updated["rate"] == 30
    await ok(paid_http, "delete_project_user", "DELETE", f"{url}/{member['id']}")
    assert await ok(paid_http, "list_project_users", "GET", url, params={"user_id": teammate.id}) == []
    assert (await call(paid_http, "delete_project_user", "DELETE", f"{url}/{member['id']}")).status_code == 403


async def test_patch_project_users(paid_http: httpx.AsyncClient, paid: FakeUser, fake: FakeToggl) -> None:
    project = await new_project(paid_http, paid, "Shared", is_private=True)
    (member,) = await ok(paid_http, "list_project_users", "GET", f"{ws(paid)}/project_users")
    url = f"{ws(paid)}/project_users/{member['id']},777"
    ops = [{"op": "replace", "path": "/rate", "value": 55.5}, {"op": "remove", "path": "/labor_cost"}]
    result = await ok(paid_http, "patch_project_users", "PATCH", url, json=ops)
    assert result["success"] == [member["id"]] and [f["id"] for f in result["failure"]] == [777]
    (changed,) = await ok(paid_http, "list_project_users", "GET", f"{ws(paid)}/project_users")
    assert (changed["rate"], changed["labor_cost"], changed["project_id"]) == (55.5, None, project["id"])
    add = [{"op": "add", "path": "/manager", "value": True}]
    assert (await call(paid_http, "patch_project_users", "PATCH", url, json=add)).status_code == 400


# ------------------------------------------------------------------------------------------------ tasks
async def test_task_crud(http: httpx.AsyncClient, user: FakeUser, clock: FakeClock) -> None:
    project = await new_project(http, user, "With tasks")
    url = f"{ws(user)}/projects/{project['id']}/tasks"
    task = await ok(
        http, "create_task", "POST", url, json={"name": "Design", "estimated_seconds": 7200, "user_id": user.id}
    )
    assert (task["name"], task["project_id"], task["workspace_id"], task["active"]) == (
        "Design", project["id"], user.default_workspace_id, True,
    )  # fmt: skip
    assert (task["estimated_seconds"], task["user_id"], task["tracked_seconds"]) == (7200, user.id, 0)
    assert await ok(http, "get_task", "GET", f"{url}/{task['id']}") == task
    clock.advance(1)
    done = await ok(http, "update_task", "PUT", f"{url}/{task['id']}", json={"active": False})
    assert done["active"] is False and done["name"] == "Design" and done["at"] > task["at"]
    assert await ok(http, "list_project_tasks", "GET", url, params={"active": "true"}) == []
    assert [t["id"] for t in await ok(http, "list_project_tasks", "GET", url)] == [task["id"]]
    await ok(http, "delete_task", "DELETE", f"{url}/{task['id']}")
    assert (await call(http, "get_task", "GET", f"{url}/{task['id']}")).status_code == 404
    assert await ok(http, "list_project_tasks", "GET", url) == []


async def test_task_validation(http: httpx.AsyncClient, user: FakeUser) -> None:
    project = await new_project(http, user, "P")
    url = f"{ws(user)}/projects/{project['id']}/tasks"
    for body in ({}, {"name": "  "}, {"name": "T", "user_id": 999}, {"name": "T", "estimated_seconds": -5}):
        assert (await call(http, "create_task", "POST", url, json=body)).status_code == 400, body
    await ok(http, "update_project", "PUT", f"{ws(user)}/projects/{project['id']}", json={"active": False})
    archived = await call(http, "create_task", "POST", url, json={"name": "Late"})
    assert archived.status_code == 400


async def test_task_tracked_seconds_are_milliseconds(http: httpx.AsyncClient, user: FakeUser) -> None:
    project = await new_project(http, user, "P")
    url = f"{ws(user)}/projects/{project['id']}/tasks"
    task = await ok(http, "create_task", "POST", url, json={"name": "T"})
    await new_entry(http, user, project_id=project["id"], task_id=task["id"], duration=90)
    assert (await ok(http, "get_task", "GET", f"{url}/{task['id']}"))["tracked_seconds"] == 90_000


async def test_workspace_tasks_envelope_pages(http: httpx.AsyncClient, user: FakeUser) -> None:
    first = await new_project(http, user, "First")
    second = await new_project(http, user, "Second")
    for n in range(70):
        await ok(http, "create_task", "POST", f"{ws(user)}/projects/{first['id']}/tasks", json={"name": f"T{n:03}"})
    for n in range(50):
        await ok(http, "create_task", "POST", f"{ws(user)}/projects/{second['id']}/tasks", json={"name": f"U{n:03}"})
    url = f"{ws(user)}/tasks"
    pages = [await ok(http, "list_workspace_tasks", "GET", url, params={"page": n}) for n in (1, 2, 3, 4)]
    assert [len(p["data"]) for p in pages] == [50, 50, 20, 0]
    assert {(p["page"], p["per_page"], p["total_count"]) for p in pages[:1]} == {(1, 50, 120)}
    assert all(p["total_count"] == 120 and p["sort_field"] == "name" and p["sort_order"] == "ASC" for p in pages)
    ids = [t["id"] for p in pages for t in p["data"]]
    assert len(set(ids)) == 120
    assert pages[0]["data"][0]["name"] == "T000" and pages[0]["data"][0]["project_name"] == "First"

    of_second = await ok(http, "list_workspace_tasks", "GET", url, params={"pid": second["id"], "per_page": 30})
    assert (of_second["total_count"], len(of_second["data"]), of_second["per_page"]) == (50, 30, 30)
    newest = await ok(http, "list_workspace_tasks", "GET", url,
                      params={"sort_field": "created_at", "sort_order": "DESC", "per_page": 1})  # fmt: skip
    assert newest["data"][0]["name"] == "U049"
    for params in ({"sort_field": "at"}, {"sort_order": "UP"}, {"active": "x"}, {"per_page": 0}):
        assert (await call(http, "list_workspace_tasks", "GET", url, params=params)).status_code == 400, params


async def test_workspace_tasks_active_filter(http: httpx.AsyncClient, user: FakeUser) -> None:
    project = await new_project(http, user, "P")
    url = f"{ws(user)}/projects/{project['id']}/tasks"
    open_task = await ok(http, "create_task", "POST", url, json={"name": "Open"})
    done_task = await ok(http, "create_task", "POST", url, json={"name": "Done", "active": False})

    async def names(**params: str) -> list[str]:
        page = await ok(http, "list_workspace_tasks", "GET", f"{ws(user)}/tasks", params=params)
        return [t["name"] for t in page["data"]]

    assert await names() == ["Open"]
    assert await names(active="false") == ["Done"]
    assert await names(active="both") == ["Done", "Open"]
    assert await names(active="both", search="OP") == ["Open"]
    assert open_task["id"] != done_task["id"]


async def test_workspace_tasks_basic(http: httpx.AsyncClient, user: FakeUser) -> None:
    client = await ok(http, "create_client", "POST", f"{ws(user)}/clients", json={"name": "Acme"})
    with_client = await new_project(http, user, "Client work", client_id=client["id"])
    internal = await new_project(http, user, "Internal")
    a = await ok(http, "create_task", "POST", f"{ws(user)}/projects/{with_client['id']}/tasks", json={"name": "A"})
    b = await ok(http, "create_task", "POST", f"{ws(user)}/projects/{internal['id']}/tasks", json={"name": "B"})
    url = f"{ws(user)}/tasks/basic"

    async def ids(**params: Any) -> list[int]:
        page = await ok(http, "list_workspace_tasks_basic", "GET", url, params=params)
        assert page["total_count"] == len(page["data"])
        return [t["id"] for t in page["data"]]

    assert await ids() == [a["id"], b["id"]]
    assert await ids(client_ids=str(client["id"])) == [a["id"]]
    assert await ids(project_id=internal["id"]) == [b["id"]]
    assert await ids(project_ids=f"{with_client['id']},{internal['id']}", task_ids=str(b["id"])) == [b["id"]]


async def test_patch_tasks_partial_success_and_limit(http: httpx.AsyncClient, user: FakeUser) -> None:
    project = await new_project(http, user, "P")
    elsewhere = await new_project(http, user, "Q")
    url = f"{ws(user)}/projects/{project['id']}/tasks"
    first = await ok(http, "create_task", "POST", url, json={"name": "One"})
    second = await ok(http, "create_task", "POST", url, json={"name": "Two"})
    foreign = await ok(http, "create_task", "POST", f"{ws(user)}/projects/{elsewhere['id']}/tasks", json={"name": "X"})
    ops = [
        {"op": "replace", "path": "/active", "value": False},
        {"op": "replace", "path": "/estimated_seconds", "value": 60},
    ]
    result = await ok(http, "patch_tasks", "PATCH", f"{url}/{first['id']},{foreign['id']},{second['id']}", json=ops)
    assert result["success"] == [first["id"], second["id"]] and [f["id"] for f in result["failure"]] == [foreign["id"]]
    done = await ok(http, "get_task", "GET", f"{url}/{first['id']}")
    assert (done["active"], done["estimated_seconds"]) == (False, 60)
    bad_value = [{"op": "replace", "path": "/user_id", "value": 4242}]
    refused = await ok(http, "patch_tasks", "PATCH", f"{url}/{first['id']}", json=bad_value)
    assert refused["success"] == [] and refused["failure"][0]["id"] == first["id"]
    too_many = ",".join(str(first["id"] + n) for n in range(101))
    assert (await call(http, "patch_tasks", "PATCH", f"{url}/{too_many}", json=ops)).status_code == 400


async def test_deleting_a_project_deletes_its_tasks(http: httpx.AsyncClient, user: FakeUser) -> None:
    project = await new_project(http, user, "P")
    task = await ok(http, "create_task", "POST", f"{ws(user)}/projects/{project['id']}/tasks", json={"name": "T"})
    entry = await new_entry(http, user, project_id=project["id"], task_id=task["id"])
    await ok(http, "delete_project", "DELETE", f"{ws(user)}/projects/{project['id']}")
    listing = await ok(http, "list_workspace_tasks", "GET", f"{ws(user)}/tasks", params={"active": "both"})
    assert listing["total_count"] == 0
    kept = (await http.get(f"{API}/me/time_entries/{entry['id']}")).json()
    assert (kept["project_id"], kept["task_id"]) == (None, None)
