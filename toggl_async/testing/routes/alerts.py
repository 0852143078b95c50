"""Project alerts of the fake (`/workspaces/{wid}/alerts*`): stored, validated and shown with their project.

An alert watches a project's tracked time against thresholds: percentages of the project's estimated hours
(threshold_type "percentage", 1 to 1000) or hours ("hours", 1 to 100000). Receivers are workspace members
and roles (admins, project_managers, project_members); one at least. Workspace admins make, change and
delete alerts; every member lists them. Alerts need a paid plan (402 on Free): they watch estimates, a
paid-plan field. Error texts are SW26's; the kinds, ranges, roles and who may are the fake's choice [I].
An alert on percentages of a project without an estimate carries an error saying so [I]. An alert goes with
its deleted project, and a receiver who leaves the workspace is no longer one of its users [I].
"""

from __future__ import annotations

from toggl_async.testing.http import ApiError, FakeRequest, Reply, bad_request, handles
from toggl_async.testing.routes.common import fields
from toggl_async.testing.routes.track_tables import insert, live, member_workspace, table
from toggl_async.testing.store import Obj, Store, lazy_tables

lazy_tables({"alerts": 27_000})
PAID_ONLY = "Alerts are available for Starter and higher plans"  # [I]
SOURCE_KINDS = ("project",)
THRESHOLD_RANGES = {"percentage": (1, 1000), "hours": (1, 100_000)}
ROLES = ("admins", "project_managers", "project_members")
ALERT_FIELDS = {"project_id": "int", "source_kind": "str", "threshold_type": "str", "thresholds": "ids",
                "receiver_users": "ids", "receiver_roles": "strs"}  # fmt: skip
NO_ESTIMATE = {"code": "missing_estimate", "message": "The project has no estimated hours"}


def _members(store: Store, wid: int) -> set[int]:
    return {m["user_id"] for m in store.live("workspace_users") if m["workspace_id"] == wid}


def _receiver_users(store: Store, alert: Obj) -> list[int]:
    """The alert's users who are still members of its workspace (one who left is no longer reached)."""
    members = _members(store, alert["wid"])
    return [u for u in alert["receiver_users"] if u in members]


def _watched(store: Store, alert: Obj) -> bool:
    """Whether the alert's project still exists: an alert goes with its deleted project [I]."""
    project = store.tables["projects"].get(alert["project_id"])
    return project is not None and not store.is_deleted(project)


def _receivers(store: Store, alert: Obj) -> set[int]:
    """The users the alert reaches: its users and the members its roles name."""
    wid, project_id = alert["wid"], alert["project_id"]
    members = [m for m in store.live("workspace_users") if m["workspace_id"] == wid]
    on_project = [p for p in store.live("project_users") if p["project_id"] == project_id]
    reached = set(_receiver_users(store, alert))
    if "admins" in alert["receiver_roles"]:
        reached |= {m["user_id"] for m in members if m["admin"]}
    if "project_managers" in alert["receiver_roles"]:
        reached |= {p["user_id"] for p in on_project if p.get("manager")}
    if "project_members" in alert["receiver_roles"]:
        reached |= {p["user_id"] for p in on_project}
    return reached


def alert_view(store: Store, alert: Obj) -> Obj:
    project = store.tables["projects"][alert["project_id"]]
    client = store.tables["clients"].get(project.get("client_id") or 0)
    users = store.tables["users"]
    estimate = project.get("estimated_hours")
    missing = alert["threshold_type"] == "percentage" and not estimate
    return {
        "id": alert["id"], "wid": alert["wid"], "project_id": project["id"], "project_name": project["name"],
        "project_color": project.get("color"), "client_id": project.get("client_id"),
        "client_name": client["name"] if client else None, "billable": project.get("billable"),
        "isPrivate": project.get("is_private"), "isFixedFee": bool(project.get("fixed_fee")),
        "estimatedHours": int(estimate) if estimate else None, "source_kind": alert["source_kind"],
        "threshold_type": alert["threshold_type"], "thresholds": alert["thresholds"],
        "threshold": min(alert["thresholds"]), "object_type": None, "receivers": len(_receivers(store, alert)),
        "receiver_users": _receiver_users(store, alert),
        "receiver_users_name": [users[u]["fullname"] for u in _receiver_users(store, alert) if u in users],
        "receiver_roles": alert["receiver_roles"], "receiver_groups": [], "errors": [NO_ESTIMATE] if missing else [],
    }  # fmt: skip


def _checked(request: FakeRequest, wid: int) -> Obj:
    """The alert a create/update body describes; 400 with Toggl's text for each problem [V:SW26]."""
    store, values = request.store, fields(request.body_object(), ALERT_FIELDS)
    kind, threshold_type = values.get("source_kind"), values.get("threshold_type")
    if not kind:
        raise bad_request("source kind can't be blank")
    if kind not in SOURCE_KINDS:
        raise bad_request("source kind out of range")
    if "project_id" not in values:
        raise bad_request("project can't be blank")
    project = store.tables["projects"].get(values["project_id"])
    if project is None or store.is_deleted(project) or project["workspace_id"] != wid:
        raise bad_request("project not supported for this source kind")
    if not threshold_type:
        raise bad_request("threshold type can't be blank")
    if threshold_type not in THRESHOLD_RANGES:
        raise bad_request("threshold type out of range")
    thresholds = sorted(set(values.get("thresholds") or []))
    if not thresholds:
        raise bad_request("thresholds can't be blank")
    low, high = THRESHOLD_RANGES[threshold_type]
    if not all(low <= t <= high for t in thresholds):
        raise bad_request("threshold out of range")
    users, roles = list(dict.fromkeys(values.get("receiver_users") or [])), values.get("receiver_roles") or []
    if not users and not roles:
        raise bad_request("receivers can't be blank")
    if any(role not in ROLES for role in roles):
        raise bad_request("receiver role out of range")
    if not set(users) <= _members(store, wid):
        raise bad_request("receiver type out of range")
    return {
        "wid": wid, "project_id": project["id"], "source_kind": kind, "threshold_type": threshold_type,
        "thresholds": thresholds, "receiver_users": users, "receiver_roles": list(dict.fromkeys(roles)),
    }  # fmt: skip


def _alert(request: FakeRequest, wid: int) -> Obj:
    alert = table(request.store, "alerts").get(request.path_params["alert_id"])
    if alert is None or request.store.is_deleted(alert) or alert["wid"] != wid or not _watched(request.store, alert):
        raise ApiError(403, "Alert not found or not accessible")  # [V:SW26]
    return alert


@handles("list_alerts")
def list_alerts(request: FakeRequest) -> Reply:
    workspace = member_workspace(request, needs=1, refusal=PAID_ONLY)
    store = request.store
    found = sorted((a for a in live(store, "alerts") if a["wid"] == workspace["id"] and _watched(store, a)),
                   key=lambda a: a["id"])  # fmt: skip
    return Reply([alert_view(request.store, a) for a in found])


@handles("create_alert")
def create_alert(request: FakeRequest) -> Reply:
    workspace = member_workspace(request, needs=1, refusal=PAID_ONLY, admin=True)
    alert = insert(request.store, "alerts", _checked(request, workspace["id"]) | {"deleted_at": None})
    return Reply(alert_view(request.store, alert))


@handles("update_alert")
def update_alert(request: FakeRequest) -> Reply:
    workspace = member_workspace(request, needs=1, refusal=PAID_ONLY, admin=True)
    alert = _alert(request, workspace["id"])
    alert.update(_checked(request, workspace["id"]))
    request.store.touch(alert)
    return Reply(alert_view(request.store, alert))


@handles("delete_alert")
def delete_alert(request: FakeRequest) -> Reply:
    workspace = member_workspace(request, needs=1, refusal=PAID_ONLY, admin=True)
    request.store.delete("alerts", _alert(request, workspace["id"]))
    return Reply("OK")
