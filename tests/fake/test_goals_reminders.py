"""The fake's goals (progress computed from time entries), tracking reminders, project groups and time entry
constraints (enforced when a time entry is created).

Evidence: Toggl's published Track v9 swagger, 2026 copy ("SW26"): routes, fields and error texts; how progress
is computed and how constraints refuse an entry are inferred ([I] in the route module's docstring).
"""

from __future__ import annotations

import datetime
from typing import Any

import httpx
from spec_validation import call, ok_with

from toggl_async.testing import FakeClock, FakeToggl, FakeUser

API = "/api/v9"
WEDNESDAY = datetime.datetime(2024, 12, 18, 15, 0, tzinfo=datetime.UTC)


ok = ok_with(200, 204)


def setup() -> tuple[FakeToggl, FakeUser, FakeUser, str]:
    fake = FakeToggl(clock=FakeClock(WEDNESDAY), rate=None, quotas=False)
    admin = fake.add_user("admin@example.com", plan="Premium", fullname="Ada")
    member = fake.add_user("member@example.com", fullname="Max")
    store = fake.store
    store.add_workspace_member(store.tables["workspaces"][admin.default_workspace_id], store.tables["users"][member.id])
    return fake, admin, member, f"{API}/workspaces/{admin.default_workspace_id}"


async def entry(http: httpx.AsyncClient, ws: str, wid: int, start: str, seconds: int, **fields: Any) -> httpx.Response:
    body = {"created_with": "tests", "workspace_id": wid, "start": start, "duration": seconds, **fields}
    return await http.post(f"{ws}/time_entries", json=body)


async def test_a_weekly_goal_counts_this_weeks_matching_entries_and_is_achieved_at_its_target() -> None:
    fake, admin, _, ws = setup()
    wid = admin.default_workspace_id
    async with fake.http_client(admin) as http:
        project = (await http.post(f"{ws}/projects", json={"name": "Book", "active": True})).json()
        body = {"name": "Write", "target_seconds": 7200, "recurrence": "weekly", "comparison": "more_than",
                "project_ids": [project["id"]]}  # fmt: skip
        goal = await ok(http, "create_goal", "POST", f"{ws}/goals", json=body)
        assert (goal["current_recurrence_tracked_seconds"], goal["status"]) == (0, "in_progress")
        assert (goal["current_recurrence_start_date"], goal["current_recurrence_end_date"]) == (
            "2024-12-16",
            "2024-12-22",
        )
        await entry(http, ws, wid, "2024-12-16T09:00:00Z", 3600, project_id=project["id"])
        await entry(http, ws, wid, "2024-12-17T09:00:00Z", 1800)  # no project: does not count
        await entry(http, ws, wid, "2024-12-13T09:00:00Z", 3600, project_id=project["id"])  # last week
        halfway = await ok(http, "get_goal", "GET", f"{ws}/goals/{goal['goal_id']}")
        await entry(http, ws, wid, "2024-12-18T09:00:00Z", 3600, project_id=project["id"])
        done = await ok(http, "get_goal", "GET", f"{ws}/goals/{goal['goal_id']}")
    assert (halfway["current_recurrence_tracked_seconds"], halfway["status"]) == (3600, "in_progress")
    assert (done["current_recurrence_tracked_seconds"], done["status"]) == (7200, "achieved")


async def test_a_daily_at_most_goal_fails_once_passed_and_goals_are_the_users_own() -> None:
    fake, admin, member, ws = setup()
    wid = admin.default_workspace_id
    async with fake.http_client(admin) as http, fake.http_client(member) as other:
        body = {"name": "Meetings", "target_seconds": 1800, "recurrence": "daily", "comparison": "less_than"}
        goal = await ok(http, "create_goal", "POST", f"{ws}/goals", json=body)
        await entry(http, ws, wid, "2024-12-18T08:00:00Z", 2400)
        failed = await ok(http, "get_goal", "GET", f"{ws}/goals/{goal['goal_id']}")
        theirs = await call(other, "get_goal", "GET", f"{ws}/goals/{goal['goal_id']}")
        team = await call(other, "list_goals", "GET", f"{ws}/goals", params={"team_goals": "true"})
        not_creator = await call(other, "delete_goal", "DELETE", f"{ws}/goals/{goal['goal_id']}")
        await ok(http, "update_goal", "PUT", f"{ws}/goals/{goal['goal_id']}", json={"active": False})
        active = await ok(http, "list_goals", "GET", f"{ws}/goals", params={"active": "true"})
        assert await ok(http, "delete_goal", "DELETE", f"{ws}/goals/{goal['goal_id']}") is None
    assert failed["status"] == "failed" and failed["current_recurrence_tracked_seconds"] == 2400
    assert theirs.status_code == 404  # "goal not found for this user" [V:SW26]
    assert team.status_code == 403 and team.json() == "User has no access to team goals feature"  # [V:SW26]
    assert not_creator.status_code == 400 and active == []


async def test_a_goal_on_a_foreign_project_is_refused() -> None:
    fake, admin, _, ws = setup()
    stranger = fake.add_user("stranger@example.com")
    async with fake.http_client(stranger) as theirs, fake.http_client(admin) as http:
        foreign = (await theirs.post(f"{API}/workspaces/{stranger.default_workspace_id}/projects",
                                     json={"name": "Theirs", "active": True})).json()  # fmt: skip
        body = {"name": "x", "target_seconds": 60, "recurrence": "daily", "comparison": "more_than",
                "project_ids": [foreign["id"]]}  # fmt: skip
        refused = await call(http, "create_goal", "POST", f"{ws}/goals", json=body)
    assert refused.status_code == 403


async def test_track_reminders_are_admin_made_and_listed_for_the_people_they_name() -> None:
    fake, admin, member, ws = setup()
    async with fake.http_client(admin) as http, fake.http_client(member) as other:
        body = {"frequency": 7, "threshold": 30, "user_ids": [member.id]}
        refused = await call(other, "create_track_reminder", "POST", f"{ws}/track_reminders", json=body)
        bad = await call(http, "create_track_reminder", "POST", f"{ws}/track_reminders", json=body | {"frequency": 3})
        made = await ok(http, "create_track_reminder", "POST", f"{ws}/track_reminders", json=body)
        mine = await ok(other, "list_my_track_reminders", "GET", f"{API}/me/track_reminders")
        admins = await ok(http, "list_my_track_reminders", "GET", f"{API}/me/track_reminders")
        url = f"{ws}/track_reminders/{made['reminder_id']}"
        changed = await ok(http, "update_track_reminder", "PUT", url, json={"threshold": 35})
        await ok(http, "delete_track_reminder", "DELETE", url)
        left = await ok(http, "list_track_reminders", "GET", f"{ws}/track_reminders")
    assert refused.status_code == 403 and bad.status_code == 400  # frequency 1 or 7 [V:SW26]
    assert [r["reminder_id"] for r in mine] == [made["reminder_id"]] and admins == []
    assert changed["threshold"] == 35 and left == []


async def test_project_groups_are_listed_by_project_and_removed() -> None:
    fake, admin, _, ws = setup()
    async with fake.http_client(admin) as http:
        group = (await http.post(f"{ws}/groups", json={"name": "Team"})).json()
        one = (await http.post(f"{ws}/projects", json={"name": "One", "active": True})).json()
        two = (await http.post(f"{ws}/projects", json={"name": "Two", "active": True})).json()
        made = [await ok(http, "create_project_group", "POST", f"{ws}/project_groups",
                         json={"group_id": group["id"], "project_id": p["id"]}) for p in (one, two)]  # fmt: skip
        only_one = await ok(
            http, "list_project_groups", "GET", f"{ws}/project_groups", params={"project_ids": one["id"]}
        )
        await ok(http, "delete_project_group", "DELETE", f"{ws}/project_groups/{made[0]['id']}")
        left = await ok(http, "list_project_groups", "GET", f"{ws}/project_groups")
    assert [(p["group_id"], p["pid"]) for p in only_one] == [(group["id"], one["id"])]
    assert [p["pid"] for p in left] == [two["id"]]


async def test_enabled_constraints_refuse_a_new_entry_without_the_required_fields() -> None:
    fake, admin, member, ws = setup()
    wid = admin.default_workspace_id
    async with fake.http_client(admin) as http, fake.http_client(member) as other:
        rules = {"time_entry_constraints_enabled": True, "description_present": True, "project_present": True}
        not_admin = await call(
            other, "update_time_entry_constraints", "POST", f"{ws}/time_entry_constraints", json=rules
        )
        assert await ok(http, "update_time_entry_constraints", "POST", f"{ws}/time_entry_constraints", json=rules) == {
            "wid": wid
        }
        shown = await ok(other, "get_time_entry_constraints", "GET", f"{ws}/time_entry_constraints")
        project = (await http.post(f"{ws}/projects", json={"name": "P", "active": True, "is_private": False})).json()
        bare = await entry(other, ws, wid, "2024-12-18T08:00:00Z", 60, description="standup")
        complete = await entry(other, ws, wid, "2024-12-18T08:00:00Z", 60, description="standup",
                               project_id=project["id"])  # fmt: skip
        await ok(http, "update_time_entry_constraints", "POST", f"{ws}/time_entry_constraints",
                 json={"time_entry_constraints_enabled": False})  # fmt: skip
        relaxed = await entry(other, ws, wid, "2024-12-18T09:00:00Z", 60)
    assert not_admin.status_code == 400 and not_admin.json() == "Admin permissions required"  # [V:SW26]
    assert shown["project_present"] is True and shown["tag_present"] is False
    assert bare.status_code == 400 and "project" in bare.json()
    assert complete.status_code == 200 and relaxed.status_code == 200
