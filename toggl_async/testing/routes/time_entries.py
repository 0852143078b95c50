"""Time entry routes of the fake. Entries are stored shaped like v9 reads [V:VCR]: every TimeEntry field
present (null when empty), start/stop to the second with `+00:00`, legacy `wid`/`uid` always and `pid`/`tid`
only when set; shapes.py says how each route writes them. Only the owner sees an entry; other users' ids
answer 404.
"""

from __future__ import annotations

import calendar
import copy
import datetime
import weakref
from typing import TYPE_CHECKING, Any

from toggl_async.testing import shapes
from toggl_async.testing.http import ApiError, FakeRequest, Reply, bad_request, empty, forbidden, handles, not_found
from toggl_async.testing.routes.goals_reminders import check_time_entry_constraints
from toggl_async.testing.routes.time_entry_invitations import invite, share, shared_with
from toggl_async.testing.shapes import Shape
from toggl_async.testing.store import Obj, Store, iso, parse_time

if TYPE_CHECKING:
    from toggl_async.testing.app import FakeToggl

TABLE = "time_entries"
# Without since/before/start_date the list covers the last 9 days: v8 documented 9 days [V:SEED1], Toggl's
# mobile team measured about 10 for v9 [?]; 9 keeps tests on the safe side of both.
DEFAULT_WINDOW = datetime.timedelta(days=9)
MAX_BULK_IDS = 100  # [V:SW24]
YEARS = range(2006, 2031)  # start/stop years Toggl accepts [V:VCR]
PATCH_FIELDS = ("description", "billable", "project_id", "task_id", "tags", "tag_ids", "start", "stop", "duration")
TIMING_KEYS = ("start", "stop", "duration", "start_date")
# The server's wording, typo included, as Toggl's desktop client matches it [V:CLI toggl/toggldesktop].
CREATED_WITH_MISSING = "created_with needs to be provided an a valid string"
# Fakes whose `since` may reach back no further than `start_date` may (three months, 400 otherwise). Toggl's
# mobile team saw `since` fail beyond about three months (toggl/mobileapp#405) [?]. Opt-in, so that the fake's
# own tests can still list every deletion with since=0.
_SINCE_WINDOW: weakref.WeakSet[FakeToggl] = weakref.WeakSet()


def enforce_since_window(fake: FakeToggl, enforce: bool = True) -> None:
    """Make `fake` answer 400 to /me/time_entries?since= older than three months, as start_date does [?]."""
    if enforce:
        _SINCE_WINDOW.add(fake)
    else:
        _SINCE_WINDOW.discard(fake)


# ---------------------------------------------------------------------------------------- handlers
@handles("list_time_entries")
def list_time_entries(request: FakeRequest) -> Reply:
    since, before = request.query_int("since"), _query_moment(request, "before")
    if since is not None and before is not None:
        raise bad_request("'since' and 'before' can not be present simultaneously")  # [V:VCR]
    if since is not None:  # nothing changed before 1970 or after now; keeps fromtimestamp in range
        since = max(0, min(since, int(request.store.clock.time()) + 1))
        if request.fake in _SINCE_WINDOW:
            _check_floor(request, datetime.datetime.fromtimestamp(since, datetime.UTC), "since")
    window = _date_window(request)
    entries = [e for e in request.store.changed_since(TABLE, since) if e["user_id"] == request.user_id]
    if before is not None:
        entries = [e for e in entries if _moment(e["start"]) < before]
    if window is not None:
        entries = [e for e in entries if window[0] <= _moment(e["start"]) < window[1]]
    if since is None and before is None and window is None:
        floor = request.store.now() - DEFAULT_WINDOW
        entries = [e for e in entries if _moment(e["start"]) >= floor]
    entries.sort(key=lambda e: (_moment(e["start"]), e["id"]), reverse=True)  # newest first [I from VCR]
    return Reply([_shown(request, e) for e in entries])


@handles("get_current_time_entry")
def get_current_time_entry(request: FakeRequest) -> Reply:
    running = _running(request.store, request.user_id)
    # Nothing running answers 200 with the JSON literal null [V:VCR].
    return Reply(shapes.TIME_ENTRY.write(running[-1]) if running else None)


@handles("get_time_entry")
def get_time_entry(request: FakeRequest) -> Reply:
    return Reply(_shown(request, _own_entry(request, request.path_params["time_entry_id"])))


@handles("create_time_entry")
def create_time_entry(request: FakeRequest) -> Reply:
    store, wid = request.store, request.path_params["workspace_id"]
    store.workspace_for(request.user_id, wid)
    body = request.body_object()
    if body.get("start") is None:
        raise bad_request("start is required for time entry creation")  # [V:VCR]
    # The start year is checked before anything else: a body with an empty created_with and description,
    # duration 0 and start 0001-01-01 got only this error [V:VCR].
    _check_year(_instant(body["start"]), "Start")
    created_with = body.get("created_with")
    if not isinstance(created_with, str):
        raise bad_request(CREATED_WITH_MISSING)  # documented required [V:SW24]; "" is accepted [V:VCR]
    if body.get("user_id") not in (None, request.user_id):
        raise forbidden()  # admins may create for other members [V:SW24]; the fake does not model that
    owner = request.user_id
    # The body's workspace_id is documented to equal the path's; what Toggl does otherwise is open [?],
    # so the path wins.
    entry: Obj = {
        "id": store.next_id(TABLE), "workspace_id": wid, "project_id": None, "task_id": None, "billable": False,
        "start": None, "stop": None, "duration": 0, "description": None, "tags": [], "tag_ids": [],
        "duronly": True, "at": None, "server_deleted_at": None, "user_id": owner, "uid": owner, "wid": wid,
        "_created_with": created_with,
    }  # fmt: skip
    _apply_fields(request, entry, body, wid, creating=True)
    check_time_entry_constraints(store, wid, entry)  # the workspace's required fields, when enabled
    share(store, entry, body.get("shared_with_user_ids"))  # checked before anything is stored
    if entry["stop"] is None:
        _stop_running(store, owner)  # one timer per user: the new one stops the old [V:VCR]
    store.insert(TABLE, entry)
    invite(store, entry, body.get("shared_with_user_ids"))
    return Reply(shapes.created_time_entry(entry, body) | _extras(request, entry))


@handles("update_time_entry")
def update_time_entry(request: FakeRequest) -> Reply:
    """Only the fields present in the body change [V:D-OVR]; `at` moves."""
    entry, body = _path_entry(request), request.body_object()
    changed = copy.deepcopy(entry)
    _apply_fields(request, changed, body, entry["workspace_id"], creating=False)
    share(request.store, changed, body.get("shared_with_user_ids"))
    _commit(request.store, entry, changed)
    invite(request.store, entry, body.get("shared_with_user_ids"))  # users not invited yet
    return Reply(_shown(request, entry, shapes.TIME_ENTRY_WRITTEN))


@handles("delete_time_entry")
def delete_time_entry(request: FakeRequest) -> Reply:
    entry = _path_entry(request)
    request.store.delete(TABLE, entry)  # kept with server_deleted_at so `since` reports it [V:VCR]
    return empty()


@handles("stop_time_entry")
def stop_time_entry(request: FakeRequest) -> Reply:
    entry = _path_entry(request)
    if entry["stop"] is not None:
        raise ApiError(409, "Time entry already stopped")  # [V:SW24]
    _stop_now(request.store, entry)
    return Reply(shapes.TIME_ENTRY_WRITTEN.write(entry))


@handles("patch_time_entries")
def patch_time_entries(request: FakeRequest) -> Reply:
    """Every operation is applied to every entry; each entry succeeds or fails alone [V:SW24]."""
    wid, ids = request.path_params["workspace_id"], request.path_params["time_entry_ids"]
    if len(ids) > MAX_BULK_IDS:
        raise bad_request(f"at most {MAX_BULK_IDS} time entries can be patched at once")
    request.store.workspace_for(request.user_id, wid)
    operations = request.json()
    if not isinstance(operations, list):
        raise bad_request("JSON array of patch operations expected")
    success: list[int] = []
    failure: list[Obj] = []
    for entry_id in dict.fromkeys(ids):
        try:
            entry = _own_entry(request, entry_id, wid)
            changed = copy.deepcopy(entry)
            for operation in operations:
                _apply_fields(request, changed, _patch_body(operation), wid, creating=False)
            _commit(request.store, entry, changed)
        except ApiError as exc:
            failure.append({"id": entry_id, "message": exc.message})
        else:
            success.append(entry_id)
    return Reply({"success": success, "failure": failure})


# ---------------------------------------------------------------------------------------- lookups
def _own_entry(request: FakeRequest, entry_id: int, wid: int | None = None) -> Obj:
    entry = request.store.tables[TABLE].get(entry_id)
    if not entry or Store.is_deleted(entry) or entry["user_id"] != request.user_id or wid not in (None, entry["wid"]):
        raise not_found("Time entry")
    return entry


def _path_entry(request: FakeRequest) -> Obj:
    """The caller's live entry in the path's workspace: 403 unless the caller is a member, else 404."""
    wid = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, wid)
    return _own_entry(request, request.path_params["time_entry_id"], wid)


def _running(store: Store, user_id: int) -> list[Obj]:
    running = [e for e in store.live(TABLE) if e["user_id"] == user_id and e["stop"] is None]
    return sorted(running, key=lambda e: (_moment(e["start"]), e["id"]))


def _shown(request: FakeRequest, entry: Obj, shape: Shape = shapes.TIME_ENTRY) -> Obj:
    """The entry as this route sends it, with the meta and sharing fields when asked for [V:SW24]."""
    return shape.write(entry) | _extras(request, entry)


def _extras(request: FakeRequest, entry: Obj) -> Obj:
    extras: Obj = {}
    if request.query_bool("meta"):
        store = request.store
        project = store.tables["projects"].get(entry["project_id"])
        client = store.tables["clients"].get(project.get("client_id") or 0) if project else None
        task = store.tables["tasks"].get(entry["task_id"])
        extras |= shapes.time_entry_meta(project, client, task, store.tables["users"].get(entry["user_id"]) or {})
    if request.query_bool("include_sharing"):
        extras["shared_with"] = shared_with(request.store, entry)
    return extras


# ---------------------------------------------------------------------------------------- changes
def _commit(store: Store, entry: Obj, changed: Obj) -> None:
    """Store a validated change; an entry that starts running stops the user's other timer."""
    if changed["stop"] is None and entry["stop"] is not None:
        _stop_running(store, entry["user_id"])
    entry.clear()
    entry.update(changed)
    store.touch(entry)


def stop_running(store: Store, user_id: int) -> None:
    """Stop every running entry of the user (one timer per user); other modules call this too."""
    _stop_running(store, user_id)


def _stop_running(store: Store, user_id: int) -> None:
    for entry in _running(store, user_id):
        _stop_now(store, entry)


def _stop_now(store: Store, entry: Obj) -> None:
    """Stop at the server's current time, duration = stop - start [V:VCR]."""
    start = _moment(entry["start"])
    stop = max(store.now().replace(microsecond=0), start)
    entry["stop"], entry["duration"] = iso(stop), int((stop - start).total_seconds())
    store.touch(entry)


def _apply_fields(request: FakeRequest, entry: Obj, body: Obj, wid: int, *, creating: bool) -> None:
    """Validate `body` (a create/update payload) and apply the fields it has to `entry`."""
    for field, kind in (("description", str | None), ("billable", bool)):
        if field in body and not isinstance(body[field], kind):
            raise bad_request(f"invalid {field}")
        entry[field] = body.get(field, entry[field])
    _apply_refs(request.store, entry, body, wid)
    _apply_tags(request, entry, body, wid)
    if creating or any(key in body for key in TIMING_KEYS):
        _apply_timing(entry, body, creating=creating)
    for legacy, field in (("pid", "project_id"), ("tid", "task_id")):
        if entry[field] is None:
            entry.pop(legacy, None)  # absent when null [V:VCR]
        else:
            entry[legacy] = entry[field]


def _apply_refs(store: Store, entry: Obj, body: Obj, wid: int) -> None:
    if "project_id" in body:
        entry["project_id"] = _ref(store, "projects", wid, body["project_id"], "project")
        task = store.tables["tasks"].get(entry["task_id"]) if entry["task_id"] else None
        if task and task.get("project_id") != entry["project_id"] and "task_id" not in body:
            entry["task_id"] = None  # the old task belongs to the old project
    if "task_id" in body:
        entry["task_id"] = _ref(store, "tasks", wid, body["task_id"], "task")
        if entry["task_id"] is not None and "project_id" not in body:
            entry["project_id"] = store.tables["tasks"][entry["task_id"]].get("project_id")


def _ref(store: Store, table: str, wid: int, value: Any, what: str) -> int | None:
    """A live project/task id of the workspace, None to clear; 400 otherwise."""
    if value is None:
        return None
    obj = store.tables[table].get(value) if _is_int(value) else None
    if obj is None or store.is_deleted(obj) or obj.get("workspace_id") != wid:
        raise bad_request(f"User cannot access the selected {what}")
    return int(value)


def _apply_tags(request: FakeRequest, entry: Obj, body: Obj, wid: int) -> None:
    """`tags` (names) and `tag_ids` replace the entry's tags, or with `tag_action` add/delete [V:SW24]."""
    if "tags" not in body and "tag_ids" not in body:
        return
    action = body.get("tag_action")
    if action not in (None, "add", "delete"):
        raise bad_request("tag_action must be 'add' or 'delete'")
    names, ids = _list(body.get("tags"), str, "tags"), _list(body.get("tag_ids"), int, "tag_ids")
    store = request.store
    found = [_tag_id(store, wid, name, request.user_id, create=action != "delete") for name in names]
    wanted = [tag_id for tag_id in found if tag_id is not None]
    for tag_id in ids:
        tag = store.tables["tags"].get(tag_id)
        if action != "delete" and (tag is None or store.is_deleted(tag) or tag["workspace_id"] != wid):
            raise bad_request(f"Tag {tag_id} not found in the workspace")
        wanted.append(tag_id)
    current: list[int] = entry["tag_ids"]
    if action == "add":
        result = current + wanted
    elif action == "delete":
        result = [tag_id for tag_id in current if tag_id not in wanted]
    else:
        result = wanted
    entry["tag_ids"] = list(dict.fromkeys(result))
    entry["tags"] = [store.tables["tags"][tag_id]["name"] for tag_id in entry["tag_ids"]]


def _tag_id(store: Store, wid: int, name: str, user_id: int, *, create: bool) -> int | None:
    """The workspace's tag of that name; unknown names become new tags [V:SW24] (or None when deleting)."""
    name = name.strip()
    if not name:
        raise bad_request("Tag name must not be empty")
    tag = next((t for t in store.live("tags") if t["workspace_id"] == wid and t["name"] == name), None)
    if tag is not None or not create:
        return int(tag["id"]) if tag else None
    tag = store.insert("tags", {"workspace_id": wid, "name": name, "creator_id": user_id, "deleted_at": None})
    return int(tag["id"])


def _apply_timing(entry: Obj, body: Obj, *, creating: bool) -> None:
    """start/stop/duration/start_date rules [V:VCR, SW24]; see create_time_entry's spec description."""
    start = _instant(body["start"]) if body.get("start") is not None else _moment(entry["start"])
    if body.get("start_date") is not None:
        day = _date(body["start_date"])
        start = start.replace(year=day.year, month=day.month, day=day.day)
    _check_year(start, "Start")
    duration = body.get("duration")
    if duration is not None and not _is_int(duration):
        raise bad_request("duration must be an integer")
    stop = _instant(body["stop"]) if body.get("stop") is not None else None
    if duration is not None and duration < 0:  # any negative duration starts a timer, stored as -1 [V:VCR]
        if stop is not None:
            raise bad_request("stop and duration are inconsistent")
        entry.update(start=iso(start), stop=None, duration=-1)
        return
    if not creating and duration is None and "stop" in body and body["stop"] is None:
        # An explicit null clears the stop: the entry runs again (stop null is how a running entry reads
        # [V:SEED2, VCR]); an absent stop keeps it. Toggl's own answer to this is unrecorded [I].
        entry.update(start=iso(start), stop=None, duration=-1)
        return
    if stop is None:
        if duration is not None:
            stop = _plus(start, duration)
        elif creating:
            stop = start  # start only: a zero-length stopped entry [V:VCR]
        elif entry["stop"] is None:
            entry["start"] = iso(start)  # a running entry with a new start keeps running
            return
        else:
            stop = _moment(entry["stop"])  # a new start keeps the stop; duration follows [I]
    _check_year(stop, "Stop")
    seconds = int((stop - start).total_seconds())
    if seconds < 0:
        raise bad_request("Stop time must be after start time")
    if duration is not None and duration != seconds:
        raise bad_request("stop and duration are inconsistent")  # [V:SW24]
    entry.update(start=iso(start), stop=iso(stop), duration=seconds)


def _patch_body(operation: Any) -> Obj:
    """One JSON-patch operation as an update payload (tags: add/remove -> tag_action add/delete)."""
    if not isinstance(operation, dict):
        raise bad_request("patch operation must be an object")
    op, path = operation.get("op"), operation.get("path")
    if op not in ("add", "remove", "replace"):
        raise bad_request(f"unsupported op {op!r}")
    field = path[1:] if isinstance(path, str) and path.startswith("/") else None
    if field not in PATCH_FIELDS:
        raise bad_request(f"unsupported path {path!r}")
    value = operation.get("value")
    if field in ("tags", "tag_ids"):
        if op == "remove" and "value" not in operation:
            return {field: []}  # removing the whole list
        values = value if isinstance(value, list) else [value]
        return {field: values, "tag_action": {"add": "add", "remove": "delete", "replace": None}[op]}
    if op == "remove":
        if field in ("start", "stop", "duration"):
            raise bad_request(f"{path} cannot be removed")
        return {field: False if field == "billable" else None}
    if "value" not in operation:
        raise bad_request(f"{op} of {path} needs a value")
    if field == "start" and isinstance(value, str) and len(value) == len("2026-11-28"):
        # A date alone moves the entry to that day, as start_date does: toggl-api-wrapper sends /start as a
        # date ("the date is only used") and its live test_tracker_bulk_edit expects success [V:CLI
        # ddkasa/toggl-api-wrapper TrackerBody._format_bulk_edit]; keeping the time of day is the fake's [I].
        return {"start_date": value}
    return {field: value}


# ---------------------------------------------------------------------------------------- time and values
def _moment(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def _instant(value: Any) -> datetime.datetime:
    """A request timestamp in UTC, truncated to seconds as Toggl stores them [V:VCR]."""
    try:
        return parse_time(value).replace(microsecond=0)
    except OverflowError as exc:  # e.g. 9999-12-31T23:00:00-05:00 has no UTC equivalent
        raise bad_request(f"Invalid date: {value!r}") from exc


def _plus(start: datetime.datetime, seconds: int) -> datetime.datetime:
    try:
        return start + datetime.timedelta(seconds=seconds)
    except OverflowError as exc:
        raise bad_request(f"Stop time year must be between {YEARS[0]} and {YEARS[-1]}") from exc


def _check_year(moment: datetime.datetime, label: str) -> None:
    if moment.year not in YEARS:
        raise bad_request(f"{label} time year must be between {YEARS[0]} and {YEARS[-1]}")


def _date(value: Any) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise bad_request(f"Invalid date: {value!r}") from exc


def _query_moment(request: FakeRequest, name: str) -> datetime.datetime | None:
    """A query date (YYYY-MM-DD, midnight UTC [?]) or RFC 3339 timestamp [V:SW24]."""
    text = request.query.get(name)
    if not text:
        return None
    if len(text) == 10:
        return datetime.datetime.combine(_date(text), datetime.time(), datetime.UTC)
    return _instant(text)


def _date_window(request: FakeRequest) -> tuple[datetime.datetime, datetime.datetime] | None:
    """start_date (inclusive) .. end_date (exclusive [I]); both or neither, and no older than 3 months [V:VCR]."""
    start, end = _query_moment(request, "start_date"), _query_moment(request, "end_date")
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise bad_request("start_date and end_date must be provided together")
    _check_floor(request, start, "start_date")
    return start, end


def _check_floor(request: FakeRequest, moment: datetime.datetime, name: str) -> None:
    floor = _three_months_before(request.store.now().date())
    if moment.date() < floor:
        raise bad_request(f"{name} must not be earlier than {floor.isoformat()}")


def _three_months_before(day: datetime.date) -> datetime.date:
    """2024-12-16 -> 2024-09-16 [V:VCR]; month ends clamp (05-31 -> 02-28/29)."""
    year, month = (day.year, day.month - 3) if day.month > 3 else (day.year - 1, day.month + 9)
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _list(value: Any, kind: type, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, kind) and not isinstance(v, bool) for v in value):
        raise bad_request(f"{name} must be a list of {'strings' if kind is str else 'integers'}")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
