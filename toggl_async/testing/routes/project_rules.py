"""The rules of a project in the fake: who sees and edits it, its `status`, and how payload fields are checked.

Used by the projects, tasks and clients_tags route modules (this module registers no handlers).
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

from toggl_async.testing.http import ApiError, FakeRequest, bad_request, forbidden
from toggl_async.testing.routes.params import expect, paid_plan
from toggl_async.testing.store import Obj, Store, public, stamp

COLOR = re.compile(r"#[0-9a-fA-F]{6}")
PALETTE = ("#0b83d9", "#9e5bd9", "#d94182", "#e36a00", "#bf7000", "#2da608", "#06a893", "#c9806b", "#465bb3")
CHANGE_MODES = ("start-today", "override-current", "override-all")
# recurring_parameters as JSON text: its few fields fit, megabytes carried by every project listing do not [I].
LONGEST_RECURRENCE = 4096
RATES_ARE_PAID = "Billable rates are available for Starter and higher plans"  # [V:SW24]
FEATURE_IS_PAID = "Workspace needs to have this feature enabled"  # [V:SW24]
# Paid-plan project fields and their JSON types [V:SW24 "premium feature" notes].
PAID_FIELDS: dict[str, type | tuple[type, ...]] = {
    "billable": bool, "auto_estimates": bool, "template": bool, "recurring": bool, "currency": str,
    "rate": (int, float), "fixed_fee": (int, float), "estimated_hours": int, "recurring_parameters": dict,
}  # fmt: skip


# ---------------------------------------------------------------- visibility and views (also used by tasks)
def membership(store: Store, project_id: int, user_id: int) -> Obj | None:
    for member in store.live("project_users"):
        if member["project_id"] == project_id and member["user_id"] == user_id:
            return member
    return None


def can_see(request: FakeRequest, project: Obj) -> bool:
    """Private projects are visible to workspace admins and project members only [I]."""
    store, uid = request.store, request.user_id
    return (
        not project["is_private"]
        or store.is_workspace_admin(uid, project["workspace_id"])
        or membership(store, project["id"], uid) is not None
    )


def can_edit(request: FakeRequest, project: Obj) -> bool:
    """Admins, the creator and project managers may change a project and its tasks and members [I]."""
    store, uid = request.store, request.user_id
    member = membership(store, project["id"], uid)
    return (
        store.is_workspace_admin(uid, project["workspace_id"])
        or project.get("_creator_id") == uid
        or bool(member and member["manager"])
    )


def find_project(request: FakeRequest, workspace_id: int, project_id: int, missing: ApiError) -> Obj:
    """A live project of the workspace the user may see, else `missing` (403 or 404, whichever the spec documents)."""
    project = request.store.tables["projects"].get(project_id)
    if project is None or Store.is_deleted(project) or project["workspace_id"] != workspace_id:
        raise missing
    if not can_see(request, project):
        raise missing
    return project


def editable_project(request: FakeRequest, workspace_id: int, project_id: int, missing: ApiError) -> Obj:
    project = find_project(request, workspace_id, project_id, missing)
    if not can_edit(request, project):
        raise forbidden()
    return project


def refresh_status(project: Obj, today: datetime.date) -> None:
    """Keep `status` consistent with `active`, deletion and the timeframe [V:SEED2 values; rules I]."""
    day = today.isoformat()
    if project.get("server_deleted_at"):
        project["status"] = "deleted"
    elif not project["active"]:
        project["status"] = "archived"
    elif project.get("start_date") and project["start_date"] > day:
        project["status"] = "upcoming"
    elif project.get("end_date") and project["end_date"] < day:
        project["status"] = "ended"
    else:
        project["status"] = "active"


def project_view(request: FakeRequest, project: Obj) -> Obj:
    refresh_status(project, request.store.now().date())
    return public(project) | {"pinned": request.user_id in project.get("_pinned_by", ())}


# ---------------------------------------------------------------- project fields
def _date(value: Any, field: str) -> str | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(expect(value, str, field)).isoformat()
    except ValueError as exc:
        raise bad_request(f"invalid {field}: use YYYY-MM-DD") from exc


def client_record(workspace_id: int, name: str, creator_id: int) -> Obj:
    """A client as the fake stores it, before it is inserted (create_client, and a project's new client_name)."""
    return {
        "wid": workspace_id, "name": name, "notes": None, "archived": False, "creator_id": creator_id,
        "external_reference": None, "permissions": None, "server_deleted_at": None, "integration_ext_id": None,
        "integration_ext_type": None, "integration_provider": None,
    }  # fmt: skip


def _set_client(request: FakeRequest, project: Obj, field: str, value: Any) -> None:
    """client_id/cid must name a client of the workspace (400 otherwise [V:SW24]); a client_name nobody has
    yet creates that client [V:CLI toggl-python live test_create_project__all_params, toggl-api-wrapper README
    "My First Client"]. Names match case-insensitively, as client names are unique [I]."""
    client, creating = None, None
    if value is not None:
        live = [c for c in request.store.live("clients") if c["wid"] == project["workspace_id"]]
        if field == "client_name":
            if not isinstance(value, str) or not value.strip():
                raise bad_request("Client name cannot be empty")
            client = next((c for c in live if c["name"].lower() == value.strip().lower()), None)
            creating = None if client else value.strip()
        else:
            client = next((c for c in live if c["id"] == value), None)
            if client is None:
                raise bad_request(f"Client {value!r} isn't present in workspace {project['workspace_id']}")
    project["_new_client_name"] = creating  # created by add_new_client once the whole payload is valid
    project["client_id"] = project["cid"] = client["id"] if client else None
    project["client_name"] = client["name"] if client else creating


def add_new_client(request: FakeRequest, project: Obj) -> None:
    """Create the client a stored project's client_name asked for, once the whole payload was valid."""
    name = project.pop("_new_client_name", None)
    if name:
        client = request.store.insert("clients", client_record(project["workspace_id"], name, request.user_id))
        project["client_id"] = project["cid"] = client["id"]
        project["client_name"] = name


def _set_paid(request: FakeRequest, project: Obj, field: str, value: Any) -> None:
    expect(value, PAID_FIELDS[field], field, nullable=True)
    if value not in (None, False) and not paid_plan(request.store, project["workspace_id"]):
        raise ApiError(402, RATES_ARE_PAID if field == "rate" else FEATURE_IS_PAID)
    if field == "rate":
        project["rate_last_updated"] = stamp(request.store.now())
    elif field == "estimated_hours":
        project["estimated_seconds"] = None if value is None else value * 3600
    elif field == "recurring_parameters" and value is not None:
        if len(json.dumps(value)) > LONGEST_RECURRENCE:
            raise bad_request("recurring_parameters is too large")
        value = [value]  # sent as one object, returned as a list [V:SW24]
    project[field] = value


def set_project_field(request: FakeRequest, project: Obj, field: str, value: Any) -> None:
    """Validate one field of a project payload or patch and set it; unknown fields are ignored."""
    if field == "name":
        project["name"] = value.strip() if isinstance(value, str) else value  # checked by check_project
    elif field in ("active", "is_private", "is_shared"):
        project[field] = expect(value, bool, field)
    elif field == "color":
        # null keeps the color: togglCli sends every unset field as null on create, and its live tests
        # create projects that way [V:CLI AuHau/toggl-cli Entity.to_dict, tests/integration/test_projects.py].
        if value is None:
            return
        if not isinstance(value, str) or not COLOR.fullmatch(value):
            raise bad_request("Invalid project color, use #rrggbb")  # [V:SW24]
        project["color"] = value.lower()
    elif field in ("client_id", "cid", "client_name"):
        _set_client(request, project, field, value)
    elif field in ("start_date", "end_date"):
        project[field] = _date(value, field)
    elif field in ("template_id", "external_reference"):
        project[field] = expect(value, int if field == "template_id" else str, field, nullable=True)
    elif field == "rate_change_mode" and value not in CHANGE_MODES:
        raise bad_request("invalid rate_change_mode")
    elif field in PAID_FIELDS:
        _set_paid(request, project, field, value)


def check_project(request: FakeRequest, project: Obj) -> None:
    if not isinstance(project.get("name"), str) or not project["name"]:
        raise bad_request("Project name must not be empty")
    if project.get("start_date") and project.get("end_date") and project["end_date"] < project["start_date"]:
        raise bad_request("end_date must not be earlier than start_date")
    _check_unique_name(request.store, project)
    refresh_status(project, request.store.now().date())


def _check_unique_name(store: Store, project: Obj) -> None:
    """A project name is taken in the workspace while another live project of the same client has it,
    archived ones included: togglCli's live tests expect the duplicate to fail [V:CLI AuHau/toggl-cli
    test_add_basic]; another client may reuse it (toggl/mobileapp#4380, toggldesktop#1858) [V:issues]; an
    archived namesake blocks it too (toggl/mobileapp#7578) [V:issues]. Case-insensitive, status 400 and the
    wording are the fake's reading [?]."""
    if project.get("_new_client_name"):
        return  # a client about to be made has no projects yet
    name, client = project["name"].lower(), project.get("client_id")
    for other in store.live("projects"):
        if other["workspace_id"] != project["workspace_id"] or other.get("id") == project.get("id"):
            continue
        if other.get("client_id") == client and other["name"].lower() == name:
            raise bad_request(f"Project name {project['name']!r} is already taken")


def new_project(request: FakeRequest, workspace: Obj) -> Obj:
    """A project before its payload: without `active` it is archived, as Toggl has created projects since
    early 2025 [V:issues bokub/wakatime-to-toggl#7 (2025-01); CLI evrone/toggl-python live tests, where a
    project created without `active` is the "archived" one]. Send active=true for an active project."""
    now, paid = request.store.now(), paid_plan(request.store, workspace["id"])
    return {
        "workspace_id": workspace["id"], "wid": workspace["id"], "client_id": None, "cid": None, "client_name": None,
        "name": "", "is_private": workspace["projects_private_by_default"], "active": False, "created_at": stamp(now),
        "server_deleted_at": None, "color": PALETTE[len(request.store.tables["projects"]) % len(PALETTE)],
        "billable": workspace["projects_billable_by_default"] if paid else None, "template": False if paid else None,
        "template_id": None, "auto_estimates": False if paid else None, "estimated_hours": None,
        "estimated_seconds": None, "actual_hours": None, "actual_seconds": None, "rate": None,
        "rate_last_updated": None, "currency": workspace["default_currency"] if paid else None, "fixed_fee": None,
        "recurring": False, "recurring_parameters": None, "current_period": None, "start_date": now.date().isoformat(),
        "end_date": None, "status": "archived", "is_shared": False, "shared_at": None, "shared_hash": None,
        "pinned": False, "can_track_time": True, "tasks_count": None, "external_reference": None, "permissions": None,
        "integration_ext_id": None, "integration_ext_type": None, "integration_provider": None,
        "_creator_id": request.user_id, "_pinned_by": [],
    }  # fmt: skip


def new_project_user(store: Store, project: Obj, user_id: int, *, manager: bool = False) -> Obj:
    return store.insert("project_users", {
        "project_id": project["id"], "user_id": user_id, "workspace_id": project["workspace_id"], "manager": manager,
        "rate": None, "rate_last_updated": None, "labor_cost": None, "labor_cost_last_updated": None,
        "group_id": None, "gid": None,
    })  # fmt: skip
