"""toggl-api-wrapper 2.2.0 (ddkasa/toggl-api-wrapper), sync API, doing its main jobs against FakeToggl on loopback.

Run by `bench/peer_conformance.py` with the peer's venv. Pointed by the class attributes
`TogglEndpoint.BASE_ENDPOINT` and `ReportEndpoint.BASE_ENDPOINT`, per /work/shared/peers-notes.md §6. No cache
object is given, so every call goes to the server (with a cache, list calls need `refresh=True`).
Each check beyond "it returned" repeats what the peer's own live-API tests (tests/*.py at tag v2.2.0,
run against the real Toggl in its publish workflow) assert, named next to it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from harness import Jobs, Raw, check, context, install_guard, require, unique

install_guard()

from importlib.metadata import version  # noqa: E402

from httpx import BasicAuth  # noqa: E402
from toggl_api import (  # noqa: E402
    ClientBody,
    ClientEndpoint,
    ProjectBody,
    ProjectEndpoint,
    TagEndpoint,
    TogglTracker,
    TrackerBody,
    TrackerEndpoint,
    UserEndpoint,
    WorkspaceEndpoint,
)
from toggl_api.meta import TogglEndpoint  # noqa: E402
from toggl_api.reports import (  # noqa: E402
    DetailedReportEndpoint,
    PaginationOptions,
    ReportBody,
    ReportEndpoint,
    SummaryReportEndpoint,
    WeeklyReportEndpoint,
)

ctx = context()
TogglEndpoint.BASE_ENDPOINT = f"{ctx.base_url}/api/v9/"
ReportEndpoint.BASE_ENDPOINT = f"{ctx.base_url}/reports/api/v3/"
raw = Raw(ctx)
auth = BasicAuth(ctx.token, "api_token")
wid = ctx.workspace_id
# retries=0: a 5xx is raised at once instead of retried 3 times after 1-5 s sleeps; the rest is the default.
endpoints = {"auth": auth, "retries": 0}
users = UserEndpoint(**endpoints)
workspaces = WorkspaceEndpoint(ctx.organization_id, **endpoints)
clients = ClientEndpoint(wid, **endpoints)
tags = TagEndpoint(wid, **endpoints)
projects = ProjectEndpoint(wid, **endpoints)
trackers = TrackerEndpoint(wid, **endpoints)
jobs = Jobs("toggl-api-wrapper", version("toggl-api-wrapper"))
RED, BLUE = ProjectEndpoint.get_color("red"), ProjectEndpoint.get_color("blue")


def now() -> datetime:
    return datetime.now(UTC)


def setup_project() -> int:
    if "project" not in jobs.state:
        body = {"name": unique("setup"), "active": True}
        jobs.state["project"] = raw("POST", f"/api/v9/workspaces/{wid}/projects", body)["id"]
    return int(jobs.state["project"])


def setup_client() -> int:
    if "client" not in jobs.state:
        jobs.state["client"] = raw("POST", f"/api/v9/workspaces/{wid}/clients", {"name": unique("setup")})["id"]
    return int(jobs.state["client"])


def setup_tag() -> int:
    if "tag" not in jobs.state:
        jobs.state["tag"] = raw("POST", f"/api/v9/workspaces/{wid}/tags", {"name": unique("setup")})["id"]
    return int(jobs.state["tag"])


@jobs.run("me")
def me() -> None:
    details = users.get_details()
    # tests/test_user.py::test_user_information: the default workspace comes back.
    check(details["default_workspace_id"] == wid, f"default_workspace_id {details.get('default_workspace_id')}")


jobs.unsupported("me_related", "toggl-api-wrapper 2.2.0 reads /me without related data only (UserEndpoint.get_details)")
jobs.unsupported("me_update", "toggl-api-wrapper 2.2.0 has no call that changes the user (UserEndpoint: read only)")


@jobs.run("workspaces_list")
def workspaces_list() -> str:
    # tests/test_workspace.py::test_collect_workspace: a non-empty list of workspaces.
    result = workspaces.collect(refresh=True)
    check(any(w.id == wid for w in result), f"workspace {wid} not listed")
    return f"{len(result)} workspace(s)"


@jobs.run("workspace_get")
def workspace_get() -> None:
    # tests/test_workspace.py::test_get_workspace.
    result = workspaces.get(wid, refresh=True)
    check(result is not None and result.id == wid, f"got {result}")


@jobs.run("client_create")
def client_create() -> None:
    name = unique("client")
    result = clients.add(ClientBody(name=name))
    jobs.state["client"] = result.id
    # tests/test_clients.py::test_client_create.
    check(result.name == name, f"name {result.name!r}")


@jobs.run("client_get")
def client_get() -> None:
    cid = setup_client()
    result = clients.get(cid, refresh=True)
    check(result is not None and result.id == cid, f"got {result}")


@jobs.run("client_list")
def client_list() -> str:
    cid = setup_client()
    name = raw("GET", f"/api/v9/workspaces/{wid}/clients/{cid}")["name"]
    # tests/test_clients.py::test_client_collect calls collect(ClientBody(name, "active")), which the peer
    # turns into the query string `?active&<name>` (bare words, no keys) and real Toggl still lists.
    result = clients.collect(ClientBody(name, "active"), refresh=True)
    check(any(c.id == cid for c in result), f"client {cid} not listed")
    return f"{len(result)} listed"


@jobs.run("client_update")
def client_update() -> None:
    name = unique("renamed")
    # tests/test_clients.py::test_client_update (status is dropped by the peer on edit).
    result = clients.edit(setup_client(), ClientBody(name=name, status="active"))
    check(result.name == name, f"name {result.name!r}")


@jobs.run("client_delete")
def client_delete() -> None:
    cid = setup_client()
    clients.delete(cid)
    jobs.state.pop("client")
    # The peer answers None for a client the server says is not found (ClientEndpoint.get).
    check(clients.get(cid, refresh=True) is None, "the deleted client can still be fetched")


@jobs.run("tag_create")
def tag_create() -> None:
    name = unique("tag")
    result = tags.add(name)
    jobs.state["tag"] = result.id
    # tests/test_tags.py::test_tag_creation.
    check(result.name == name, f"name {result.name!r}")


@jobs.run("tag_list")
def tag_list() -> str:
    tid = setup_tag()
    result = tags.collect(refresh=True)
    # tests/test_tags.py::test_get_tag.
    check(any(t.id == tid for t in result), f"tag {tid} not listed")
    return f"{len(result)} listed"


@jobs.run("tag_update")
def tag_update() -> None:
    name = unique("renamed")
    result = tags.edit(setup_tag(), name)
    # tests/test_tags.py::test_tag_update.
    check(result.name == name, f"name {result.name!r}")


@jobs.run("tag_delete")
def tag_delete() -> None:
    tid = setup_tag()
    tags.delete(tid)
    jobs.state.pop("tag")
    listed = raw("GET", f"/api/v9/workspaces/{wid}/tags") or []
    check(all(t["id"] != tid for t in listed), "the deleted tag is still listed")


@jobs.run("project_create")
def project_create() -> None:
    # tests/conftest.py::gen_proj_bd and tests/test_projects.py::test_gen_proj: active, red, a new name.
    body = ProjectBody(name=unique("project"), active=True, color=RED)
    result = projects.add(body)
    jobs.state["project"] = result.id
    check(result.name == body.name and result.active and result.color == RED, f"got {result}")


@jobs.run("project_create_client_name")
def project_create_client_name() -> str:
    # docs/README.md "Project Endpoint" example: ProjectBody(..., client_name="My First Client") answers a
    # project whose `client` is the new client's id.
    client_name = unique("client")
    result = projects.add(ProjectBody(name=unique("project"), client_name=client_name, color=RED))
    check(isinstance(result.client, int), f"client {result.client!r}")
    return f"client {result.client}"


@jobs.run("project_get")
def project_get() -> None:
    pid = setup_project()
    result = projects.get(pid, refresh=True)
    # tests/test_projects.py::test_get_project.
    check(result is not None and result.id == pid, f"got {result}")


@jobs.run("project_list")
def project_list() -> str:
    pid = setup_project()
    result = projects.collect(refresh=True)
    check(any(p.id == pid for p in result), f"project {pid} not listed")
    return f"{len(result)} listed"


@jobs.run("project_list_by_clients")
def project_list_by_clients() -> str:
    clients_, mine = raw.projects_of_two_clients()
    # ProjectBody.client_ids: "Query for specific projects with assocciated clients." (a collect filter).
    result = {p.id for p in projects.collect(ProjectBody(client_ids=clients_), refresh=True)}
    check(result == mine, f"listed {sorted(result)}, the two clients' projects are {sorted(mine)}")
    return "both clients' projects, nothing else"


@jobs.run("project_update")
def project_update() -> None:
    body = ProjectBody(name=unique("renamed"), active=True, color=BLUE)
    result = projects.edit(setup_project(), body)
    # tests/test_projects.py::test_edit_project.
    check(result.name == body.name and result.color == BLUE, f"got {result}")


@jobs.run("project_delete")
def project_delete() -> None:
    pid = setup_project()
    projects.delete(pid)
    jobs.state.pop("project")
    # tests/test_projects.py::test_delete_project_id: get() answers None once deleted.
    check(projects.get(pid, refresh=True) is None, "the deleted project can still be fetched")


jobs.unsupported("project_bulk_edit", "toggl-api-wrapper 2.2.0 has no project bulk edit (only trackers)")


@jobs.run("timer_start")
def timer_start() -> None:
    # tests/conftest.py::add_tracker: TrackerBody(description, start=now) -> a running tracker (duration -1).
    result = trackers.add(TrackerBody(description="running", start=now()))
    jobs.state["running"] = result
    check(result.running(), f"not running: {result}")


def running() -> TogglTracker:
    """The running tracker `timer_start` made, or one started without the peer."""
    if "running" not in jobs.state:
        entry = raw.entry(now().isoformat(), -1, "running")
        jobs.state["running"] = trackers.get(entry["id"], refresh=True)
    return jobs.state["running"]


@jobs.run("timer_current")
def timer_current() -> None:
    expected = running()
    current = trackers.current()
    # tests/test_trackers/test_trackers.py::test_current_tracker: same id, name and start.
    require(current is not None and current.id == expected.id, f"current is {current}")
    check(current.name == expected.name and current.start == expected.start, f"{current} != {expected}")


@jobs.run("timer_stop")
def timer_stop() -> str:
    tracker = running()
    time.sleep(1.1)
    # tests/test_trackers/test_trackers.py::test_tracker_stop (duration >= the sleep) and
    # ::test_current_tracker (current() is None once stopped).
    stopped = trackers.stop(tracker)
    require(stopped is not None and stopped.duration >= timedelta(seconds=1), f"stopped: {stopped}")
    check(trackers.current() is None, "still running after stop")
    return f"duration {stopped.duration}"


@jobs.run("entries_range")
def entries_range() -> str:
    inside = raw.entry((now() - timedelta(hours=2)).isoformat(), 600, "in range")
    outside = raw.entry((now() - timedelta(days=3)).isoformat(), 600, "out of range")
    ts = now()
    # tests/test_trackers/test_trackers.py::test_tracker_collection_date: RFC 3339 start/end datetimes.
    result = {t.id for t in trackers.collect(start_date=ts - timedelta(days=1), end_date=ts + timedelta(days=1),
                                             refresh=True)}  # fmt: skip
    check(inside["id"] in result, "the entry in range is missing")
    check(outside["id"] not in result, "an entry of three days ago is listed")
    return f"{len(result)} entries"


@jobs.run("entries_since")
def entries_since() -> str:
    before = raw.entry((now() - timedelta(hours=5)).isoformat(), 300, "unchanged since")
    time.sleep(1.1)  # `since` counts whole seconds: the unchanged entry must be older than it
    since = int(time.time())
    changed = raw.entry((now() - timedelta(hours=3)).isoformat(), 300, "changed since")
    # tests/test_trackers/test_trackers.py::test_tracker_collection_param_since: an int UNIX timestamp.
    result = {t.id for t in trackers.collect(since=since, refresh=True)}
    check(changed["id"] in result, "the entry changed since is missing")
    check(before["id"] not in result, "an entry unchanged since is listed")
    return f"{len(result)} entries"


@jobs.run("entries_bulk_edit")
def entries_bulk_edit() -> None:
    # tests/conftest.py::add_multiple_trackers: entries of today, start=now.replace(hour=i), one hour each;
    # tests/test_trackers/test_trackers.py::test_tracker_bulk_edit then sends the description, tags to add and
    # `start=now`, which the peer turns into a date only ("2026-11-28"); every id must succeed.
    today = datetime.combine(now().date(), datetime.min.time(), UTC)
    ids = [raw.entry((today + timedelta(hours=hour)).isoformat(), 3600)["id"] for hour in (5, 6)]
    body = TrackerBody("bulk edited", tags=[unique("bulk")], start=now(), tag_action="add")
    edits = trackers.bulk_edit(*ids, body=body)
    check(set(ids) <= set(edits.successes), f"edits: {edits}")


def report_body() -> ReportBody:
    """A report of one day, with three stopped entries on it (tests/conftest.py::report_body asks for today).

    The day is fixed when the entries are made, so a run that crosses midnight still reports their day.
    """
    if "report_day" not in jobs.state:
        day = now().date()
        noon = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12)
        for hours in (3, 2, 1):
            raw.entry((noon - timedelta(hours=hours)).isoformat(), 60, "reported")
        jobs.state["report_day"] = day
    day = jobs.state["report_day"]
    return ReportBody(day, day)


@jobs.run("report_detailed")
def report_detailed() -> str:
    body = report_body()
    # tests/test_reports/test_detail.py::test_search_time_pagination: page_size 1 gives X-Next-ID and
    # X-Next-Row-Number as ints; following them walks the pages.
    page = DetailedReportEndpoint(wid, **endpoints).search_time_entries(body, PaginationOptions(1))
    check(isinstance(page.next_id, int) and isinstance(page.next_row, int), f"no next page: {page}")
    rows = len(page.result)
    for _ in range(10):
        page = DetailedReportEndpoint(wid, **endpoints).search_time_entries(body, page.next_options(1))
        rows += len(page.result)
        if page.next_id is None or page.next_row is None:
            break
    check(rows >= 3, f"{rows} rows over the pages")
    return f"{rows} rows, page size 1"


@jobs.run("report_summary")
def report_summary() -> str:
    body = report_body()
    result = SummaryReportEndpoint(wid, **endpoints).search_time_entries(body)
    # tests/test_reports/test_summary.py::test_time_entries: the answer is an object ({"groups": [...]}).
    require(isinstance(result, dict) and result.get("groups"), f"got {str(result)[:200]}")
    return f"{len(result['groups'])} group(s)"


@jobs.run("report_weekly")
def report_weekly() -> str:
    body = report_body()
    result = WeeklyReportEndpoint(wid, **endpoints).search_time_entries(body)
    # tests/test_reports/test_weekly.py::test_search_time_entries: a list.
    check(isinstance(result, list) and result, f"got {str(result)[:200]}")
    return f"{len(result)} row(s)"


jobs.finish()
