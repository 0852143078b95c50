"""Goals, tracking reminders, project groups and time entry constraints of the fake.

- Goals: progress is computed from the goal user's stopped time entries of the workspace that match the goal's
  projects, tasks, tags and billable flag, over the current day (daily) or week from Monday (weekly) [I; the
  fields are SW26's]. status: "achieved" once a more_than target is reached, "failed" once a less_than target
  is passed, else "in_progress" [?].
- Tracking reminders: stored and listed; workspace admins change them [I]. /me/track_reminders lists those that
  name the caller or one of the caller's groups.
- Project groups: stored and listed (they do not change who sees a project in the fake).
- Time entry constraints: stored on the workspace (`te_constraints`, also shown by get_workspace); while enabled,
  create_time_entry refuses an entry without a required field (400) [I].
"""

from __future__ import annotations

import datetime

from toggl_async.testing.http import ApiError, FakeRequest, Reply, bad_request, forbidden, handles, not_found
from toggl_async.testing.routes.common import fields, user_of
from toggl_async.testing.routes.params import page_slice
from toggl_async.testing.routes.track_tables import date_value, insert, live, member_workspace, table
from toggl_async.testing.store import Obj, Store, public, stamp

GOAL_FIELDS = {
    "name": "str", "user_id": "int", "target_seconds": "int", "recurrence": "str", "comparison": "str",
    "billable": "bool", "icon": "str", "project_ids": "ids", "task_ids": "ids", "tag_ids": "ids",
    "start_date": "str", "end_date": "str", "active": "bool", "last_notified_at": "str",
}  # fmt: skip
RECURRENCES, COMPARISONS = ("daily", "weekly"), ("more_than", "less_than")
REMINDER_FIELDS = {"frequency": "int", "threshold": "num", "user_ids": "ids", "group_ids": "ids",
                   "email_reminder_enabled": "bool", "slack_reminder_enabled": "bool"}  # fmt: skip
CONSTRAINT_KEYS = ("time_entry_constraints_enabled", "description_present", "project_present", "tag_present",
                   "task_present")  # fmt: skip
NO_CONSTRAINTS = dict.fromkeys(CONSTRAINT_KEYS, False)


# ---------------------------------------------------------------------------------------- goals
def _period(store: Store, goal: Obj) -> tuple[datetime.date, datetime.date]:
    today = store.now().date()
    if goal["recurrence"] == "daily":
        return today, today
    monday = today - datetime.timedelta(days=today.weekday())
    return monday, monday + datetime.timedelta(days=6)


def _counts(goal: Obj, entry: Obj) -> bool:
    if goal["project_ids"] and entry.get("project_id") not in goal["project_ids"]:
        return False
    if goal["task_ids"] and entry.get("task_id") not in goal["task_ids"]:
        return False
    if goal["tag_ids"] and not set(goal["tag_ids"]) & set(entry.get("tag_ids") or []):
        return False
    return not goal["billable"] or bool(entry.get("billable"))


def goal_view(store: Store, goal: Obj) -> Obj:
    first, last = _period(store, goal)
    tracked = sum(
        max(e.get("duration") or 0, 0) for e in store.live("time_entries")
        if e["user_id"] == goal["user_id"] and e.get("workspace_id") == goal["workspace_id"] and e.get("stop")
        and first <= datetime.datetime.fromisoformat(e["start"]).date() <= last and _counts(goal, e)
    )  # fmt: skip
    met = tracked >= goal["target_seconds"]
    status = ("achieved" if met else "in_progress") if goal["comparison"] == "more_than" else (
        "failed" if tracked > goal["target_seconds"] else "in_progress")  # fmt: skip
    tags = store.tables["tags"]
    return public(goal) | {
        "user_name": user_of(store, goal["user_id"])["fullname"],
        "creator_user_name": user_of(store, goal["creator_user_id"])["fullname"],
        "current_recurrence_start_date": first.isoformat(), "current_recurrence_end_date": last.isoformat(),
        "current_recurrence_tracked_seconds": tracked, "status": status, "streak": 1 if met else 0,
        "tags": [tags[i]["name"] for i in goal["tag_ids"] if i in tags], "permissions": None,
    }  # fmt: skip


def _check_goal(request: FakeRequest, workspace: Obj, values: Obj) -> None:
    store, wid = request.store, workspace["id"]
    if "name" in values and not values["name"].strip():
        raise bad_request("name must not be empty")
    if "target_seconds" in values and values["target_seconds"] < 1:
        raise bad_request("target_seconds must be positive")
    if "recurrence" in values and values["recurrence"] not in RECURRENCES:
        raise bad_request("Invalid recurrence")
    if "comparison" in values and values["comparison"] not in COMPARISONS:
        raise bad_request("Invalid comparison")
    for key, name in (("project_ids", "projects"), ("task_ids", "tasks"), ("tag_ids", "tags")):
        for obj_id in values.get(key) or []:
            obj = store.tables[name].get(obj_id)
            if obj is None or store.is_deleted(obj) or obj.get("workspace_id") != wid:
                raise forbidden()  # "project or task don't belong to workspace" [V:SW26 403 text]
    for key in ("start_date", "end_date"):
        if key in values:
            values[key] = date_value(values[key], key).isoformat()


def _goal(request: FakeRequest) -> Obj:
    goal = table(request.store, "goals").get(request.path_params["goal_id"])
    if goal is None or request.store.is_deleted(goal) or goal["workspace_id"] != request.path_params["workspace_id"]:
        raise not_found("Goal")
    if request.user_id not in (goal["user_id"], goal["creator_user_id"]):
        raise not_found("Goal")  # "goal not found for this user" [V:SW26]
    return goal


@handles("list_goals")
def list_goals(request: FakeRequest) -> Reply:
    store, workspace = request.store, member_workspace(request)
    team = request.query_bool("team_goals", False)
    if team and not store.is_workspace_admin(request.user_id, workspace["id"]):
        raise ApiError(403, "User has no access to team goals feature")  # [V:SW26]
    active = request.query_bool("active")
    goals = [
        g for g in live(store, "goals") if g["workspace_id"] == workspace["id"]
        and (team or request.user_id in (g["user_id"], g["creator_user_id"]))
        and (active is None or g["active"] == active)
    ]  # fmt: skip
    page = max(request.query_int("page", 1) or 1, 1)
    per_page = max(request.query_int("per_page", 50) or 50, 1)  # the default is not documented [I]
    return Reply([goal_view(store, g) for g in page_slice(sorted(goals, key=lambda g: g["id"]), page, per_page)])


@handles("list_my_goals")
def list_my_goals(request: FakeRequest) -> Reply:
    store, uid = request.store, request.user_id
    active = request.query_bool("active")
    goals = [g for g in live(store, "goals") if g["user_id"] == uid and g["workspace_id"] in store.workspace_ids(uid)
             and (active is None or g["active"] == active)]  # fmt: skip
    return Reply([goal_view(store, g) for g in sorted(goals, key=lambda g: g["id"])])


@handles("create_goal")
def create_goal(request: FakeRequest) -> Reply:
    store, workspace = request.store, member_workspace(request)
    values = fields(request.body_object(), GOAL_FIELDS)
    for key in ("name", "target_seconds", "recurrence", "comparison"):
        if key not in values:
            raise bad_request(f"{key} is required")
    user_id = values.get("user_id", request.user_id)
    if store.membership(user_id, workspace["id"]) is None:
        raise forbidden()
    if user_id != request.user_id and not store.is_workspace_admin(request.user_id, workspace["id"]):
        raise forbidden()
    _check_goal(request, workspace, values)
    goal = insert(store, "goals", {
        "workspace_id": workspace["id"], "user_id": user_id, "creator_user_id": request.user_id, "icon": None,
        "active": True, "billable": False, "project_ids": [], "task_ids": [], "tag_ids": [],
        "start_date": store.now().date().isoformat(), "end_date": None, "last_completed_recurrence_end_date": None,
        "last_notified_at": None, "team_goal": user_id != request.user_id,
    } | {k: v for k, v in values.items() if k not in ("user_id", "active", "last_notified_at")})  # fmt: skip
    goal["goal_id"] = goal["id"]
    return Reply(goal_view(store, goal))


@handles("get_goal")
def get_goal(request: FakeRequest) -> Reply:
    member_workspace(request)
    return Reply(goal_view(request.store, _goal(request)))


@handles("update_goal")
def update_goal(request: FakeRequest) -> Reply:
    store, workspace = request.store, member_workspace(request)
    try:
        goal = _goal(request)
    except ApiError:
        raise bad_request("Goal not found or not accessible by the user") from None  # [V:SW26]
    allowed = ("name", "active", "comparison", "icon", "target_seconds", "end_date", "last_notified_at")
    values = {k: v for k, v in fields(request.body_object(), GOAL_FIELDS).items() if k in allowed}
    _check_goal(request, workspace, values)
    goal.update(values)
    return Reply(goal_view(store, store.touch(goal)))


@handles("delete_goal")
def delete_goal(request: FakeRequest) -> Reply:
    store = request.store
    member_workspace(request)
    goal = table(store, "goals").get(request.path_params["goal_id"])
    if goal is None or store.is_deleted(goal) or goal["creator_user_id"] != request.user_id:
        raise bad_request("Goal already deleted or was not created by this user")  # [V:SW26]
    store.delete("goals", goal)
    return Reply(status=204, empty=True)


# ---------------------------------------------------------------------------------------- tracking reminders
def _reminder_values(request: FakeRequest, workspace: Obj, body: Obj, *, creating: bool) -> Obj:
    store, wid = request.store, workspace["id"]
    values = fields(body, REMINDER_FIELDS)
    if "frequency" in values and values["frequency"] not in (1, 7):
        raise bad_request("frequency should be either 1 or 7")  # [V:SW26 field text]
    if "threshold" in values and values["threshold"] <= 0:
        raise bad_request("threshold must be positive")
    if creating and not (values.get("user_ids") or values.get("group_ids")):
        raise bad_request("user_ids or group_ids must be given")  # [V:SW26 "can be omitted if ... provided"]
    if creating and not {"frequency", "threshold"} <= values.keys():
        raise bad_request("frequency and threshold are required")
    for uid in values.get("user_ids") or []:
        if store.membership(uid, wid) is None:
            raise bad_request(f"User {uid} is not a member of the workspace")
    groups = {g["id"] for g in store.live("groups") if g.get("workspace_id") == wid}
    groups |= {g["id"] for g in store.live("org_groups") if wid in g.get("workspaces", [])}
    if set(values.get("group_ids") or []) - groups:
        raise bad_request("Groups must belong to the workspace")
    return values


def _reminder(request: FakeRequest) -> Obj:
    reminder = table(request.store, "track_reminders").get(request.path_params["reminder_id"])
    if reminder is None or request.store.is_deleted(reminder) or reminder["workspace_id"] != request.path_params[
            "workspace_id"]:  # fmt: skip
        raise not_found("Track reminder")
    return reminder


def reminder_view(reminder: Obj) -> Obj:
    view = public(reminder)
    view.pop("at", None)
    view.pop("id", None)
    return view


@handles("list_track_reminders")
def list_track_reminders(request: FakeRequest) -> Reply:
    workspace = member_workspace(request)
    found = [r for r in live(request.store, "track_reminders") if r["workspace_id"] == workspace["id"]]
    return Reply([reminder_view(r) for r in found])


@handles("list_my_track_reminders")
def list_my_track_reminders(request: FakeRequest) -> Reply:
    store, uid = request.store, request.user_id
    mine = {
        g["id"] for table_name in ("groups", "org_groups") for g in store.live(table_name) if uid in g.get("users", [])
    }
    found = [r for r in live(store, "track_reminders") if r["workspace_id"] in store.workspace_ids(uid)
             and (uid in (r["user_ids"] or []) or mine & set(r["group_ids"] or []))]  # fmt: skip
    return Reply([reminder_view(r) for r in found])


@handles("create_track_reminder")
def create_track_reminder(request: FakeRequest) -> Reply:
    store, workspace = request.store, member_workspace(request, admin=True)
    values = _reminder_values(request, workspace, request.body_object(), creating=True)
    reminder = insert(store, "track_reminders", {
        "workspace_id": workspace["id"], "user_ids": None, "group_ids": None, "email_reminder_enabled": True,
        "slack_reminder_enabled": False, "created_at": stamp(store.now()),
    } | values)  # fmt: skip
    reminder["reminder_id"] = reminder["id"]
    return Reply(reminder_view(reminder))


@handles("update_track_reminder")
def update_track_reminder(request: FakeRequest) -> Reply:
    store, workspace = request.store, member_workspace(request, admin=True)
    reminder = _reminder(request)
    reminder.update(_reminder_values(request, workspace, request.body_object(), creating=False))
    return Reply(reminder_view(store.touch(reminder)))


@handles("delete_track_reminder")
def delete_track_reminder(request: FakeRequest) -> Reply:
    member_workspace(request, admin=True)
    request.store.delete("track_reminders", _reminder(request))
    return Reply("OK")


# ---------------------------------------------------------------------------------------- project groups
@handles("list_project_groups")
def list_project_groups(request: FakeRequest) -> Reply:
    workspace = member_workspace(request)
    wanted = request.query_ids("project_ids")
    found = [p for p in live(request.store, "project_groups")
             if p["wid"] == workspace["id"] and (not wanted or p["pid"] in wanted)]  # fmt: skip
    return Reply([{k: p[k] for k in ("id", "group_id", "pid", "wid")} for p in found])


@handles("create_project_group")
def create_project_group(request: FakeRequest) -> Reply:
    store, workspace = request.store, member_workspace(request, admin=True)
    body = request.body_object()
    group_id, project_id = body.get("group_id"), body.get("project_id")
    project = store.tables["projects"].get(project_id) if isinstance(project_id, int) else None
    if project is None or store.is_deleted(project) or project["workspace_id"] != workspace["id"]:
        raise bad_request("Project not found in workspace")
    groups = {g["id"] for g in store.live("groups") if g.get("workspace_id") == workspace["id"]}
    groups |= {g["id"] for g in store.live("org_groups") if workspace["id"] in g.get("workspaces", [])}
    if type(group_id) is not int or group_id not in groups:  # a list or object id is no id (and unhashable)
        raise bad_request("Group not found in workspace")
    same = [p for p in live(store, "project_groups") if p["pid"] == project_id and p["group_id"] == group_id]
    # Adding a group that is already a member answers that membership, and adds no second one [I].
    created = (
        same[0]
        if same
        else insert(store, "project_groups", {"group_id": group_id, "pid": project_id, "wid": workspace["id"]})
    )
    return Reply({k: created[k] for k in ("id", "group_id", "pid", "wid")})


@handles("delete_project_group")
def delete_project_group(request: FakeRequest) -> Reply:
    store, workspace = request.store, member_workspace(request, admin=True)
    found = table(store, "project_groups").get(request.path_params["project_group_id"])
    if found is None or store.is_deleted(found) or found["wid"] != workspace["id"]:
        raise not_found("Project group")
    store.delete("project_groups", found)
    return Reply("OK")


# ---------------------------------------------------------------------------------------- time entry constraints
def constraints_of(workspace: Obj) -> Obj:
    return NO_CONSTRAINTS | (workspace.get("te_constraints") or {})


@handles("get_time_entry_constraints")
def get_time_entry_constraints(request: FakeRequest) -> Reply:
    return Reply(constraints_of(member_workspace(request)))


@handles("update_time_entry_constraints")
def update_time_entry_constraints(request: FakeRequest) -> Reply:
    store, workspace = request.store, member_workspace(request)
    if not store.is_workspace_admin(request.user_id, workspace["id"]):
        raise bad_request("Admin permissions required")  # [V:SW26]
    values = fields(request.body_object(), dict.fromkeys(CONSTRAINT_KEYS, "bool"))
    workspace["te_constraints"] = constraints_of(workspace) | values
    store.touch(workspace)
    return Reply({"wid": workspace["id"]})


def check_time_entry_constraints(store: Store, workspace_id: int, entry: Obj) -> None:
    """400 naming the first missing field when the workspace's constraints are enabled [I]."""
    rules = constraints_of(store.tables["workspaces"][workspace_id])
    if not rules["time_entry_constraints_enabled"]:
        return
    missing = [
        name for name, rule, given in (
            ("description", "description_present", bool((entry.get("description") or "").strip())),
            ("project", "project_present", entry.get("project_id") is not None),
            ("task", "task_present", entry.get("task_id") is not None),
            ("tag", "tag_present", bool(entry.get("tag_ids"))),
        ) if rules[rule] and not given
    ]  # fmt: skip
    if missing:
        raise bad_request(f"Time entry must have a {missing[0]} in this workspace")
