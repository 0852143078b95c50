"""The fake's timesheets and approvals, and rates with their history, as a client of the HTTP API sees them.

Evidence: Toggl's published Track v9 swagger (2026 copy, "SW26": routes, fields, error texts, 402 texts) and
support.toggl.com/en/articles/8473441 ("SUP-APPR": Premium and Enterprise only, weekly periods, the approver
is a workspace admin, a setup is deleted only once its timesheets are unsubmitted, approved time is locked).
"""

from __future__ import annotations

import datetime
from typing import Any

import httpx
from spec_validation import call, ok_with

from toggl_async.testing import FakeClock, FakeToggl, FakeUser

API = "/api/v9"
MONDAY = datetime.datetime(2024, 12, 16, 9, 0, tzinfo=datetime.UTC)  # the fake's today, a Monday


ok = ok_with(200, 201)


class Team:
    """A workspace on `plan` with an admin (the approver) and a member who submits timesheets."""

    def __init__(self, plan: str = "Premium") -> None:
        self.fake = FakeToggl(clock=FakeClock(MONDAY), rate=None, quotas=False)
        self.admin = self.fake.add_user("admin@example.com", plan=plan, fullname="Ada Admin")
        self.member = self.fake.add_user("member@example.com", fullname="Max Member")
        self.wid = self.admin.default_workspace_id
        store = self.fake.store
        store.add_workspace_member(store.tables["workspaces"][self.wid], store.tables["users"][self.member.id])
        self.ws = f"{API}/workspaces/{self.wid}"

    def http(self, user: FakeUser) -> httpx.AsyncClient:
        return self.fake.http_client(user)


async def _setup(team: Team, http: httpx.AsyncClient, start: str = "2024-12-02") -> dict[str, Any]:
    body = {"member_ids": [team.member.id], "approver_ids": [team.admin.id], "start_date": start}
    created = await ok(http, "create_timesheet_setups", "POST", f"{team.ws}/timesheet_setups", json=body)
    assert len(created) == 1
    return created[0]  # type: ignore[no-any-return]


async def test_a_setup_gives_one_pending_timesheet_per_week_up_to_the_current_week() -> None:
    team = Team()
    async with team.http(team.admin) as admin:
        setup = await _setup(team, admin)
        assert (setup["member_id"], setup["approver_id"], setup["periodicity"]) == (
            team.member.id,
            team.admin.id,
            "weekly",
        )
        page = await ok(admin, "list_timesheets", "GET", f"{team.ws}/timesheets")
    assert [t["start_date"] for t in page["data"]] == ["2024-12-02", "2024-12-09", "2024-12-16"]
    assert {t["status"] for t in page["data"]} == {"pending"} and page["total_count"] == 3
    assert page["data"][0]["end_date"] == "2024-12-08"


async def test_submit_then_reject_with_a_comment_then_resubmit_then_approve() -> None:
    team = Team()
    url = "/timesheets/{setup}/2024-12-09"
    async with team.http(team.admin) as admin, team.http(team.member) as member:
        setup = await _setup(team, admin)
        one = f"{team.ws}{url.format(setup=setup['id'])}"
        submitted = await ok(member, "update_timesheet", "PUT", one, json={"status": "submitted"})
        assert submitted["status"] == "submitted" and submitted["submitted_at"]
        # the member may not judge their own timesheet
        assert (await call(member, "update_timesheet", "PUT", one, json={"status": "approved"})).status_code == 403
        rejected = await ok(
            admin, "update_timesheet", "PUT", one, json={"status": "rejected", "rejection_comment": "Fri?"}
        )
        assert (rejected["status"], rejected["rejection_comment"]) == ("rejected", "Fri?")
        assert rejected["approved_or_rejected_id"] == team.admin.id
        # a rejected timesheet cannot be approved before it is submitted again
        again = await call(admin, "update_timesheet", "PUT", one, json={"status": "approved"})
        assert again.status_code == 400 and "transition" in again.json()
        await ok(member, "update_timesheet", "PUT", one, json={"status": "submitted"})
        approved = await ok(admin, "update_timesheet", "PUT", one, json={"status": "approved"})
        assert approved["status"] == "approved" and approved["period_locked"] and approved["rejection_comment"] is None
        mine = await ok(member, "list_my_timesheets", "GET", f"{API}/me/timesheets")
    assert {t["start_date"]: t["status"] for t in mine} == {
        "2024-12-02": "pending", "2024-12-09": "approved", "2024-12-16": "pending",
    }  # fmt: skip


async def test_a_rejection_comment_goes_with_rejected_only() -> None:
    team = Team()
    async with team.http(team.admin) as admin:
        setup = await _setup(team, admin)
        one = f"{team.ws}/timesheets/{setup['id']}/2024-12-09"
        bad = await call(admin, "update_timesheet", "PUT", one, json={"status": "submitted", "rejection_comment": "x"})
    assert bad.status_code == 400 and bad.json() == "Invalid status for rejection comment"  # [V:SW26]


async def test_a_batch_is_all_or_nothing() -> None:
    team = Team()
    async with team.http(team.admin) as admin:
        setup = await _setup(team, admin)
        good = {"timesheet_setup_id": setup["id"], "start_date": "2024-12-02", "status": "submitted"}
        wrong = {"timesheet_setup_id": setup["id"], "start_date": "2024-12-09", "status": "approved"}
        refused = await call(admin, "update_timesheets", "PUT", f"{team.ws}/timesheets", json=[good, wrong])
        assert refused.status_code == 400
        page = await ok(admin, "list_timesheets", "GET", f"{team.ws}/timesheets", params={"statuses": "submitted"})
        assert page["data"] == []
        done = await ok(admin, "update_timesheets", "PUT", f"{team.ws}/timesheets", json=[good])
    assert [t["status"] for t in done] == ["submitted"]


async def test_hours_sum_the_members_stopped_entries_of_that_week() -> None:
    team = Team()
    async with team.http(team.admin) as admin, team.http(team.member) as member:
        setup = await _setup(team, admin)
        for start, seconds in (("2024-12-09T08:00:00Z", 3600), ("2024-12-15T23:00:00Z", 1800),
                               ("2024-12-16T08:00:00Z", 600)):  # fmt: skip
            entry = {"created_with": "tests", "workspace_id": team.wid, "start": start, "duration": seconds}
            assert (await member.post(f"{team.ws}/time_entries", json=entry)).status_code == 200
        asked = [{"timesheet_setup_id": setup["id"], "start_date": "2024-12-09"}]
        hours = await ok(admin, "get_timesheet_hours", "POST", f"{team.ws}/timesheets/hours", json=asked)
        entries = await ok(
            admin, "list_timesheet_time_entries", "GET", f"{team.ws}/timesheets/{setup['id']}/2024-12-09/time_entries"
        )
    assert hours[0]["total_seconds"] == 5400
    assert [e["duration"] for e in entries] == [3600, 1800]


async def test_a_setup_with_submitted_timesheets_cannot_be_deleted() -> None:
    team = Team()
    async with team.http(team.admin) as admin:
        setup = await _setup(team, admin)
        one = f"{team.ws}/timesheet_setups/{setup['id']}"
        await ok(admin, "update_timesheet", "PUT", f"{team.ws}/timesheets/{setup['id']}/2024-12-02",
                 json={"status": "submitted"})  # fmt: skip
        assert (await call(admin, "delete_timesheet_setup", "DELETE", one)).status_code == 400  # [V:SW26, SUP-APPR]
        other = await _setup_for_guest(team, admin)
        assert (
            await call(admin, "delete_timesheet_setup", "DELETE", f"{team.ws}/timesheet_setups/{other}")
        ).status_code == 200
        listed = await ok(admin, "list_timesheet_setups", "GET", f"{team.ws}/timesheet_setups")
    assert [s["id"] for s in listed["data"]] == [setup["id"]]


async def _setup_for_guest(team: Team, admin: httpx.AsyncClient) -> int:
    guest = team.fake.add_user("guest@example.com")
    store = team.fake.store
    store.add_workspace_member(store.tables["workspaces"][team.wid], store.tables["users"][guest.id])
    body = {"member_ids": [guest.id], "approver_ids": [team.admin.id], "start_date": "2024-12-09"}
    return int((await ok(admin, "create_timesheet_setups", "POST", f"{team.ws}/timesheet_setups", json=body))[0]["id"])


async def test_setup_rules_member_once_approver_is_an_admin_and_not_a_member() -> None:
    team = Team()
    async with team.http(team.admin) as admin:
        await _setup(team, admin)
        twice = {"member_ids": [team.member.id], "approver_ids": [team.admin.id], "start_date": "2024-12-09"}
        refused = await call(admin, "create_timesheet_setups", "POST", f"{team.ws}/timesheet_setups", json=twice)
        assert refused.status_code == 400 and refused.json() == "Member already has a timesheet setup"
        guest = team.fake.add_user("guest@example.com")
        store = team.fake.store
        store.add_workspace_member(store.tables["workspaces"][team.wid], store.tables["users"][guest.id])
        by_member = {"member_ids": [guest.id], "approver_ids": [team.member.id], "start_date": "2024-12-09"}
        refused = await call(admin, "create_timesheet_setups", "POST", f"{team.ws}/timesheet_setups", json=by_member)
    assert refused.status_code == 400 and refused.json() == "User is not an admin in the workspace"


async def test_approvals_are_premium_only() -> None:
    team = Team(plan="Starter")
    async with team.http(team.admin) as admin:
        refused = await call(admin, "list_timesheets", "GET", f"{team.ws}/timesheets")
    assert refused.status_code == 402 and refused.json() == "Approvals are a premium feature"  # [V:SW26]


async def test_timesheet_pages_walk_to_the_total() -> None:
    team = Team()
    async with team.http(team.admin) as admin:
        await _setup(team, admin, start="2024-09-02")  # 16 weeks
        first = await ok(admin, "list_timesheets", "GET", f"{team.ws}/timesheets", params={"per_page": 10})
        second = await ok(admin, "list_timesheets", "GET", f"{team.ws}/timesheets", params={"per_page": 10, "page": 2})
        capped = await ok(admin, "list_timesheets", "GET", f"{team.ws}/timesheets", params={"per_page": 5000})
    assert (len(first["data"]), len(second["data"]), first["total_count"]) == (10, 6, 16)
    assert capped["per_page"] == 20  # above 1000 falls back to 20 [V:SW26]


# ---------------------------------------------------------------------------------------- rates
async def _rates(http: httpx.AsyncClient, team: Team, level: str, level_id: int, **params: str) -> list[dict[str, Any]]:
    url = f"{team.ws}/rates/{level}/{level_id}"
    return await ok(http, "list_rates", "GET", url, params=params)  # type: ignore[no-any-return]


async def _rate(http: httpx.AsyncClient, team: Team, **body: Any) -> httpx.Response:
    return await call(http, "create_rate", "POST", f"{team.ws}/rates", json=body)


async def test_start_today_closes_the_current_rate_and_the_project_shows_the_new_one() -> None:
    team = Team()
    async with team.http(team.admin) as admin:
        project = (await admin.post(f"{team.ws}/projects", json={"name": "Site", "active": True})).json()
        created = await _rate(
            admin, team, level="project", level_id=project["id"], amount=80, start="2024-01-01T00:00:00Z"
        )
        assert created.status_code == 201 and created.content == b""  # [V:SW26 "Successfully created."]
        await _rate(admin, team, level="project", level_id=project["id"], amount=95, mode="start-today")
        history = await _rates(admin, team, "project", project["id"])
        shown = (await admin.get(f"{team.ws}/projects/{project['id']}")).json()
    assert [(r["amount"], r["start"], r["end"]) for r in history] == [
        (80, "2024-01-01T00:00:00.000000Z", "2024-12-16T00:00:00.000000Z"),
        (95, "2024-12-16T00:00:00.000000Z", None),
    ]
    assert history[1]["project_id"] == project["id"] and shown["rate"] == 95


async def test_override_current_replaces_and_override_all_rewrites_the_history() -> None:
    team = Team()
    async with team.http(team.admin) as admin:
        level = {"level": "workspace", "level_id": team.wid}
        await _rate(admin, team, **level, amount=50, start="2024-01-01T00:00:00Z")
        await _rate(admin, team, **level, amount=60, mode="start-today")
        await _rate(admin, team, **level, amount=65, mode="override-current")
        current = await _rates(admin, team, "workspace", team.wid)
        assert [(r["amount"], r["end"] is None) for r in current] == [(50, False), (65, True)]
        await _rate(admin, team, **level, amount=70, mode="override-all")
        rewritten = await _rates(admin, team, "workspace", team.wid)
        labor = await _rates(admin, team, "workspace", team.wid, type="labor_costs")
    assert [(r["amount"], r["start"], r["end"]) for r in rewritten] == [(70, None, None)]
    assert labor == []  # billable rates and labor costs have separate histories


async def test_rates_need_a_paid_plan_and_a_known_entity() -> None:
    free = Team(plan="Free")
    async with free.http(free.admin) as admin:
        refused = await _rate(admin, free, level="workspace", level_id=free.wid, amount=10, mode="start-today")
        assert refused.status_code == 402 and "Starter" in refused.json()  # [V:SW26 402 text]
    team = Team()
    async with team.http(team.admin) as admin:
        unknown = await _rate(admin, team, level="task", level_id=1, amount=10, mode="start-today")
        both = await _rate(admin, team, level="workspace", level_id=team.wid, amount=10, mode="start-today",
                           start="2024-01-01T00:00:00Z")  # fmt: skip
        zero = await _rate(admin, team, level="workspace", level_id=team.wid, amount=0, mode="start-today")
    assert unknown.status_code == 400 and unknown.json() == "Task not found in workspace"  # [V:SW26]
    assert both.status_code == 400 and zero.status_code == 400


async def test_members_do_not_see_labor_costs() -> None:
    team = Team()
    async with team.http(team.member) as member:
        refused = await call(member, "list_rates", "GET", f"{team.ws}/rates/workspace/{team.wid}",
                             params={"type": "labor_costs"})  # fmt: skip
    assert refused.status_code == 403


async def test_member_project_member_and_task_rates_keep_their_own_histories() -> None:
    # Rates exist per workspace, member, project, project member and task, each with its own history
    # [V:SW26 rates.Payload level enum]; a member's and a project member's current rate shows on the object.
    team = Team()
    store = team.fake.store
    membership = next(
        m for m in store.live("workspace_users") if m["user_id"] == team.member.id and m["workspace_id"] == team.wid
    )
    async with team.http(team.admin) as admin:
        project = (await admin.post(f"{team.ws}/projects", json={"name": "Site", "active": True})).json()
        task = (await admin.post(f"{team.ws}/projects/{project['id']}/tasks", json={"name": "Build"})).json()
        joined = {"project_id": project["id"], "user_id": team.member.id}
        project_user = (await admin.post(f"{team.ws}/project_users", json=joined)).json()
        levels = [("workspace_user", membership["id"]), ("project_user", project_user["id"]), ("task", task["id"])]
        for level, level_id in levels:
            first = await _rate(admin, team, level=level, level_id=level_id, amount=40, start="2024-01-01T00:00:00Z")
            assert first.status_code == 201, (level, first.text)
            await _rate(admin, team, level=level, level_id=level_id, amount=55, mode="start-today")
        histories = {level: await _rates(admin, team, level, level_id) for level, level_id in levels}
        labor = await _rate(admin, team, level="project_user", level_id=project_user["id"], amount=20,
                            mode="start-today", type="labor_costs")  # fmt: skip
        assert labor.status_code == 201, labor.text
        costs = await _rates(admin, team, "project_user", project_user["id"], type="labor_costs")
        untouched = await _rates(admin, team, "project", project["id"])
    for level, history in histories.items():
        assert [(r["amount"], r["end"] is None) for r in history] == [(40, False), (55, True)], level
    assert [r["amount"] for r in costs] == [20]  # labor costs: a history of their own
    assert untouched == []  # the project's own rate is not its members' or tasks'
    assert store.tables["workspace_users"][membership["id"]]["rate"] == 55
    assert store.tables["project_users"][project_user["id"]]["rate"] == 55
