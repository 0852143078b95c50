"""toggl-python 0.3.2 (evrone/toggl-python) doing its main jobs against FakeToggl on loopback.

Run by `bench/peer_conformance.py` with the peer's venv. Pointed by its constructor argument
`base_url=` (Reports: `ReportTimeEntry(...).client.base_url`), per /work/shared/peers-notes.md §6.
Each check beyond "it returned" repeats what toggl-python's own live-API tests assert against the real
Toggl (tests/integration/*.py at tag v0.3.2), named next to it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from harness import Jobs, Raw, attempt, check, context, install_guard, require, unique

install_guard()

from importlib.metadata import version  # noqa: E402

from toggl_python import BadRequest, CurrentUser, ReportTimeEntry, TokenAuth, Workspace  # noqa: E402
from toggl_python.schemas.base import BulkEditOperation, BulkEditOperations  # noqa: E402
from toggl_python.schemas.current_user import MeResponse, MeResponseWithRelatedData  # noqa: E402
from toggl_python.schemas.project import ProjectResponse  # noqa: E402
from toggl_python.schemas.report_time_entry import SearchReportTimeEntriesResponse  # noqa: E402
from toggl_python.schemas.time_entry import MeTimeEntryResponse  # noqa: E402
from toggl_python.schemas.workspace import WorkspaceResponse  # noqa: E402

ctx = context()
raw = Raw(ctx)
auth = TokenAuth(ctx.token)
user = CurrentUser(auth=auth, base_url=f"{ctx.base_url}/api/v9")
workspace = Workspace(auth=auth, base_url=f"{ctx.base_url}/api/v9")
reports = ReportTimeEntry(auth=auth)
reports.client.base_url = f"{ctx.base_url}/reports/api/v3/workspace"
wid = ctx.workspace_id
jobs = Jobs("toggl-python", version("toggl-python"))
NO_CLIENTS = "toggl-python 0.3.2 has no clients API (its entities: CurrentUser, Workspace, ReportTimeEntry)"
NO_TAGS = "toggl-python 0.3.2 has no tags API (its entities: CurrentUser, Workspace, ReportTimeEntry)"
NO_REPORT = "toggl-python 0.3.2 has only the detailed report (ReportTimeEntry.search)"


def now() -> datetime:
    return datetime.now(UTC)


def fields_differ(model: object, schema: type, absent: frozenset[str] = frozenset()) -> list[str]:
    """How the answer's fields differ from what toggl-python's live tests expect of the real Toggl.

    Those tests compare `model_fields_set` (the schema fields the JSON carried) with the schema's fields
    minus the ones the real API leaves out (`absent`); an empty list means they would pass.
    """
    carried = model.model_fields_set  # type: ignore[attr-defined]
    expected = set(schema.model_fields) - absent  # type: ignore[attr-defined]
    differences = []
    if expected - carried:
        differences.append(f"lacks {sorted(expected - carried)}")
    if carried - expected:
        differences.append(f"carries {sorted(carried - expected)} (absent on the real API)")
    return differences


def project_id() -> int:
    """A project to work on: the one `project_create` made, or a new one made without the peer."""
    if "project" not in jobs.state:
        jobs.state["project"] = raw("POST", f"/api/v9/workspaces/{wid}/projects",
                                    {"name": unique("setup"), "active": True})["id"]  # fmt: skip
    return int(jobs.state["project"])


@jobs.run("me")
def me() -> str:
    result = user.me()
    # tests/integration/test_user.py::test_me__ok: every MeResponse field is present on the live /me.
    differ = fields_differ(result, MeResponse)
    check(not differ, f"/me {differ}")
    check(result.id == ctx.user_id and result.default_workspace_id == wid, "wrong user or default workspace")
    return f"user {result.id}"


@jobs.run("me_related")
def me_related() -> str:
    result = user.me(with_related_data=True)
    # test_user.py::test_me__with_related_data: every field, clients only when the account has one.
    differ = fields_differ(result, MeResponseWithRelatedData, frozenset({"clients"}))
    check(not differ, f"/me?with_related_data=true {differ}")
    check(result.workspaces and result.workspaces[0] is not None, "no workspaces")
    return f"{len(result.workspaces)} workspace(s)"


@jobs.run("me_update")
def me_update() -> None:
    # test_user.py::test_update_me__ok: the change comes back (decoded as UpdateMeResponse, which requires
    # toggl_accounts_updated_at); ::test_update_me__unavailable_default_workspace_id: a workspace the user is
    # not in is refused with "Invalid default_workspace_id".
    result = attempt(user.update_me, fullname="Peer Conformance", timezone="Europe/Tallinn")
    if result is not None:
        check(result.fullname == "Peer Conformance" and result.timezone == "Europe/Tallinn", "update not applied")
    try:
        user.update_me(default_workspace_id=wid + 999_983)
    except BadRequest as refused:
        check("Invalid default_workspace_id" in str(refused), f"refused with {refused}")
    else:
        check(False, "a default_workspace_id the user is not in was accepted")


@jobs.run("workspaces_list")
def workspaces_list() -> str:
    # test_workspace.py::test_get_workspaces__without_query_params: GET /workspaces lists them, all fields.
    result = workspace.list()
    require(any(w.id == wid for w in result), f"workspace {wid} not listed")
    differ = fields_differ(result[0], WorkspaceResponse)
    check(not differ, f"listed workspace {differ}")
    return f"{len(result)} workspace(s)"


@jobs.run("workspace_get")
def workspace_get() -> None:
    result = workspace.get(wid)
    # test_workspace.py::test_get_workspace_by_id: every WorkspaceResponse field is present.
    differ = fields_differ(result, WorkspaceResponse)
    check(not differ, f"workspace {differ}")
    check(result.id == wid, "wrong workspace")


for key in ("client_create", "client_get", "client_list", "client_update", "client_delete"):
    jobs.unsupported(key, NO_CLIENTS)
for key in ("tag_create", "tag_list", "tag_update", "tag_delete"):
    jobs.unsupported(key, NO_TAGS)


@jobs.run("project_create")
def project_create() -> str:
    name = unique("project")
    result = workspace.create_project(wid, name=name)
    jobs.state["project"] = result.id
    # test_project.py::test_create_project__without_query_params: the create answer carries every
    # ProjectResponse field except `end_date` and `status` ("Field `status` is not set until first fetch").
    differ = fields_differ(result, ProjectResponse, frozenset({"end_date", "status"}))
    check(not differ, f"create answer {differ}")
    check(result.name == name, "name not kept")
    return f"project {result.id}, active={result.active}"


@jobs.run("project_create_client_name")
def project_create_client_name() -> str:
    # test_project.py::test_create_project__all_params sends `client_name` (a random word, i.e. a new
    # client) about half the time and expects the create to succeed.
    result = workspace.create_project(wid, name=unique("project"), active=True, client_name=unique("client"))
    check(result.client_id is not None, "no client_id on a project created with client_name")
    return f"client {result.client_id}"


@jobs.run("project_get")
def project_get() -> None:
    created_without_active = "project" in jobs.state
    result = workspace.get_project(wid, project_id())
    if created_without_active:
        # project_create sent no `active`. test_project.py says of such a project: "Field `status` is set to
        # `archived` after first fetch request", and ::test_get_projects__with_statuses_query_params files it
        # under statuses=archived (see also bokub/wakatime-to-toggl#7: created inactive since early 2025).
        check(
            result.active is False and result.status == "archived",
            f"a project created without `active` reads back active={result.active} status={result.status}",
        )
    # test_project.py::test_get_project_by_id: every field but `end_date` ("is still absent").
    differ = fields_differ(result, ProjectResponse, frozenset({"end_date"}))
    check(not differ, f"project {differ}")


@jobs.run("project_list")
def project_list() -> str:
    listed = raw("POST", f"/api/v9/workspaces/{wid}/projects", {"name": unique("listed"), "active": True})
    result = workspace.get_projects(wid)
    require(any(p.id == listed["id"] for p in result), f"active project {listed['id']} not listed")
    # test_project.py::test_get_projects__without_query_params: the first row has every field but `end_date`.
    differ = fields_differ(result[0], ProjectResponse, frozenset({"end_date"}))
    check(not differ, f"listed project {differ}")
    return f"{len(result)} listed"


@jobs.run("project_list_by_clients")
def project_list_by_clients() -> str:
    clients, mine = raw.projects_of_two_clients()
    # toggl-python sends a list the httpx way, `client_ids=1&client_ids=2`; both clients must count.
    result = {p.id for p in workspace.get_projects(wid, client_ids=clients)}
    check(result == mine, f"listed {sorted(result)}, the two clients' projects are {sorted(mine)}")
    return "both clients' projects, nothing else"


@jobs.run("project_update")
def project_update() -> None:
    name = unique("project")
    result = workspace.update_project(wid, project_id(), name=name, is_private=False)
    # test_project.py::test_update_project: every field but `end_date`.
    differ = fields_differ(result, ProjectResponse, frozenset({"end_date"}))
    check(not differ, f"update answer {differ}")
    check(result.name == name and result.is_private is False, "update not applied")


@jobs.run("project_bulk_edit")
def project_bulk_edit() -> None:
    ids = [raw("POST", f"/api/v9/workspaces/{wid}/projects", {"name": unique("bulk"), "active": True})["id"]
           for _ in range(2)]  # fmt: skip
    # test_project.py::test_bulk_edit_projects: one `replace` op, both ids in `success`.
    op = BulkEditOperation(operation=BulkEditOperations.change, field_name="is_private", field_value=False)
    result = workspace.bulk_edit_projects(wid, project_ids=ids, operations=[op])
    check(set(ids) <= set(result.success), f"not all ids succeeded: {result}")


@jobs.run("project_delete")
def project_delete() -> None:
    pid = project_id()
    check(workspace.delete_project(wid, pid) is True, "delete did not succeed")
    jobs.state.pop("project")
    # test_project.py::test_delete_project__project_does_not_exist: a missing project is an error.
    try:
        workspace.get_project(wid, pid)
    except BadRequest:
        return
    check(False, "the deleted project can still be fetched")


@jobs.run("timer_start")
def timer_start() -> str:
    # Toggl's documented way to start a timer: a create with a negative duration (engineering.toggl.com/docs/tracking).
    result = workspace.create_time_entry(wid, start_datetime=now(), created_with="peer-conformance", duration=-1,
                                         description="running")  # fmt: skip
    jobs.state["running"] = result.id
    check(result.stop is None and result.duration < 0, f"not running: stop={result.stop} duration={result.duration}")
    return f"entry {result.id}"


def running_id() -> int:
    if "running" not in jobs.state:
        jobs.state["running"] = raw.entry(now().isoformat(), -1, "running")["id"]
    return int(jobs.state["running"])


@jobs.run("timer_current")
def timer_current() -> None:
    expected = running_id()
    result = user.get_current_time_entry()
    require(result is not None and result.id == expected, f"current is {result and result.id}, expected {expected}")
    differ = fields_differ(result, MeTimeEntryResponse)
    check(not differ, f"current entry {differ}")


@jobs.run("timer_stop")
def timer_stop() -> str:
    entry = running_id()
    time.sleep(1.1)
    result = workspace.stop_time_entry(wid, entry)
    check(result.stop is not None and result.duration >= 1, f"not stopped: stop={result.stop} d={result.duration}")
    check(user.get_current_time_entry() is None, "still running after stop")
    return f"duration {result.duration} s"


@jobs.run("entries_range")
def entries_range() -> str:
    inside = raw.entry((now() - timedelta(hours=2)).isoformat(), 600, "in range")
    outside = raw.entry((now() - timedelta(days=3)).isoformat(), 600, "out of range")
    result = user.get_time_entries(start_date=now() - timedelta(days=1), end_date=now() + timedelta(days=1))
    ids = {e.id for e in result}
    check(inside["id"] in ids, "the entry in range is missing")
    check(outside["id"] not in ids, "an entry of three days ago is listed")
    # test_time_entry.py::test_list_time_entries__with_start_and_end_date__datetime: every field present.
    if result:
        differ = fields_differ(result[0], MeTimeEntryResponse)
        check(not differ, f"listed entry {differ}")
    return f"{len(result)} entries"


@jobs.run("entries_since")
def entries_since() -> str:
    before = raw.entry((now() - timedelta(hours=5)).isoformat(), 300, "unchanged since")
    time.sleep(1.1)  # `since` counts whole seconds: the unchanged entry must be older than it
    since = now()
    changed = raw.entry((now() - timedelta(hours=3)).isoformat(), 300, "changed since")
    result = {e.id for e in user.get_time_entries(since=since)}
    check(changed["id"] in result, "the entry changed since is missing")
    check(before["id"] not in result, "an entry unchanged since is listed")
    return f"{len(result)} entries"


@jobs.run("entries_bulk_edit")
def entries_bulk_edit() -> None:
    ids = [raw.entry((now() - timedelta(hours=4, minutes=i)).isoformat(), 60)["id"] for i in (1, 2)]
    op = BulkEditOperation(operation=BulkEditOperations.change, field_name="description", field_value="bulk edited")
    result = workspace.bulk_edit_time_entries(wid, time_entry_ids=ids, operations=[op])
    check(set(ids) <= set(result.success), f"not all ids succeeded: {result}")
    after = {raw("GET", f"/api/v9/me/time_entries/{i}")["description"] for i in ids}
    check(after == {"bulk edited"}, f"descriptions after the edit: {after}")


@jobs.run("report_detailed")
def report_detailed() -> str:
    raw.entry((now() - timedelta(minutes=5)).isoformat(), 60, "reported")
    today = now().date()
    result = reports.search(wid, start_date=today - timedelta(days=1), end_date=today + timedelta(days=1))
    require(result, "no rows")
    # test_report_time_entry.py::test_search_report_time_entries__with_start_and_end_dates: all fields.
    differ = fields_differ(result[0], SearchReportTimeEntriesResponse)
    check(not differ, f"report row {differ}")
    return f"{len(result)} rows"


jobs.unsupported("report_summary", NO_REPORT)
jobs.unsupported("report_weekly", NO_REPORT)
jobs.finish()
