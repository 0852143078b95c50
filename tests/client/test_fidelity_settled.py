"""spec-fidelity.md settled (issue 14): behaviour that changed with the evidence, through the public client.

Each test names its evidence: VCR = Toggl's recorded traffic (go-api-libs/toggl pkg/toggl/vcr, Dec 2024);
SW24/SW26 = Toggl's published swagger files (2024 and 2026 copies); SUP-LIM / SUP-FAQ = Toggl's support
articles on API limits; togglCli = AuHau/toggl-cli, whose live tests create projects with `color: null`.
"""

from __future__ import annotations

import datetime
import json

import httpx
import pytest
from spec_tools import load_spec, operations, resolve, success_responses

from toggl_async import GoneError, Toggl, TogglAPIError
from toggl_async.models import ClientPayload, ProjectPayload, TaskPayload, TimeEntryCreate, TimeEntryUpdate
from toggl_async.testing import FakeClock, FakeToggl, FakeUser

MONDAY = datetime.datetime(2024, 12, 16, 8, tzinfo=datetime.UTC)
QUOTA_HEADERS = ("X-Toggl-Quota-Remaining", "X-Toggl-Quota-Resets-In")


class Recording(httpx.AsyncBaseTransport):
    """Forwards to the fake and keeps each request body."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.bodies = inner, list[bytes]()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(await request.aread())
        return await self.inner.handle_async_request(request)


def _fake(plan: str = "Premium") -> tuple[FakeToggl, FakeClock, int, str]:
    clock = FakeClock(datetime.datetime(2024, 12, 16, 9, tzinfo=datetime.UTC))
    fake = FakeToggl(clock=clock, rate=None, quotas=False)
    user = fake.add_user("a@example.com", plan=plan)
    return fake, clock, user.default_workspace_id, user.api_token


def _entry(wid: int, **fields: object) -> TimeEntryCreate:
    return TimeEntryCreate(created_with="t", workspace_id=wid, start=MONDAY, **fields)  # type: ignore[arg-type]


# ---------------------------------------------------------------- explicit null vs UNSET, per field
async def test_null_stop_runs_the_entry_again_and_an_absent_stop_keeps_it() -> None:
    # A running entry reads stop null, duration negative [V:SEED2, VCR]; so null clears the stop [I].
    fake, clock, wid, token = _fake()
    transport = Recording(fake.transport())
    async with Toggl(token, transport=transport, clock=clock, rate=None) as toggl:
        other = await toggl.time_entries.create_time_entry(wid, body=_entry(wid, duration=-1))
        entry = await toggl.time_entries.create_time_entry(wid, body=_entry(wid, duration=600))
        kept = await toggl.time_entries.update_time_entry(wid, entry.id, body=TimeEntryUpdate(description="x"))
        running = await toggl.time_entries.update_time_entry(wid, entry.id, body=TimeEntryUpdate(stop=None))
        current = await toggl.time_entries.get_current_time_entry()
        stopped_other = await toggl.time_entries.get_time_entry(other.id)
    assert kept.stop is not None and kept.duration == 600
    assert json.loads(transport.bodies[-3]) == {"stop": None}
    assert running.stop is None and running.duration < 0
    assert current is not None and current.id == entry.id  # one timer at a time: the other one stopped
    assert stopped_other.stop is not None


async def test_a_create_with_explicit_nulls_stores_none_of_them() -> None:
    # Toggl's own clients send null for "none" on create (spec-fidelity.md); the answer reads as empty.
    fake, clock, wid, token = _fake()
    transport = Recording(fake.transport())
    async with Toggl(token, transport=transport, clock=clock, rate=None) as toggl:
        body = _entry(wid, duration=60, description=None, project_id=None, task_id=None, tags=None, stop=None)
        entry = await toggl.time_entries.create_time_entry(wid, body=body)
    sent = json.loads(transport.bodies[-1])
    assert {k: sent[k] for k in ("description", "project_id", "task_id", "tags", "stop")} == dict.fromkeys(
        ("description", "project_id", "task_id", "tags", "stop")
    )
    assert (entry.description, entry.project_id, entry.task_id) == (None, None, None)
    assert not entry.tags  # a create answer with no tags reads tags null [V:VCR]
    assert entry.duration == 60 and entry.stop is not None


async def test_null_color_is_accepted_and_keeps_a_color_an_absent_one_too() -> None:
    # togglCli sends every unset project field as null and its live tests pass [V:CLI]; every project
    # answer carries a color (Project.color is a string, never null) [V:SW26, VCR]: null cannot remove it.
    fake, clock, wid, token = _fake()
    transport = Recording(fake.transport())
    async with Toggl(token, transport=transport, clock=clock, rate=None) as toggl:
        project = await toggl.projects.create_project(wid, body=ProjectPayload(name="P", active=True, color="#0b83d9"))
        nulled = await toggl.projects.update_project(wid, project.id, body=ProjectPayload(color=None))
        renamed = await toggl.projects.update_project(wid, project.id, body=ProjectPayload(name="Q"))
    assert json.loads(transport.bodies[-2]) == {"color": None}
    assert nulled.color == renamed.color == "#0b83d9"
    assert "color" not in json.loads(transport.bodies[-1])


async def test_null_cid_and_task_id_clear_and_absent_ones_keep() -> None:
    fake, clock, wid, token = _fake()
    async with Toggl(token, transport=fake.transport(), clock=clock, rate=None) as toggl:
        client = await toggl.clients.create_client(wid, body=ClientPayload(name="C"))
        project = await toggl.projects.create_project(wid, body=ProjectPayload(name="P", active=True, cid=client.id))
        kept = await toggl.projects.update_project(wid, project.id, body=ProjectPayload(name="P2"))
        cleared = await toggl.projects.update_project(wid, project.id, body=ProjectPayload(cid=None))
        task = await toggl.tasks.create_task(wid, project.id, body=TaskPayload(name="T"))
        entry = await toggl.time_entries.create_time_entry(
            wid, body=_entry(wid, duration=60, project_id=project.id, task_id=task.id)
        )
        same = await toggl.time_entries.update_time_entry(wid, entry.id, body=TimeEntryUpdate(billable=False))
        untasked = await toggl.time_entries.update_time_entry(wid, entry.id, body=TimeEntryUpdate(task_id=None))
    assert kept.client_id == client.id and cleared.client_id is None
    assert same.task_id == task.id and untasked.task_id is None and untasked.project_id == project.id


async def test_a_wrongly_typed_stop_is_a_typed_400(http: httpx.AsyncClient, user: FakeUser) -> None:
    # stop must be an RFC 3339 instant or null; a number is refused with a message, not stored [V:SW24 400s].
    wid = user.default_workspace_id
    body = {"created_with": "t", "workspace_id": wid, "start": "2024-12-16T08:00:00Z", "duration": 60}
    created = (await http.post(f"/api/v9/workspaces/{wid}/time_entries", json=body)).json()
    answer = await http.put(f"/api/v9/workspaces/{wid}/time_entries/{created['id']}", json={"stop": 5})
    assert answer.status_code == 400 and isinstance(answer.json(), str)
    again = (await http.get(f"/api/v9/me/time_entries/{created['id']}")).json()
    instant = datetime.datetime.fromisoformat
    assert instant(again["stop"]) == instant(created["stop"])  # each route writes its own format [V:VCR]


# ---------------------------------------------------------------- quota headers, wording and values
def test_every_track_reports_and_insights_success_declares_the_quota_headers() -> None:
    # Usage is in the response headers of API calls [V:SUP-FAQ]; header names [V:CLI beauraines/toggl-cli#227].
    missing = [
        (op.operation_id, code)
        for op in operations()
        if not op.path.startswith("/webhooks/")
        for code, response in success_responses(op).items()
        if not all(name in response.get("headers", {}) for name in QUOTA_HEADERS)
    ]
    hint = "add to each: headers: {X-Toggl-Quota-Remaining: {$ref: '#/components/headers/QuotaRemaining'}, ...}"
    assert missing == [], hint


def test_the_quota_text_says_sliding_window_per_user_per_organization_and_the_plan_sizes() -> None:
    text = " ".join(resolve({"$ref": "#/components/responses/PaymentRequired"})["description"].split())
    facts = ("sliding window per user per organization", "Free 30", "Starter 240", "Premium 600", "30 on any plan")
    assert [words for words in facts if words not in text] == []
    assert "hourly" not in load_spec()["paths"]["/api/v9/me/quota"]["get"]["summary"]


@pytest.mark.parametrize(("plan", "workspace_size"), [("Free", 30), ("Starter", 240), ("Premium", 600)])
async def test_the_fake_reports_the_plan_quota_per_organization_and_30_for_the_user(
    plan: str, workspace_size: int
) -> None:
    # Free 30, Starter 240, Premium 600 per user per organization; /me calls 30 whatever the plan [V:SUP-LIM].
    fake, clock, wid, token = _fake(plan)
    async with Toggl(token, transport=fake.transport(), clock=clock, rate=None) as toggl:
        await toggl.me.get_me()
        await toggl.projects.list_projects(wid)
        await toggl.projects.list_projects(wid)
        me, workspace = toggl.quota_for("/api/v9/me"), toggl.quota_for(f"/api/v9/workspaces/{wid}/projects")
    assert me.remaining == 30 - 1
    assert workspace.remaining == workspace_size - 2
    assert workspace.resets_in is not None and 3590 <= workspace.resets_in <= 3600


async def test_error_answers_carry_the_quota_headers_too(fake: FakeToggl, http: httpx.AsyncClient) -> None:
    wid = next(iter(fake.store.tables["workspaces"]))
    missing = await http.get(f"/api/v9/workspaces/{wid}/projects/999999")
    refused = await http.post(f"/api/v9/workspaces/{wid}/projects", json={"name": ""})
    assert (missing.status_code, refused.status_code) == (404, 400)
    for answer in (missing, refused):
        assert all(int(answer.headers[name]) >= 0 for name in QUOTA_HEADERS)


# ---------------------------------------------------------------- 410: a retired route
def test_every_operation_declares_410() -> None:
    missing = [op.operation_id for op in operations() if "410" not in op.body["responses"]]
    assert missing == [], "add to each: '410': {$ref: '#/components/responses/Gone'}"


async def test_a_410_is_a_gone_error_and_is_not_retried() -> None:
    # Toggl answered 410 Gone on Reports v2 and API v8 once retired [V:issues toggl/toggl_api_docs#424,
    # AuHau/toggl-cli#303]: calling again never helps, so the SDK neither retries nor hides it.
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(410, json="This API version has been retired")

    async with Toggl("token", transport=httpx.MockTransport(handler), rate=None) as toggl:
        with pytest.raises(GoneError) as caught:
            await toggl.me.get_me()
    assert len(sent) == 1 and caught.value.status == 410 and isinstance(caught.value, TogglAPIError)
    assert "retired" in str(caught.value) and "token" not in str(caught.value)


async def test_the_fake_answers_410_under_retired_api_versions(http: httpx.AsyncClient) -> None:
    for path in ("/api/v8/me", "/reports/api/v2/details"):
        answer = await http.get(path)
        assert answer.status_code == 410 and "retired" in answer.json()
    assert (await http.get("/api/v9/nothing-here")).status_code == 404


# ---------------------------------------------------------------- organization subscription (SW26)
async def test_an_organization_with_its_sw26_subscription_decodes_typed() -> None:
    org = {
        "id": 7, "name": "Org", "admin": True, "owner": True, "server_deleted_at": None,
        "subscription": {
            "billing_period_months": 12, "created_at": "2026-01-02T03:04:05Z", "enterprise": False,
            "plan": "starter", "plan_name": "Starter", "seats": 5, "state": "a-state-added-later",
            "trial": {"active": False, "available": True, "end_date": None, "plan": None},
        },
    }  # fmt: skip
    old = {"id": 8, "name": "Old", "admin": True, "owner": True}  # Dec-2024 answers carry none [V:VCR]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[org, old])

    async with Toggl("token", transport=httpx.MockTransport(handler), rate=None) as toggl:
        new, legacy = await toggl.me.list_my_organizations()
    assert new.subscription is not None and new.subscription.plan == "starter" and new.subscription.seats == 5
    assert new.subscription.state == "a-state-added-later"  # free text: a new state does not fail decoding
    assert new.subscription.trial is not None and new.subscription.trial.available is True
    assert not legacy.subscription


async def test_the_fake_tells_each_organization_its_plan() -> None:
    # SW26's MeOrganization carries subscription {plan, plan_name, state, ...} [V:SW26]; the values follow
    # the organization's plan [I].
    fake, clock, _wid, token = _fake("Starter")
    async with Toggl(token, transport=fake.transport(), clock=clock, rate=None) as toggl:
        (org,) = await toggl.me.list_my_organizations()
        same = await toggl.organizations.get_organization(org.id)
    assert org.subscription is not None and (org.subscription.plan, org.subscription.state) == ("starter", "active")
    assert same.subscription == org.subscription and org.subscription.plan_name == "Starter"
