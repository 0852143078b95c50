"""Reports API v3 of the fake, compared with expectations computed by hand from a small known dataset.

The dataset (clock: Monday 2024-12-16 09:00 UTC; users in UTC; "Website" bills 100 USD/h):

| entry | user | project         | day (start UTC)  | seconds | billable | description | extra      |
|-------|------|-----------------|------------------|---------|----------|-------------|------------|
| e1    | Ada  | Website (Acme)  | Mon 12-09 09:00  | 3600    | yes      | Homepage    | task Design, tag urgent |
| e2    | Ada  | Website (Acme)  | Tue 12-10 10:00  | 1800    | yes      | Homepage    |            |
| e3    | Ada  | Internal        | Tue 12-10 14:00  | 900     | no       | Standup     |            |
| e4    | Bob  | Website (Acme)  | Wed 12-11 08:00  | 7200    | yes      | Backend     |            |
| e5    | Bob  | (none)          | Thu 12-12 12:00  | 600     | no       | Email       |            |
| e6    | Ada  | Website         | Wed 12-11        | 1000    | yes      | deleted     | never counts |
| e7    | Ada  | Website         | Mon 12-16 08:00  | running |          | running     | never counts |
| e8    | Ada  | Website         | Mon 12-02 09:00  | 500     | yes      | Old         | week before |

Week 12-09..12-15: 14100 s in all, on 4 days; billable 12600 s on Website = 35000 cents.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

import attrs
import httpx
import pytest
from spec_validation import assert_matches_spec

from toggl_async.testing import FakeToggl, FakeUser
from toggl_async.testing.store import iso

WEEK = {"start_date": "2024-12-09", "end_date": "2024-12-15"}
NEXT_HEADERS = ("x-next-id", "x-next-row-number", "x-next-timestamp")


@attrs.define
class Data:
    wid: int
    ada: int
    bob: int
    acme: int
    website: int
    internal: int
    design: int
    urgent: int
    e: dict[int, int]  # entry number -> id

    def url(self, tail: str, wid: int | None = None) -> str:
        return f"/reports/api/v3/workspace/{wid or self.wid}/{tail}"


def add_entry(
    fake: FakeToggl, wid: int, user_id: int, start: str, seconds: int, *, project: int | None = None,
    task: int | None = None, billable: bool = False, description: str = "", tag_ids: Iterable[int] = (),
    running: bool = False,
) -> int:  # fmt: skip
    begin = datetime.datetime.fromisoformat(start).replace(tzinfo=datetime.UTC)
    tags = [fake.store.tables["tags"][t]["name"] for t in tag_ids]
    entry = fake.store.insert("time_entries", {
        "workspace_id": wid, "user_id": user_id, "project_id": project, "task_id": task, "billable": billable,
        "start": iso(begin), "stop": None if running else iso(begin + datetime.timedelta(seconds=seconds)),
        "duration": -1 if running else seconds, "description": description, "tags": tags, "tag_ids": list(tag_ids),
        "server_deleted_at": None, "duronly": True,
    })  # fmt: skip
    return int(entry["id"])


def add_project(fake: FakeToggl, wid: int, name: str, **extra: Any) -> int:
    project = {"workspace_id": wid, "name": name, "color": "#0b83d9", "client_id": None, "active": True,
               "billable": False, "is_private": False, "rate": None, "currency": None} | extra  # fmt: skip
    return int(fake.store.insert("projects", project)["id"])


@pytest.fixture
def data(fake: FakeToggl, user: FakeUser) -> Data:
    store, wid = fake.store, user.default_workspace_id
    bob = fake.add_user("bob@example.com", fullname="Bob")
    store.add_workspace_member(store.tables["workspaces"][wid], store.tables["users"][bob.id])
    acme = store.insert("clients", {"wid": wid, "name": "Acme", "archived": False})["id"]
    website = add_project(fake, wid, "Website", client_id=acme, billable=True, rate=100.0, currency="USD")
    internal = add_project(fake, wid, "Internal", color="#c9806b")
    design = store.insert("tasks", {"name": "Design", "project_id": website, "workspace_id": wid, "active": True})
    urgent = store.insert("tags", {"name": "urgent", "workspace_id": wid})["id"]
    a, b = user.id, bob.id
    e = {
        1: add_entry(fake, wid, a, "2024-12-09T09:00", 3600, project=website, task=design["id"], billable=True,
                     description="Homepage", tag_ids=[urgent]),
        2: add_entry(fake, wid, a, "2024-12-10T10:00", 1800, project=website, billable=True, description="Homepage"),
        3: add_entry(fake, wid, a, "2024-12-10T14:00", 900, project=internal, description="Standup"),
        4: add_entry(fake, wid, b, "2024-12-11T08:00", 7200, project=website, billable=True, description="Backend"),
        5: add_entry(fake, wid, b, "2024-12-12T12:00", 600, description="Email"),
        6: add_entry(fake, wid, a, "2024-12-11T15:00", 1000, project=website, billable=True, description="deleted"),
        7: add_entry(fake, wid, a, "2024-12-16T08:00", 0, project=website, description="running", running=True),
        8: add_entry(fake, wid, a, "2024-12-02T09:00", 500, project=website, billable=True, description="Old"),
    }  # fmt: skip
    store.delete("time_entries", store.tables["time_entries"][e[6]])
    return Data(wid, a, b, acme, website, internal, design["id"], urgent, e)


async def post(http: httpx.AsyncClient, operation_id: str, url: str, body: dict[str, Any]) -> httpx.Response:
    response = await http.post(url, json=body)
    assert_matches_spec(operation_id, response)
    return response


def entry_ids(rows: list[dict[str, Any]]) -> list[int]:
    return [te["id"] for row in rows for te in row["time_entries"]]


# ---- detailed report
async def test_detailed_rows_are_computed_newest_first(http: httpx.AsyncClient, data: Data) -> None:
    response = await post(http, "get_detailed_report", data.url("search/time_entries"), WEEK)
    assert response.status_code == 200
    rows = response.json()
    assert entry_ids(rows) == [data.e[5], data.e[4], data.e[3], data.e[2], data.e[1]]
    assert [r["row_number"] for r in rows] == [1, 2, 3, 4, 5]
    first = rows[-1]
    assert {k: v for k, v in first.items() if k not in ("time_entries", "row_number")} == {
        "user_id": data.ada, "username": "Ada", "email": "ada@example.com", "toggl_accounts_id": None,
        "description": "Homepage", "billable": True, "project_id": data.website, "project_name": "Website",
        "project_color": "#0b83d9", "project_hex": "#0b83d9", "client_name": "Acme", "task_id": data.design,
        "task_name": "Design", "tag_ids": [data.urgent], "tag_names": ["urgent"], "currency": "USD",
        "hourly_rate_in_cents": 10000, "billable_amount_in_cents": 10000,
    }  # fmt: skip
    (single,) = first["time_entries"]
    assert single["seconds"] == 3600
    assert (single["start"], single["stop"]) == ("2024-12-09T09:00:00+00:00", "2024-12-09T10:00:00+00:00")
    no_project = rows[0]
    assert no_project["project_id"] is None and no_project["client_name"] is None
    assert no_project["billable_amount_in_cents"] == 0
    assert rows[2]["hourly_rate_in_cents"] is None  # Internal has no rate, nor has the workspace
    assert response.headers["x-range-start"] == "2024-12-09" and response.headers["x-range-end"] == "2024-12-15"
    assert response.headers["x-page-size"] == "50"
    assert not any(h in response.headers for h in NEXT_HEADERS)


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ({"order_dir": "ASC"}, [1, 2, 3, 4, 5]),
        ({"order_by": "duration", "order_dir": "DESC"}, [4, 1, 2, 3, 5]),
        ({"order_by": "description", "order_dir": "ASC"}, [4, 5, 1, 2, 3]),
        ({"order_by": "user", "order_dir": "ASC"}, [1, 2, 3, 4, 5]),
    ],
)
async def test_detailed_ordering(
    http: httpx.AsyncClient, data: Data, order: dict[str, str], expected: list[int]
) -> None:
    response = await post(http, "get_detailed_report", data.url("search/time_entries"), WEEK | order)
    assert entry_ids(response.json()) == [data.e[n] for n in expected]


async def test_detailed_pagination_over_three_pages(fake: FakeToggl, http: httpx.AsyncClient, data: Data) -> None:
    # Two more entries make 7 rows in the week: pages of 3, 3 and 1.
    extra = [add_entry(fake, data.wid, data.ada, f"2024-12-13T0{h}:00", 60, description="x") for h in (8, 9)]
    body: dict[str, Any] = WEEK | {"page_size": 3, "order_dir": "ASC"}
    pages: list[list[dict[str, Any]]] = []
    while True:
        response = await post(http, "get_detailed_report", data.url("search/time_entries"), body)
        assert response.status_code == 200
        pages.append(response.json())
        if "x-next-row-number" not in response.headers:
            assert not any(h in response.headers for h in NEXT_HEADERS)
            break
        next_row = int(response.headers["x-next-row-number"])
        assert next_row == 3 * len(pages) + 1
        assert int(response.headers["x-next-timestamp"]) > 0
        body = body | {"first_id": int(response.headers["x-next-id"]), "first_row_number": next_row,
                       "first_timestamp": int(response.headers["x-next-timestamp"])}  # fmt: skip
    assert [len(page) for page in pages] == [3, 3, 1]
    rows = [row for page in pages for row in page]
    assert [row["row_number"] for row in rows] == list(range(1, 8))
    assert entry_ids(rows) == [data.e[n] for n in (1, 2, 3, 4, 5)] + extra
    # X-Next-ID names the first entry of the following page; first_id alone resumes there too.
    again = await post(http, "get_detailed_report", data.url("search/time_entries"),
                       WEEK | {"page_size": 3, "order_dir": "ASC", "first_id": data.e[4]})  # fmt: skip
    assert entry_ids(again.json()) == [data.e[4], data.e[5], extra[0]]
    assert [row["row_number"] for row in again.json()] == [4, 5, 6]


async def test_detailed_grouped_merges_similar_entries(http: httpx.AsyncClient, data: Data) -> None:
    body = WEEK | {"grouped": True, "project_ids": [data.website], "user_ids": [data.ada], "tag_ids": [None]}
    response = await post(http, "get_detailed_report", data.url("search/time_entries"), body)
    (row,) = response.json()  # e1 carries a tag, so only e2 is left
    assert entry_ids([row]) == [data.e[2]]
    body = WEEK | {"grouped": True, "description": "homepage"}
    tagged_apart = await post(http, "get_detailed_report", data.url("search/time_entries"), body)
    assert len(tagged_apart.json()) == 2  # e1 (tagged) and e2 differ in tags: two rows


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"project_ids": [None]}, {5}),
        ({"client_ids": ["acme"]}, {1, 2, 4}),
        ({"client_ids": [None]}, {3, 5}),
        ({"tag_ids": ["urgent"]}, {1}),
        ({"tag_ids": [None]}, {2, 3, 4, 5}),
        ({"task_ids": ["design"]}, {1}),
        ({"task_ids": [None], "project_ids": ["website"]}, {2, 4}),
        ({"user_ids": ["bob"]}, {4, 5}),
        ({"billable": True}, {1, 2, 4}),
        ({"billable": False}, {3, 5}),
        ({"description": "HOME"}, {1, 2}),
        ({"min_duration_seconds": 1800}, {1, 2, 4}),
        ({"max_duration_seconds": 900}, {3, 5}),
        ({"time_entry_ids": ["e3", "e8"]}, {3}),  # e8 lies outside the dates
        ({"start_date": "2024-12-01", "end_date": "2024-12-09"}, {8, 1}),
        ({"start_date": "2024-12-10", "end_date": "2024-12-10"}, {2, 3}),
    ],
)
async def test_detailed_filters(
    http: httpx.AsyncClient, data: Data, filters: dict[str, Any], expected: set[int]
) -> None:
    names = {"acme": data.acme, "urgent": data.urgent, "design": data.design, "website": data.website,
             "bob": data.bob, "e3": data.e[3], "e8": data.e[8]}  # fmt: skip
    body = WEEK | {k: [names.get(v, v) for v in vs] if isinstance(vs, list) else vs for k, vs in filters.items()}
    response = await post(http, "get_detailed_report", data.url("search/time_entries"), body)
    assert response.status_code == 200
    assert set(entry_ids(response.json())) == {data.e[n] for n in expected}


async def test_detailed_default_window_is_the_last_seven_days(http: httpx.AsyncClient, data: Data) -> None:
    response = await post(http, "get_detailed_report", data.url("search/time_entries"), {"user_ids": [data.ada]})
    assert (response.headers["x-range-start"], response.headers["x-range-end"]) == ("2024-12-10", "2024-12-16")
    assert entry_ids(response.json()) == [data.e[3], data.e[2]]  # e7 runs, e1 is on 12-09


async def test_dates_are_days_in_the_users_time_zone(fake: FakeToggl, http: httpx.AsyncClient, data: Data) -> None:
    fake.store.tables["users"][data.ada]["timezone"] = "America/New_York"
    late = add_entry(fake, data.wid, data.ada, "2024-12-16T03:00", 60)  # 2024-12-15 22:00 in New York
    body = {"start_date": "2024-12-15", "end_date": "2024-12-15"}
    response = await post(http, "get_detailed_report", data.url("search/time_entries"), body)
    (row,) = response.json()
    assert row["time_entries"][0]["id"] == late
    assert row["time_entries"][0]["start"] == "2024-12-15T22:00:00-05:00"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "At least one parameter must be set"),
        ({"start_date": "2024-12-15", "end_date": "2024-12-09"}, None),
        ({"start_date": "12/09/2024"}, None),
        ({"end_date": "0001-01-02"}, "date out of range"),
        (WEEK | {"order_by": "size"}, None),
        (WEEK | {"project_ids": "1,2"}, None),
        (WEEK | {"page_size": -1}, None),
    ],
)
async def test_detailed_rejects_bad_bodies(http: httpx.AsyncClient, data: Data, body: Any, message: str | None) -> None:
    response = await post(http, "get_detailed_report", data.url("search/time_entries"), body)
    assert response.status_code == 400
    assert message is None or response.json() == message


# ---- totals
async def test_totals(http: httpx.AsyncClient, data: Data) -> None:
    response = await post(http, "get_detailed_report_totals", data.url("search/time_entries/totals"), WEEK)
    assert response.json() == {
        "seconds": 14100, "tracked_days": 4, "billable_amount_in_cents": 35000, "labour_cost_in_cents": 0,
        "resolution": "day", "rates": [{"billable_seconds": 12600, "currency": "USD", "hourly_rate_in_cents": 10000}],
        "graph": None,
    }  # fmt: skip
    assert response.headers["x-range-start"] == "2024-12-09"


async def test_totals_graph_by_day_and_week(http: httpx.AsyncClient, data: Data) -> None:
    url = data.url("search/time_entries/totals")
    daily = (await post(http, "get_detailed_report_totals", url, WEEK | {"with_graph": True})).json()["graph"]
    assert [p["seconds"] for p in daily] == [3600, 2700, 7200, 600, 0, 0, 0]
    assert [p["billable_amount_in_cents"] for p in daily] == [10000, 5000, 20000, 0, 0, 0, 0]
    assert daily[0]["by_rate"] == {"10000": 3600}
    weekly = await post(http, "get_detailed_report_totals", url, WEEK | {"with_graph": True, "granularity": "week"})
    assert weekly.json()["resolution"] == "week"
    assert [p["seconds"] for p in weekly.json()["graph"]] == [14100]


async def test_rounding_up_to_quarter_hours(http: httpx.AsyncClient, data: Data) -> None:
    body = WEEK | {"rounding": 1, "rounding_minutes": 15}
    response = await post(http, "get_detailed_report_totals", data.url("search/time_entries/totals"), body)
    assert response.json()["seconds"] == 3600 + 1800 + 900 + 7200 + 900  # e5: 600 s -> 15 min


# ---- summary
def sub_seconds(report: dict[str, Any]) -> dict[int | None, list[tuple[int | None, str | None, int]]]:
    return {g["id"]: [(s["id"], s["title"], s["seconds"]) for s in g["sub_groups"]] for g in report["groups"]}


async def test_summary_defaults_to_projects_and_time_entries(http: httpx.AsyncClient, data: Data) -> None:
    response = await post(http, "get_summary_report", data.url("summary/time_entries"), WEEK)
    assert response.status_code == 200
    assert sub_seconds(response.json()) == {
        data.website: [(None, "Backend", 7200), (None, "Homepage", 5400)],
        data.internal: [(None, "Standup", 900)],
        None: [(None, "Email", 600)],
    }
    assert [g["id"] for g in response.json()["groups"]] == [data.website, data.internal, None]
    assert response.headers["x-grouping"] == "projects" and response.headers["x-sub-grouping"] == "time_entries"
    assert response.headers["x-range-end"] == "2024-12-15"


@pytest.mark.parametrize(
    ("grouping", "sub_grouping"), [("users", "projects"), ("clients", "projects"), ("projects", "users")]
)
async def test_summary_groupings(http: httpx.AsyncClient, data: Data, grouping: str, sub_grouping: str) -> None:
    body = WEEK | {"grouping": grouping, "sub_grouping": sub_grouping}
    response = await post(http, "get_summary_report", data.url("summary/time_entries"), body)
    website, internal = (data.website, "Website"), (data.internal, "Internal")
    expected = {
        ("users", "projects"): {
            data.ada: [(*internal, 900), (*website, 5400)],
            data.bob: [(None, None, 600), (*website, 7200)],
        },
        ("clients", "projects"): {data.acme: [(*website, 12600)], None: [(None, None, 600), (*internal, 900)]},
        ("projects", "users"): {
            data.website: [(data.ada, "Ada", 5400), (data.bob, "Bob", 7200)],
            data.internal: [(data.ada, "Ada", 900)],
            None: [(data.bob, "Bob", 600)],
        },
    }
    assert sub_seconds(response.json()) == expected[grouping, sub_grouping]
    assert response.headers["x-grouping"] == grouping


async def test_summary_entry_ids_and_task_sub_groups(http: httpx.AsyncClient, data: Data) -> None:
    body = WEEK | {"sub_grouping": "tasks", "include_time_entry_ids": True, "project_ids": [data.website]}
    (group,) = (await post(http, "get_summary_report", data.url("summary/time_entries"), body)).json()["groups"]
    assert [(s["id"], s["title"], s["seconds"], s["ids"]) for s in group["sub_groups"]] == [
        (None, None, 9000, [data.e[2], data.e[4]]),
        (data.design, "Design", 3600, [data.e[1]]),
    ]


async def test_summary_rejects_a_sub_grouping_equal_to_the_grouping(http: httpx.AsyncClient, data: Data) -> None:
    body = WEEK | {"grouping": "users", "sub_grouping": "users"}
    assert (await post(http, "get_summary_report", data.url("summary/time_entries"), body)).status_code == 400


# ---- weekly
async def test_weekly_rows_per_user_and_project(http: httpx.AsyncClient, data: Data) -> None:
    body = {"start_date": "2024-12-09"}
    rows = (await post(http, "get_weekly_report", data.url("weekly/time_entries"), body)).json()
    got = {(r["user_id"], r["project_id"]): r["seconds"] for r in rows}
    assert got == {
        (data.ada, data.website): [3600, 1800, 0, 0, 0, 0, 0],
        (data.ada, data.internal): [0, 900, 0, 0, 0, 0, 0],
        (data.bob, data.website): [0, 0, 7200, 0, 0, 0, 0],
        (data.bob, None): [0, 0, 0, 600, 0, 0, 0],
    }
    ada_website = rows[0]
    assert ada_website["billable_amounts_in_cents"] == [10000, 5000, 0, 0, 0, 0, 0]
    assert ada_website["billable_seconds"] == [3600, 1800, 0, 0, 0, 0, 0]
    assert (ada_website["user_name"], ada_website["project_name"], ada_website["client_name"]) == (
        "Ada",
        "Website",
        "Acme",
    )
    assert rows[1]["billable_seconds"] == [0] * 7


async def test_weekly_defaults_to_this_week_from_monday(fake: FakeToggl, http: httpx.AsyncClient, data: Data) -> None:
    # The clock says Monday 2024-12-16 09:00; e7 (running) is skipped.
    add_entry(fake, data.wid, data.ada, "2024-12-16T07:00", 1200, project=data.internal)
    rows = (await post(http, "get_weekly_report", data.url("weekly/time_entries"), {"user_ids": [data.ada]})).json()
    assert [(r["project_id"], r["seconds"]) for r in rows] == [(data.internal, [1200, 0, 0, 0, 0, 0, 0])]


async def test_weekly_needs_a_parameter(http: httpx.AsyncClient, data: Data) -> None:
    response = await post(http, "get_weekly_report", data.url("weekly/time_entries"), {})
    assert response.status_code == 400 and response.json() == "At least one parameter must be set"


# ---- project summaries
async def test_projects_summary(http: httpx.AsyncClient, data: Data) -> None:
    response = await post(http, "get_projects_summary", data.url("projects/summary"), WEEK)
    assert response.json() == [
        {"project_id": data.website, "user_id": data.ada, "tracked_seconds": 5400, "billable_seconds": 5400},
        {"project_id": data.website, "user_id": data.bob, "tracked_seconds": 7200, "billable_seconds": 7200},
        {"project_id": data.internal, "user_id": data.ada, "tracked_seconds": 900, "billable_seconds": 0},
        {"project_id": None, "user_id": data.bob, "tracked_seconds": 600, "billable_seconds": 0},
    ]


async def test_project_summary_all_time_and_in_a_range(http: httpx.AsyncClient, data: Data) -> None:
    url = data.url(f"projects/{data.website}/summary")
    all_time = (await post(http, "get_project_summary", url, {})).json()
    assert (all_time["seconds"], all_time["tracked_days"], all_time["billable_amount_in_cents"]) == (13100, 4, 36389)
    week = (await post(http, "get_project_summary", url, WEEK)).json()
    assert (week["seconds"], week["billable_amount_in_cents"]) == (12600, 35000)


async def test_project_summary_of_an_unknown_project_is_403(
    fake: FakeToggl, http: httpx.AsyncClient, data: Data
) -> None:
    eve = fake.add_user("eve@example.com")
    theirs = add_project(fake, eve.default_workspace_id, "Secret")
    response = await post(http, "get_project_summary", data.url(f"projects/{theirs}/summary"), {})
    assert response.status_code == 403


# ---- search and filter lists
async def test_project_search_and_filters(fake: FakeToggl, http: httpx.AsyncClient, data: Data) -> None:
    archived = add_project(fake, data.wid, "Old website", active=False)
    for operation_id, tail in (
        ("search_report_projects", "search/projects"),
        ("list_report_project_filters", "filters/projects"),
    ):
        found = (await post(http, operation_id, data.url(tail), {"name": "WEB"})).json()
        assert [(p["id"], p["name"], p["active"]) for p in found] == [
            (data.website, "Website", True),
            (archived, "Old website", False),
        ]
        assert found[0] == {"id": data.website, "name": "Website", "client_id": data.acme, "color": "#0b83d9",
                            "active": True, "billable": True, "currency": "USD"}  # fmt: skip
        inactive = (await post(http, operation_id, data.url(tail), {"is_active": False})).json()
        assert [p["id"] for p in inactive] == [archived]
        page = (await post(http, operation_id, data.url(tail), {"start": data.internal, "page_size": 1})).json()
        assert [p["id"] for p in page] == [data.internal]
        by_client = (await post(http, operation_id, data.url(tail), {"client_ids": [data.acme]})).json()
        assert [p["id"] for p in by_client] == [data.website]


async def test_user_search_and_filters(http: httpx.AsyncClient, data: Data) -> None:
    users = (await post(http, "search_report_users", data.url("search/users"), {})).json()
    assert [(u["id"], u["fullname"], u["email"], u["active"]) for u in users] == [
        (data.ada, "Ada", "ada@example.com", True), (data.bob, "Bob", "bob@example.com", True)
    ]  # fmt: skip
    assert isinstance(users[0]["workspace_user_id"], int)
    choices = (await post(http, "list_report_user_filters", data.url("filters/users"), {"ids": [data.bob]})).json()
    assert choices == [{"id": data.bob, "name": "Bob", "deleted_at": None}]
    later = (await post(http, "list_report_user_filters", data.url("filters/users"), {"start": data.bob})).json()
    assert [u["id"] for u in later] == [data.bob]
    too_many = await post(http, "search_report_users", data.url("search/users"), {"ids": list(range(1, 102))})
    assert too_many.status_code == 400


async def test_client_search_and_filters(fake: FakeToggl, http: httpx.AsyncClient, data: Data) -> None:
    other = fake.store.insert("clients", {"wid": data.wid, "name": "Globex", "archived": False})["id"]
    for operation_id, tail in (
        ("search_report_clients", "search/clients"),
        ("list_report_client_filters", "filters/clients"),
    ):
        assert (await post(http, operation_id, data.url(tail), {})).json() == [
            {"id": data.acme, "name": "Acme"}, {"id": other, "name": "Globex"}
        ]  # fmt: skip
        assert (await post(http, operation_id, data.url(tail), {"name": "glob"})).json() == [
            {"id": other, "name": "Globex"}
        ]
        assert [c["id"] for c in (await post(http, operation_id, data.url(tail), {"ids": [data.acme]})).json()] == [
            data.acme
        ]


# ---- access
REPORT_ROUTES = [
    ("get_detailed_report", "search/time_entries"),
    ("get_detailed_report_totals", "search/time_entries/totals"),
    ("get_summary_report", "summary/time_entries"),
    ("get_weekly_report", "weekly/time_entries"),
    ("get_projects_summary", "projects/summary"),
    ("get_project_summary", "projects/{project}/summary"),
    ("search_report_projects", "search/projects"),
    ("list_report_project_filters", "filters/projects"),
    ("search_report_users", "search/users"),
    ("list_report_user_filters", "filters/users"),
    ("search_report_clients", "search/clients"),
    ("list_report_client_filters", "filters/clients"),
]


@pytest.mark.parametrize(("operation_id", "tail"), REPORT_ROUTES)
async def test_another_users_workspace_is_403(
    fake: FakeToggl, http: httpx.AsyncClient, data: Data, operation_id: str, tail: str
) -> None:
    eve = fake.add_user("eve@example.com")
    project = add_project(fake, eve.default_workspace_id, "Secret")
    add_entry(fake, eve.default_workspace_id, eve.id, "2024-12-10T09:00", 3600, project=project)
    response = await post(http, operation_id, data.url(tail.format(project=project), eve.default_workspace_id), WEEK)
    assert response.status_code == 403
    assert "Secret" not in response.text
