"""The fake's bulk and paginated gaps (clients archived/deleted in bulk, tasks/data, project users paginated,
users/data, a member changed by user id) and invitation links (get, accept, reject, resend).

Evidence: Toggl's published Track v9 swagger, 2026 copy ("SW26"): routes, shapes and error texts.
"""

from __future__ import annotations

import datetime
from typing import Any

import httpx
from spec_validation import call

from toggl_async.testing import FakeClock, FakeToggl, FakeUser

API = "/api/v9"


async def ok(http: httpx.AsyncClient, operation_id: str, method: str, url: str, **kwargs: Any) -> Any:
    response = await call(http, operation_id, method, url, **kwargs)
    assert response.status_code == 200, response.text
    return response.json() if "json" in response.headers.get("content-type", "") else response.text


def fake_with(plan: str = "Premium") -> tuple[FakeToggl, FakeUser, str]:
    fake = FakeToggl(clock=FakeClock(datetime.datetime(2024, 12, 16, 9, tzinfo=datetime.UTC)), rate=None, quotas=False)
    owner = fake.add_user("owner@example.com", plan=plan, fullname="Owner")
    return fake, owner, f"{API}/workspaces/{owner.default_workspace_id}"


async def post(http: httpx.AsyncClient, url: str, body: Any) -> dict[str, Any]:
    response = await http.post(url, json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_archive_clients_archives_each_client_and_its_active_projects() -> None:
    fake, owner, ws = fake_with()
    async with fake.http_client(owner) as http:
        a, b = [await post(http, f"{ws}/clients", {"name": n}) for n in ("A", "B")]
        pa = await post(http, f"{ws}/projects", {"name": "pa", "client_id": a["id"], "active": True})
        pb = await post(http, f"{ws}/projects", {"name": "pb", "client_id": b["id"], "active": True})
        done = await ok(http, "archive_clients", "POST", f"{ws}/clients/archive", json=[a["id"], b["id"]])
        archived = await ok(http, "list_clients", "GET", f"{ws}/clients", params={"status": "archived"})
        project = (await http.get(f"{ws}/projects/{pa['id']}")).json()
    assert done == [{"client_ids": [a["id"], b["id"]], "project_ids": [pa["id"], pb["id"]]}]
    assert {c["id"] for c in archived} == {a["id"], b["id"]} and project["active"] is False


async def test_bulk_client_calls_are_all_or_nothing_and_name_the_unknown_id() -> None:
    fake, owner, ws = fake_with()
    async with fake.http_client(owner) as http:
        a = await post(http, f"{ws}/clients", {"name": "A"})
        refused = await call(http, "delete_clients", "POST", f"{ws}/clients/delete", json=[a["id"], 1])
        still = await ok(http, "list_clients", "GET", f"{ws}/clients")
    assert refused.status_code == 404 and "1" in refused.json()  # "No client with ID {client_id} was found" [V:SW26]
    assert [c["id"] for c in still] == [a["id"]]


async def test_delete_clients_keeps_their_projects_without_a_client() -> None:
    fake, owner, ws = fake_with()
    async with fake.http_client(owner) as http:
        a = await post(http, f"{ws}/clients", {"name": "A"})
        project = await post(http, f"{ws}/projects", {"name": "p", "client_id": a["id"], "active": True})
        await ok(http, "delete_clients", "POST", f"{ws}/clients/delete", json=[a["id"]])
        left = (await http.get(f"{ws}/projects/{project['id']}")).json()
        clients = await ok(http, "list_clients", "GET", f"{ws}/clients", params={"status": "both"})
    assert left["client_id"] is None and clients == []


async def test_archive_clients_needs_a_paid_plan() -> None:
    fake, owner, ws = fake_with("Free")
    async with fake.http_client(owner) as http:
        a = await post(http, f"{ws}/clients", {"name": "A"})
        refused = await call(http, "archive_clients", "POST", f"{ws}/clients/archive", json=[a["id"]])
    assert refused.status_code == 402


async def test_tasks_data_groups_a_page_of_tasks_by_project_id() -> None:
    fake, owner, ws = fake_with()
    async with fake.http_client(owner) as http:
        p1 = await post(http, f"{ws}/projects", {"name": "p1", "active": True})
        p2 = await post(http, f"{ws}/projects", {"name": "p2", "active": True})
        for project, names in ((p1, ("a", "c")), (p2, ("b", "d"))):
            for name in names:
                await post(http, f"{ws}/projects/{project['id']}/tasks", {"name": name})
        url = f"{ws}/tasks/data"
        body = {"project_ids": [p1["id"], p2["id"]]}
        first = await ok(http, "list_tasks_by_projects", "POST", url, json=body, params={"page": 1, "per_page": 3})
        second = await ok(http, "list_tasks_by_projects", "POST", url, json=body, params={"page": 2, "per_page": 3})
        found = await ok(http, "list_tasks_by_projects", "POST", url, json=body, params={"search": "D"})
    assert {k: [t["name"] for t in v] for k, v in first.items()} == {str(p1["id"]): ["a", "c"], str(p2["id"]): ["b"]}
    assert {k: [t["name"] for t in v] for k, v in second.items()} == {str(p2["id"]): ["d"]}
    assert list(found) == [str(p2["id"])]


async def test_project_users_paginated_gives_n_members_of_each_project_a_page() -> None:
    fake, owner, ws = fake_with()
    wid = owner.default_workspace_id
    async with fake.http_client(owner) as http:
        project = await post(http, f"{ws}/projects", {"name": "p", "active": True, "is_private": False})
        for n in range(3):
            user = fake.add_user(f"u{n}@example.com", fullname=f"User {n}")
            store = fake.store
            store.add_workspace_member(store.tables["workspaces"][wid], store.tables["users"][user.id])
            await post(http, f"{ws}/project_users", {"project_id": project["id"], "user_id": user.id})
        url = f"{ws}/project_users/paginated"
        pages = [
            await ok(http, "list_project_users_paginated", "POST", url, json=[project["id"]],
                     params={"page": page, "users_per_project": 2})
            for page in (1, 2, 3)
        ]  # fmt: skip
    # Three members, two a page, by user id: a short page is the last.
    assert [len(p) for p in pages] == [2, 1, 0]
    assert [m["user_name"] for p in pages for m in p] == ["User 0", "User 1", "User 2"]


async def test_users_data_answers_members_in_the_order_asked_and_limits_the_ids() -> None:
    fake, owner, ws = fake_with()
    stranger = fake.add_user("stranger@example.com")
    async with fake.http_client(owner) as http:
        got = await ok(http, "list_workspace_users_by_ids", "POST", f"{ws}/users/data", json=[stranger.id, owner.id])
        empty = await call(http, "list_workspace_users_by_ids", "POST", f"{ws}/users/data", json=[])
        many = await call(http, "list_workspace_users_by_ids", "POST", f"{ws}/users/data", json=list(range(1, 152)))
    assert [(u["id"], u["role"]) for u in got] == [(owner.id, "admin")]
    assert empty.json() == "user_ids must not be empty"  # [V:SW26]
    assert many.json() == "user_ids must not contain more than 150 elements"  # [V:SW26]


async def test_a_member_is_changed_by_user_id() -> None:
    fake, owner, ws = fake_with()
    member = fake.add_user("member@example.com")
    store = fake.store
    store.add_workspace_member(store.tables["workspaces"][owner.default_workspace_id], store.tables["users"][member.id])
    async with fake.http_client(owner) as http:
        await ok(http, "update_workspace_member", "PUT", f"{ws}/users/{member.id}", json={"role": "admin"})
        users = (await http.get(f"{ws}/workspace_users")).json()
        missing = await call(http, "update_workspace_member", "PUT", f"{ws}/users/1", json={"role": "admin"})
    assert next(u for u in users if u["uid"] == member.id)["admin"] is True
    assert missing.status_code == 404


async def test_an_invitation_is_read_accepted_by_its_addressee_only_and_then_gone() -> None:
    fake, owner, _ = fake_with()
    invitee = fake.add_user("invitee@example.com")
    oid, wid = owner.organization_id, owner.default_workspace_id
    async with fake.http_client(owner) as http, fake.http_client(invitee) as guest:
        sent = await post(http, f"{API}/organizations/{oid}/invitations",
                          {"emails": ["invitee@example.com"], "workspaces": [{"workspace_id": wid}]})  # fmt: skip
        code = sent["invitations"][0]["code"]
        shown = await ok(guest, "get_invitation", "GET", f"{API}/invitations/{code}")
        assert (shown["email"], shown["organization_id"], shown["sender_email"]) == (
            "invitee@example.com",
            oid,
            "owner@example.com",
        )
        not_theirs = await call(http, "accept_invitation", "POST", f"{API}/organizations/invitations/{code}/accept")
        assert not_theirs.status_code == 403
        assert await ok(guest, "accept_invitation", "POST", f"{API}/organizations/invitations/{code}/accept") == "OK"
        gone = await call(guest, "get_invitation", "GET", f"{API}/invitations/{code}")
        workspaces = (await guest.get(f"{API}/me/workspaces")).json()
    assert gone.status_code == 404
    assert wid in {w["id"] for w in workspaces}


async def test_a_rejected_invitation_joins_nothing_and_resend_checks_the_organization() -> None:
    fake, owner, _ = fake_with()
    other = fake.add_user("other-owner@example.com", plan="Premium")
    invitee = fake.add_user("invitee@example.com")
    oid, wid = owner.organization_id, owner.default_workspace_id
    async with fake.http_client(owner) as http, fake.http_client(invitee) as guest, fake.http_client(other) as rival:
        sent = await post(http, f"{API}/organizations/{oid}/invitations",
                          {"emails": ["invitee@example.com"], "workspaces": [{"workspace_id": wid}]})  # fmt: skip
        invitation_id = sent["data"][0]["invitation_id"]
        resend = f"invitations/{invitation_id}/resend"
        assert await ok(http, "resend_invitation", "PUT", f"{API}/organizations/{oid}/{resend}")
        mismatch = await call(
            rival, "resend_invitation", "PUT", f"{API}/organizations/{other.organization_id}/{resend}"
        )
        code = sent["invitations"][0]["code"]
        await ok(guest, "reject_invitation", "POST", f"{API}/organizations/invitations/{code}/reject")
        workspaces = (await guest.get(f"{API}/me/workspaces")).json()
    assert mismatch.status_code == 400  # "Organization ID and invitation organization ID mismatch" [V:SW26]
    assert wid not in {w["id"] for w in workspaces}
