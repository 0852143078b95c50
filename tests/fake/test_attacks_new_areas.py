"""Hostile requests against the fake's newer computed areas: each answers a clear 4xx or stays consistent.

Found by attacking saved reports, schedules, alerts, invoices, exports, iCal, sharing, preferences and expenses
over the fake's HTTP interface and the public client: a body nested too deep, a saved state holding an expense
or saved reports, a shared running entry accepted next to a running one, control characters in an iCal feed,
a 10 MB preference, and the alerts, schedules and invoices of deleted projects and departed members.
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fake_scenario import FORM_REQUESTS, Scenario, accept_everything, body_for, build, path_for
from hypothesis import HealthCheck, given, settings, strategies as st
from spec_tools import SpecOperation, operations
from spec_validation import assert_matches_spec

from toggl_async import BadRequestError, Toggl
from toggl_async.models import AlertPayload, UserInvoiceCreate, UserInvoiceItemInput
from toggl_async.testing import FakeClock, FakeToggl
from toggl_async.testing.http import HANDLERS
from toggl_async.testing.state import load_state, save_state

NOW = datetime.datetime(2024, 12, 16, 9, 0, tzinfo=datetime.UTC)
PDF = b"%PDF-1.4 receipt"


@pytest.fixture
def fake() -> FakeToggl:
    return FakeToggl(clock=FakeClock(NOW), rate=None, quotas=False)


@pytest.fixture
async def scenario(fake: FakeToggl) -> AsyncIterator[tuple[Scenario, httpx.AsyncClient]]:
    ids, http = await build(fake)
    try:
        yield ids, http
    finally:
        await http.aclose()


def toggl_of(fake: FakeToggl, index: int = 0) -> Toggl:
    return Toggl(fake.users[index].api_token, transport=fake.transport(), clock=fake.clock, rate=None)


# ---- request bodies


@pytest.mark.parametrize(
    ("operation_id", "method", "path"),
    [
        ("create_saved_report", "POST", "/api/v9/workspaces/{workspace_id}/reports/shared"),
        ("create_alert", "POST", "/api/v9/workspaces/{workspace_id}/alerts"),
        ("update_my_preferences", "POST", "/api/v9/me/preferences"),
    ],
)
async def test_a_body_nested_too_deep_is_a_400_not_a_crash(
    scenario: tuple[Scenario, httpx.AsyncClient], operation_id: str, method: str, path: str
) -> None:
    ids, http = scenario
    nested = b"[" * 100_000 + b"]" * 100_000
    response = await http.request(
        method, path.format(**ids), content=nested, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text[:200]
    assert_matches_spec(operation_id, response)


async def test_a_ten_megabyte_preference_is_refused(scenario: tuple[Scenario, httpx.AsyncClient]) -> None:
    _, http = scenario
    rule = {"id": "r1", "workspace_id": 1, "parameters": {"window_title": "a" * 10_000_000}}
    response = await http.post("/api/v9/me/preferences", json={"windows_auto_tracking_rules": [rule]})
    assert response.status_code == 400, response.status_code
    assert_matches_spec("update_my_preferences", response)
    assert len((await http.get("/api/v9/me/preferences")).content) < 100_000


# ---- saved state


async def test_a_saved_state_with_an_expense_and_saved_reports_loads_back(
    fake: FakeToggl, scenario: tuple[Scenario, httpx.AsyncClient], tmp_path: Path
) -> None:
    ids, http = scenario
    wid = ids["workspace_id"]
    upload = await http.post(
        f"/api/v9/workspaces/{wid}/expenses/upload", files={"file": ("taxi.pdf", PDF, "application/pdf")}
    )
    assert upload.status_code == 200
    before = {path: (await http.get(path)).json() for path in (
        f"/api/v9/workspaces/{wid}/expenses", f"/api/v9/workspaces/{wid}/reports/shared",
        f"/api/v9/workspaces/{wid}/scheduled_reports",
    )}  # fmt: skip
    assert all(before.values())
    save_state(fake, tmp_path / "state.json")
    loaded = load_state(tmp_path / "state.json", clock=fake.clock)
    async with loaded.http_client(loaded.users[0]) as again:
        assert {path: (await again.get(path)).json() for path in before} == before
        saved = before[f"/api/v9/workspaces/{wid}/reports/shared"][0]
        run = await again.post(f"/reports/api/v3/shared/{saved['token']}", json={})
        assert run.status_code == 200, run.text[:200]
        created = await again.post(f"/api/v9/workspaces/{wid}/reports/shared", json={
            "name": "After reload", "public": False, "fixed_daterange": False, "params": {"report_type": "detailed"},
        })  # fmt: skip
        assert created.json()["id"] not in {r["id"] for r in before[f"/api/v9/workspaces/{wid}/reports/shared"]}
        second = await again.post(f"/api/v9/workspaces/{wid}/expenses/upload",
                                  files={"file": ("b.pdf", PDF, "application/pdf")})  # fmt: skip
        assert second.json()["id"] != upload.json()["id"]


# ---- time entry sharing


async def test_accepting_a_shared_running_entry_leaves_one_running_entry(
    fake: FakeToggl, scenario: tuple[Scenario, httpx.AsyncClient]
) -> None:
    ids, http = scenario
    wid = ids["workspace_id"]
    shared = await http.post(f"/api/v9/workspaces/{wid}/time_entries", auth=ids.member_auth, json={
        "created_with": "tests", "workspace_id": wid, "start": "2024-12-16T08:50:00Z", "duration": -1,
        "shared_with_user_ids": [ids["owner_id"]],
    })  # fmt: skip
    assert shared.status_code == 200
    invitations = (await http.get(f"/api/v9/workspaces/{wid}/time_entry_invitations")).json()
    running = next(i for i in invitations if i["time_entry"]["id"] == shared.json()["id"])
    path = f"/api/v9/workspaces/{wid}/time_entry_invitations/{running['time_entry_invitation_id']}/accept"
    assert (await http.post(path)).status_code == 204
    async with toggl_of(fake, 0) as toggl:
        entries = await toggl.time_entries.list_time_entries()
    assert len([e for e in entries if e.duration < 0]) == 1


# ---- iCal


async def test_control_characters_never_break_an_ical_line(scenario: tuple[Scenario, httpx.AsyncClient]) -> None:
    ids, http = scenario
    wid = ids["workspace_id"]
    created = await http.post(f"/api/v9/workspaces/{wid}/time_entries", json={
        "created_with": "tests", "workspace_id": wid, "start": "2024-12-16T05:00:00Z", "duration": 60,
        "description": "one\rtwo\r\nthree\x00four\x07five",
    })  # fmt: skip
    assert created.status_code == 200
    feed = (await http.get(f"/api/v9/ical/workspace_user/{ids['token']}")).content
    lines = feed.split(b"\r\n")
    assert all(b"\r" not in line and b"\n" not in line for line in lines)
    assert not any(byte < 0x20 and byte != 0x09 for line in lines for byte in line)
    summary = next(line for line in lines if line.startswith(b"SUMMARY:one"))
    assert summary == b"SUMMARY:one\\ntwo\\nthreefourfive"


# ---- what deleting a project or a member leaves behind


async def test_an_alert_goes_with_its_deleted_project(
    fake: FakeToggl, scenario: tuple[Scenario, httpx.AsyncClient]
) -> None:
    ids, http = scenario
    wid = ids["workspace_id"]
    assert (await http.delete(f"/api/v9/workspaces/{wid}/projects/{ids['project_id']}")).status_code == 200
    async with toggl_of(fake, 0) as toggl:
        assert await toggl.alerts.list_alerts(wid) == []
    response = await http.delete(f"/api/v9/workspaces/{wid}/alerts/{ids['alert_id']}")
    assert response.status_code == 403  # Toggl's "Alert not found or not accessible"
    assert_matches_spec("delete_alert", response)


async def test_a_departed_member_is_no_longer_a_recipient(
    fake: FakeToggl, scenario: tuple[Scenario, httpx.AsyncClient]
) -> None:
    ids, http = scenario
    wid = ids["workspace_id"]
    alert = await http.post(f"/api/v9/workspaces/{wid}/alerts", json={
        "project_id": ids["project_id"], "source_kind": "project", "threshold_type": "hours", "thresholds": [5],
        "receiver_users": [ids["owner_id"], ids["user_id"]],
    })  # fmt: skip
    schedule = await http.post(f"/api/v9/workspaces/{wid}/scheduled_reports", json={
        "bookmark_id": ids["report_id"], "frequency": 7, "user_ids": [ids["owner_id"], ids["user_id"]],
    })  # fmt: skip
    assert alert.status_code == schedule.status_code == 200
    removed = await http.delete(f"/api/v9/workspaces/{wid}/workspace_users/{ids['workspace_user_id']}")
    assert removed.status_code == 200
    alerts = (await http.get(f"/api/v9/workspaces/{wid}/alerts")).json()
    assert all(ids["user_id"] not in a["receiver_users"] for a in alerts)
    schedules = (await http.get(f"/api/v9/workspaces/{wid}/scheduled_reports")).json()
    assert all(ids["user_id"] not in s["user_ids"] for s in schedules)
    listed = await http.get(f"/api/v9/workspaces/{wid}/reports/shared")
    assert all(ids["user_id"] not in r["scheduled_email_uids"] for r in listed.json())


# ---- size and who sees what


async def test_an_invoice_of_huge_texts_is_refused(scenario: tuple[Scenario, httpx.AsyncClient]) -> None:
    ids, http = scenario
    path = f"/api/v9/workspaces/{ids['workspace_id']}/invoices"
    base = {"date": "2024-12-16", "currency": "EUR", "items": [{"description": "Design", "quantity": 1, "amount": 1}]}
    huge_lines = base | {"items": [{"description": "x" * 20_000, "quantity": 1, "amount": 1}] * 500}
    for body in (huge_lines, base | {"message": "m" * 1_000_000}, base | {"billing_address": "b" * 1_000_000}):
        response = await http.post(path, json=body)
        assert response.status_code == 400, response.status_code
        assert_matches_spec("create_workspace_invoice", response)
    assert (await http.get(path)).json() == [(await http.get(path)).json()[0]]  # the scenario's invoice only


async def test_organization_statistics_show_a_member_only_their_workspaces(
    fake: FakeToggl, scenario: tuple[Scenario, httpx.AsyncClient]
) -> None:
    ids, http = scenario
    store = fake.store
    org = store.tables["organizations"][ids["organization_id"]]
    other = store.add_workspace(org, store.tables["users"][ids["owner_id"]], "Board only")
    path = f"/api/v9/organizations/{ids['organization_id']}/workspaces/statistics"
    as_owner = (await http.get(path)).json()
    assert set(as_owner) == {str(ids["workspace_id"]), str(other["id"])}
    as_member = await http.get(path, auth=ids.member_auth)
    assert_matches_spec("get_organization_workspaces_statistics", as_member)
    assert set(as_member.json()) == {str(ids["workspace_id"])}


async def test_a_transfer_to_a_member_who_left_no_longer_blocks_the_next(
    scenario: tuple[Scenario, httpx.AsyncClient],
) -> None:
    ids, http = scenario
    oid = ids["organization_id"]
    assert (await http.delete(f"/api/v9/organizations/{oid}/users/leave", auth=ids.member_auth)).status_code == 200
    listed = await http.get(f"/api/v9/organizations/{oid}/owner/transfer", params={"ongoing": "true"})
    assert_matches_spec("list_owner_transfers", listed)
    assert listed.json() == []
    (ended,) = (await http.get(f"/api/v9/organizations/{oid}/owner/transfer")).json()
    assert (ended["owner_transfer_id"], ended["outcome_name"]) == (ids["transfer_id"], "withdrawn")
    again = await http.post(f"/api/v9/organizations/{oid}/owner/transfer", json={"new_owner_id": ids["guest_id"]})
    assert again.status_code == 200, again.text


# ---- through the public client: typed errors, nothing secret in them, concurrent creates


async def test_hostile_values_through_the_client_are_typed_errors_without_the_token(fake: FakeToggl) -> None:
    ids, http = await build(fake)
    await http.aclose()
    wid, token = ids["workspace_id"], fake.users[0].api_token
    bad_invoices = [
        UserInvoiceCreate(date=datetime.date(2024, 12, 16), currency="EUR",
                          items=[UserInvoiceItemInput(description="Design", quantity=1, amount=amount)])
        for amount in (-1.0, 1e300, -1e-9)
    ] + [UserInvoiceCreate(date=datetime.date(2024, 12, 16), currency="E\x00R", items=[])]  # fmt: skip
    alert = AlertPayload(project_id=ids["project_id"] + 10**12, source_kind="project", threshold_type="hours",
                         thresholds=[2**62], receiver_users=[-1])  # fmt: skip
    async with toggl_of(fake, 0) as toggl:
        for body in bad_invoices:
            with pytest.raises(BadRequestError) as caught:
                await toggl.user_invoices.create_workspace_invoice(wid, body=body)
            assert token not in str(caught.value) and token not in repr(caught.value)
        with pytest.raises(BadRequestError, match="project"):
            await toggl.alerts.create_alert(wid, body=alert)
        assert len(await toggl.user_invoices.list_workspace_invoices(wid)) == 1  # the scenario's, nothing added


async def test_concurrent_creates_get_distinct_ids(fake: FakeToggl) -> None:
    ids, http = await build(fake)
    wid = ids["workspace_id"]
    body = {"name": "Same", "public": False, "fixed_daterange": False, "params": {"report_type": "weekly"}}
    try:
        reports = await asyncio.gather(*(http.post(f"/api/v9/workspaces/{wid}/reports/shared", json=body)
                                         for _ in range(20)))  # fmt: skip
        receipts = await asyncio.gather(*(http.post(f"/api/v9/workspaces/{wid}/expenses/upload",
                                                    files={"file": (f"{n}.pdf", PDF, "application/pdf")})
                                          for n in range(10)))  # fmt: skip
    finally:
        await http.aclose()
    assert {r.status_code for r in reports + receipts} == {200}
    assert len({r.json()["id"] for r in reports}) == 20 and len({r.json()["token"] for r in reports}) == 20
    assert len({r.json()["id"] for r in receipts}) == 10


async def test_non_finite_numbers_on_the_wire_are_400s(scenario: tuple[Scenario, httpx.AsyncClient]) -> None:
    """The client refuses NaN before sending; other clients send the literals, which Python's parser reads."""
    ids, http = scenario
    path = f"/api/v9/workspaces/{ids['workspace_id']}/invoices"
    for literal in (b"NaN", b"Infinity", b"-Infinity", b"1e999"):
        raw = b'{"date": "2024-12-16", "currency": "EUR", "items": [{"description": "x", "quantity": 1, "amount": %s}]}'
        response = await http.post(path, content=raw % literal, headers={"content-type": "application/json"})
        assert response.status_code == 400, (literal, response.text)
        assert_matches_spec("create_workspace_invoice", response)


async def test_non_finite_rates_and_settings_are_400s_and_the_state_still_saves(
    fake: FakeToggl, scenario: tuple[Scenario, httpx.AsyncClient], tmp_path: Path
) -> None:
    ids, http = scenario
    wid, headers = ids["workspace_id"], {"content-type": "application/json"}
    rate = b'{"level": "project", "level_id": %d, "amount": Infinity, "mode": "start-today"}' % ids["project_id"]
    attempts = [
        ("update_workspace", "PUT", f"/api/v9/workspaces/{wid}", b'{"default_hourly_rate": NaN}'),
        ("create_rate", "POST", f"/api/v9/workspaces/{wid}/rates", rate),
        ("update_track_reminder", "PUT", f"/api/v9/workspaces/{wid}/track_reminders/{ids['reminder_id']}",
         b'{"threshold": NaN}'),
    ]  # fmt: skip
    for operation_id, method, path, raw in attempts:
        response = await http.request(method, path, content=raw, headers=headers)
        assert response.status_code == 400, (operation_id, response.status_code)
        assert_matches_spec(operation_id, response)
    save_state(fake, tmp_path / "state.json")  # allow_nan=False: it fails if a NaN was stored


async def test_rate_history_survives_a_saved_state(
    fake: FakeToggl, scenario: tuple[Scenario, httpx.AsyncClient], tmp_path: Path
) -> None:
    ids, http = scenario
    wid, pid = ids["workspace_id"], ids["project_id"]
    path = f"/api/v9/workspaces/{wid}/rates/project/{pid}"
    first = {"level": "project", "level_id": pid, "amount": 50, "mode": "start-today"}
    assert (await http.post(f"/api/v9/workspaces/{wid}/rates", json=first)).is_success
    before = (await http.get(path)).json()
    assert len(before) == 1
    save_state(fake, tmp_path / "state.json")
    loaded = load_state(tmp_path / "state.json", clock=fake.clock)
    async with loaded.http_client(loaded.users[0]) as again:
        assert (await again.get(path)).json() == before
        changed = await again.post(f"/api/v9/workspaces/{wid}/rates", json={
            "level": "project", "level_id": pid, "amount": 75, "mode": "override-all",
        })  # fmt: skip
        assert changed.is_success, changed.text
        assert [r["amount"] for r in (await again.get(path)).json()] == [75]


@pytest.mark.parametrize(
    "params",
    [
        {"report_type": "detailed", "rounding": 1, "rounding_minutes": 2**40},
        {"report_type": "weekly", "start_date": "2024-12-20", "end_date": "2024-12-01"},
        {"report_type": "summary", "grouping": "nonsense"},
        {"report_type": "summary", "grouping": "users", "sub_grouping": "\x00"},
        {"report_type": "detailed", "description": "d" * 5_000_000},
        {"report_type": "detailed", "user_ids": list(range(100_000))},
    ],
    ids=["rounding", "dates", "grouping", "sub_grouping", "huge-description", "huge-ids"],
)
async def test_a_saved_report_that_could_never_run_or_is_huge_is_not_saved(
    scenario: tuple[Scenario, httpx.AsyncClient], params: dict[str, object]
) -> None:
    ids, http = scenario
    path = f"/api/v9/workspaces/{ids['workspace_id']}/reports/shared"
    before = (await http.get(path)).json()
    response = await http.post(path, json={"name": "Bad", "public": False, "fixed_daterange": True, "params": params})
    assert response.status_code == 400, response.text[:100]
    assert_matches_spec("create_saved_report", response)
    update = await http.put(f"{path}/{ids['report_id']}", json={"params": params})
    assert update.status_code == 400
    assert (await http.get(path)).json() == before


# ---- any JSON at all in the bodies of the new areas' writes

WRITES = [
    op for op in sorted(operations(), key=lambda op: op.operation_id)
    if op.method.upper() in ("POST", "PUT", "PATCH") and op.operation_id not in FORM_REQUESTS
    and HANDLERS[op.operation_id].__module__.rsplit(".", 1)[-1] in {
        "saved_reports_crud", "alerts", "user_invoices", "data_exports", "time_entry_invitations", "project_extras",
        "org_extras", "preferences",
    }
]  # fmt: skip
ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


@pytest.mark.parametrize("operation", WRITES, ids=lambda op: op.operation_id)
def test_any_json_in_a_write_gets_a_documented_answer(operation: SpecOperation) -> None:
    loop = asyncio.new_event_loop()
    ids, http = loop.run_until_complete(build(FakeToggl(clock=FakeClock(NOW), rate=None, quotas=False)))
    base = body_for(operation, ids)
    path = path_for(operation, ids)

    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(value=ANY_JSON, field=st.sampled_from(sorted(base) if isinstance(base, dict) and base else ["x"]))
    def check(value: object, field: str) -> None:
        body = {**base, field: value} if isinstance(base, dict) else value
        response = loop.run_until_complete(http.request(operation.method, path, json=body))
        assert str(response.status_code) in operation.body["responses"], (response.status_code, response.text[:200])
        assert_matches_spec(operation.operation_id, response)

    try:
        check()
    finally:
        loop.run_until_complete(http.aclose())
        loop.close()


# ---- found by the same attacks on the rest of the fake


async def test_nan_in_a_free_form_body_is_a_400(scenario: tuple[Scenario, httpx.AsyncClient]) -> None:
    _, http = scenario
    for raw in (b'{"tour_done": NaN}', b'{"tour_done": -Infinity}', b'{"tour_done": 1e999}'):
        response = await http.post("/api/v9/me/flags", content=raw, headers={"content-type": "application/json"})
        assert response.status_code == 400, (raw, response.status_code)
        assert_matches_spec("update_flags", response)


async def test_a_project_group_with_a_list_for_an_id_is_a_400(scenario: tuple[Scenario, httpx.AsyncClient]) -> None:
    ids, http = scenario
    path = f"/api/v9/workspaces/{ids['workspace_id']}/project_groups"
    for bad in ([], {}, [ids["group_id"]], "1", True):
        response = await http.post(path, json={"group_id": bad, "project_id": ids["project_id"]})
        assert response.status_code == 400, (bad, response.status_code)
        assert_matches_spec("create_project_group", response)


async def test_a_saved_report_run_with_null_dates_answers_its_schema(
    scenario: tuple[Scenario, httpx.AsyncClient],
) -> None:
    ids, http = scenario
    response = await http.post(f"/reports/api/v3/shared/{ids['report_token']}",
                               json={"start_date": None, "end_date": None})  # fmt: skip
    assert response.status_code == 200, response.text[:200]
    assert_matches_spec("run_saved_report", response)


async def test_a_request_body_over_the_limit_is_a_413_read_no_further(
    scenario: tuple[Scenario, httpx.AsyncClient],
) -> None:
    _, http = scenario
    chunks = [0]

    async def body() -> AsyncIterator[bytes]:
        yield b'{"date_format": "'
        for _ in range(512):  # 32 MiB if it were all read
            chunks[0] += 1
            yield b"x" * 65536
        yield b'"}'

    response = await http.post("/api/v9/me/preferences", content=body(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert isinstance(response.json(), str)
    assert chunks[0] <= 16 * 16 + 1  # it stopped reading at the limit, 16 MiB


async def test_the_groups_of_a_workspace_a_member_is_not_in_are_forbidden(
    fake: FakeToggl, scenario: tuple[Scenario, httpx.AsyncClient]
) -> None:
    ids, http = scenario
    store, oid = fake.store, ids["organization_id"]
    other = store.add_workspace(store.tables["organizations"][oid], store.tables["users"][ids["owner_id"]], "Board")
    path = f"/api/v9/organizations/{oid}/workspaces/{{}}/groups"
    assert (await http.get(path.format(other["id"]))).status_code == 200  # an organization admin sees every one
    assert (await http.get(path.format(ids["workspace_id"]), auth=ids.member_auth)).status_code == 200
    refused = await http.get(path.format(other["id"]), auth=ids.member_auth)
    assert refused.status_code == 403
    assert_matches_spec("list_organization_workspace_groups", refused)


@pytest.mark.parametrize(
    ("recurrence", "expected"),
    [
        ({"period": "custom", "custom_period": 1, "project_start_date": "1950-01-01"}, 7),
        ({"period": "weekly", "project_start_date": "1600-01-05"}, 2),
        ({"period": "monthly", "project_start_date": "0001-01-10"}, 2),
    ],
)
async def test_periods_of_a_project_that_began_centuries_ago_are_the_windows_own(
    fake: FakeToggl, scenario: tuple[Scenario, httpx.AsyncClient], recurrence: dict[str, object], expected: int
) -> None:
    ids, http = scenario
    wid, pid = ids["workspace_id"], ids["project_id"]
    updated = await http.put(f"/api/v9/workspaces/{wid}/projects/{pid}",
                             json={"recurring": True, "recurring_parameters": recurrence})  # fmt: skip
    assert updated.status_code == 200, updated.text
    window = {"start_date": "2024-12-09", "end_date": "2024-12-15"}
    response = await http.get(f"/api/v9/workspaces/{wid}/projects/{pid}/periods", params=window)
    assert_matches_spec("list_project_periods", response)
    periods = response.json()
    assert len(periods) == expected, periods
    assert periods[0]["start_date"] <= "2024-12-09" <= periods[0]["end_date"]
    assert periods[-1]["start_date"] <= "2024-12-15" <= periods[-1]["end_date"]


async def test_megabytes_of_recurring_parameters_are_refused(scenario: tuple[Scenario, httpx.AsyncClient]) -> None:
    ids, http = scenario
    wid, pid = ids["workspace_id"], ids["project_id"]
    huge = {"period": "weekly", "project_start_date": "2024-01-01", "note": "n" * 5_000_000}
    response = await http.put(f"/api/v9/workspaces/{wid}/projects/{pid}", json={"recurring_parameters": huge})
    assert response.status_code == 400
    assert_matches_spec("update_project", response)
    assert len((await http.get(f"/api/v9/workspaces/{wid}/projects/{pid}")).content) < 10_000


async def test_flags_cannot_grow_without_bound(scenario: tuple[Scenario, httpx.AsyncClient]) -> None:
    _, http = scenario
    for n in range(3):
        response = await http.post("/api/v9/me/flags", json={f"flag{n}": "f" * 5_000_000})
        assert response.status_code == 400
        assert_matches_spec("update_flags", response)
    kept = await http.post("/api/v9/me/flags", json={"tour_done": True})
    assert kept.status_code == 200 and len(kept.content) < 10_000


async def test_a_member_reaches_none_of_the_others_things(
    fake: FakeToggl, scenario: tuple[Scenario, httpx.AsyncClient]
) -> None:
    """The guest (a plain member) with the ids of the owner's and the member's objects."""
    ids, http = scenario
    guest = httpx.BasicAuth("guest@example.com", "guest-password")
    wid, oid, api = ids["workspace_id"], ids["organization_id"], "/api/v9"
    receipt = await http.post(f"{api}/workspaces/{wid}/expenses/upload", auth=ids.member_auth,
                              files={"file": ("taxi.pdf", PDF, "application/pdf")})  # fmt: skip
    assert receipt.status_code == 200
    refused = [
        ("get_workspace_invoice_pdf", "GET", f"/workspaces/{wid}/invoices/{ids['invoice_id']}.pdf", None, 403),
        ("delete_workspace_invoice", "DELETE", f"/workspaces/{wid}/invoices/{ids['invoice_id']}", None, 403),
        ("get_saved_report", "GET", f"/workspaces/{wid}/reports/shared/{ids['report_id']}", None, 404),
        ("delete_scheduled_report", "DELETE", f"/workspaces/{wid}/scheduled_reports/{ids['scheduled_report_id']}",
         None, 403),
        ("update_alert", "PUT", f"/workspaces/{wid}/alerts/{ids['alert_id']}", {"thresholds": [1]}, 403),
        ("get_owner_transfer", "GET", f"/organizations/{oid}/owner/transfer/{ids['transfer_id']}", None, 403),
        ("update_owner_transfer", "POST", f"/organizations/{oid}/owner/transfer/{ids['transfer_id']}/accept", None,
         403),
        ("list_workspace_data_exports", "GET", f"/workspaces/{wid}/exports", None, 403),
        ("update_workspace_preferences", "POST", f"/workspaces/{wid}/preferences", {"disable_expenses": True}, 403),
    ]  # fmt: skip
    for operation_id, method, path, body, status in refused:
        response = await http.request(method, api + path, json=body, auth=guest)
        assert response.status_code == status, (operation_id, response.status_code, response.text[:100])
        assert_matches_spec(operation_id, response)
    assert (await http.get(f"{api}/workspaces/{wid}/invoices", auth=guest)).json() == []
    assert (await http.get(f"{api}/workspaces/{wid}/expenses", auth=guest)).json() == []
    assert (await http.get(f"{api}/workspaces/{wid}/reports/shared", auth=guest)).json() == []
    mine = await http.get(f"{api}/workspaces/{wid}/expenses", auth=ids.member_auth)
    assert [e["id"] for e in mine.json()] == [receipt.json()["id"]]
    assert (await http.get(f"{api}/me/preferences", auth=guest)).json()["date_format"] == "MM/DD/YYYY"


async def test_webhook_subscriptions_survive_a_saved_state(
    fake: FakeToggl, scenario: tuple[Scenario, httpx.AsyncClient], tmp_path: Path
) -> None:
    ids, http = scenario
    path = f"/webhooks/api/v1/subscriptions/{ids['workspace_id']}"
    before = (await http.get(path)).json()
    assert before
    save_state(fake, tmp_path / "state.json")
    loaded = load_state(tmp_path / "state.json", clock=fake.clock)
    async with loaded.http_client(loaded.users[0]) as again:
        assert (await again.get(path)).json() == before
        validation = (
            f"/webhooks/api/v1/validate/{ids['workspace_id']}/{ids['subscription_id']}/{ids['validation_code']}"
        )
        assert (await again.get(validation)).status_code == 200
        loaded.webhooks.mount("https://hooks.example.com/", accept_everything)
        created = await again.post(path, json={
            "url_callback": "https://hooks.example.com/again", "description": "after reload", "enabled": False,
            "event_filters": [{"entity": "project", "action": "*"}],
        })  # fmt: skip
        assert created.status_code == 200, created.text
        assert created.json()["subscription_id"] not in {s["subscription_id"] for s in before}
