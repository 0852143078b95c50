"""The fake's favorites: time entry templates a user starts timers from, in /me and per workspace.

Evidence: Toggl's published Track v9 swagger, 2026 copy ("SW26"): routes, fields, the description-or-project
rule, the 403 on resources the user cannot see, and suggestions made once per user.
"""

from __future__ import annotations

import datetime

from spec_validation import call, ok_with

from toggl_async.testing import FakeClock, FakeToggl, FakeUser

API = "/api/v9"


ok = ok_with(200, 201, 204)


def setup() -> tuple[FakeToggl, FakeUser, str]:
    fake = FakeToggl(clock=FakeClock(datetime.datetime(2024, 12, 16, 9, tzinfo=datetime.UTC)), rate=None, quotas=False)
    user = fake.add_user("fav@example.com", plan="Starter")
    return fake, user, f"{API}/workspaces/{user.default_workspace_id}"


async def test_favorites_are_created_listed_by_rank_changed_in_a_batch_and_deleted() -> None:
    fake, user, ws = setup()
    async with fake.http_client(user) as http:
        project = (await http.post(f"{ws}/projects", json={"name": "Site", "active": True})).json()
        first = await ok(http, "create_favorite", "POST", f"{ws}/favorites", json={"description": "Standup"})
        second = await ok(http, "create_favorite", "POST", f"{ws}/favorites", params={"meta": "true"},
                          json={"project_id": project["id"], "billable": True})  # fmt: skip
        assert (first["rank"], second["rank"], second["project_name"]) == (0, 1, "Site")
        changed = await ok(http, "update_favorites", "PUT", f"{ws}/favorites", json=[
            {"favorite_id": first["favorite_id"], "rank": 5},
            {"favorite_id": second["favorite_id"], "postedFields": ["project_id"], "description": "Design"},
        ])  # fmt: skip
        assert [(f["favorite_id"], f["rank"]) for f in changed] == [
            (first["favorite_id"], 5),
            (second["favorite_id"], 1),
        ]
        assert (changed[1]["project_id"], changed[1]["description"]) == (None, "Design")  # postedFields clears
        listed = await ok(http, "list_my_favorites", "GET", f"{API}/me/favorites")
        assert [f["favorite_id"] for f in listed] == [second["favorite_id"], first["favorite_id"]]
        assert await ok(http, "delete_favorite", "DELETE", f"{ws}/favorites/{first['favorite_id']}") is None
        left = await ok(http, "list_favorites", "GET", f"{ws}/favorites")
    assert [f["favorite_id"] for f in left] == [second["favorite_id"]]


async def test_a_favorite_needs_a_description_or_a_project_and_only_visible_resources() -> None:
    fake, user, ws = setup()
    stranger = fake.add_user("stranger@example.com")
    async with fake.http_client(user) as http, fake.http_client(stranger) as theirs:
        foreign = (await theirs.post(f"{API}/workspaces/{stranger.default_workspace_id}/projects",
                                     json={"name": "Theirs", "active": True})).json()  # fmt: skip
        empty = await call(http, "create_favorite", "POST", f"{ws}/favorites", json={"billable": True})
        other = await call(http, "create_favorite", "POST", f"{ws}/favorites", json={"project_id": foreign["id"]})
        no_workspace = await call(http, "create_my_favorite", "POST", f"{API}/me/favorites", json={"description": "x"})
        batch = await call(http, "update_my_favorites", "PUT", f"{API}/me/favorites",
                           json=[{"favorite_id": 1, "rank": 1}])  # fmt: skip
    assert empty.status_code == 400 and other.status_code == 403  # [V:SW26]
    assert no_workspace.status_code == 400 and batch.status_code == 400


async def test_suggestions_come_from_the_most_tracked_work_once_per_user() -> None:
    fake, user, ws = setup()
    wid = user.default_workspace_id
    async with fake.http_client(user) as http:
        for hour, description in (
            (7, "Email"),
            (8, "Email"),
            (9, "Review"),
            (10, "Email"),
            (11, "Review"),
            (12, "Lunch"),
        ):
            body = {"created_with": "t", "workspace_id": wid, "start": f"2024-12-13T{hour:02d}:00:00Z",
                    "duration": 600, "description": description}  # fmt: skip
            assert (await http.post(f"{ws}/time_entries", json=body)).status_code == 200
        made = await call(http, "create_my_favorite_suggestions", "POST", f"{API}/me/favorites/suggestions")
        again = await call(http, "create_favorite_suggestions", "POST", f"{ws}/favorites/suggestions")
    assert made.status_code == 201 and [f["description"] for f in made.json()] == ["Email", "Review", "Lunch"]
    assert again.status_code == 204 and again.content == b""
