"""Data exports of the fake (`/me/export*`, `/workspaces/{wid}/exports*`): zip archives of JSON files.

A request names what to export: a user's `profile` and/or `timeline` [V:SW26 export.payload], or a list of
workspace objects (clients, projects, tags, ...) [V:SW26 body; the names I, from the file names of Toggl's
workspace archive]. The data is read when the request is made (a snapshot); the archive is built from it on
download, one `<object>.json` file each, holding the objects as the API shows them [I]. An export is
"processing" for EXPORT_SECONDS of the fake's clock, then "completed" [I]; meanwhile another request of the
same user (or workspace) gives 400 "Cannot start another export until current one is complete" [V:SW26] and
its archive 400 "not complete yet" [I]. Workspace exports are for workspace admins [V:SUP-IMP]; no plan [I].
"""

from __future__ import annotations

import datetime
import io
import json
import uuid
import zipfile
from typing import Any

from toggl_async.testing import shapes
from toggl_async.testing.http import FakeRequest, Reply, bad_request, forbidden, handles, not_found
from toggl_async.testing.routes.extra_tables import insert, table
from toggl_async.testing.routes.fixed import state as fixed_state
from toggl_async.testing.routes.track_tables import live
from toggl_async.testing.store import Obj, Store, public, stamp

TABLE = "data_exports"
NOTHING_SELECTED = "You must select at least one object to export"  # [V:SW26]
SECRETS = ("api_token", "intercom_hash")
EXPORT_SECONDS = 2  # how long an export is "processing" [I]
BUSY = "Cannot start another export until current one is complete"  # [V:SW26]


def _rows(store: Store, name: str, wid: int, key: str = "workspace_id") -> list[Obj]:
    found = store.live(name) if name in store.tables else iter(())
    return sorted((public(o) for o in found if o.get(key) == wid), key=lambda o: o["id"])


def _extra_rows(store: Store, name: str, wid: int) -> list[Obj]:
    return [public(o) for o in live(store, name) if o.get("workspace_id") == wid]


# What each workspace object's file holds, read from the store when the export is asked for.
WORKSPACE_OBJECTS: dict[str, Any] = {
    "clients": lambda s, w: [shapes.CLIENT.write(c) for c in _rows(s, "clients", w, "wid")],
    "projects": lambda s, w: _rows(s, "projects", w),
    "tags": lambda s, w: [shapes.TAG.write(t) for t in _rows(s, "tags", w)],
    "project_tasks": lambda s, w: _rows(s, "tasks", w),
    "projects_users": lambda s, w: _rows(s, "project_users", w),
    "workspace_users": lambda s, w: _rows(s, "workspace_users", w),
    "teams": lambda s, w: _rows(s, "groups", w),
    "tracking_reminders": lambda s, w: _extra_rows(s, "track_reminders", w),
    "workspace_settings": lambda s, w: [public(s.tables["workspaces"][w])],
    "alerts": lambda s, w: [], "custom_reports": lambda s, w: [], "scheduled_reports": lambda s, w: [],
    "invoices": lambda s, w: [],
}  # fmt: skip


def _profile(request: FakeRequest) -> Obj:
    user = public(request.store.tables["users"][request.user_id])
    return {k: v for k, v in user.items() if k not in SECRETS}  # never a credential in a file


def _state(store: Store, export: Obj) -> str:
    ready = datetime.datetime.fromisoformat(export["_ready_at"])
    return "completed" if store.now() >= ready else "processing"


def _exports(store: Store, scope: str, owner: int) -> list[Obj]:
    return [e for e in table(store, TABLE).values() if e["_scope"] == scope and e["_owner"] == owner]


def _request(request: FakeRequest, scope: str, owner: int, files: dict[str, Any]) -> Reply:
    store = request.store
    if any(_state(store, e) == "processing" for e in _exports(store, scope, owner)):
        raise bad_request(BUSY)
    token, now = str(uuid.uuid4()), store.now()
    insert(store, TABLE, {
        "_scope": scope, "_owner": owner, "_by": request.user_id, "_files": files, "token": token,
        "error_message": "", "created_at": stamp(now),
        "_ready_at": (now + datetime.timedelta(seconds=EXPORT_SECONDS)).isoformat(),
    })  # fmt: skip
    return Reply(token)


def _listing(store: Store, scope: str, owner: int) -> Reply:
    found = sorted(_exports(store, scope, owner), key=lambda e: e["id"], reverse=True)
    return Reply([{"token": e["token"], "state": _state(store, e), "error_message": e["error_message"]} for e in found])


def _archive(store: Store, scope: str, owner: int, token: str) -> Reply:
    found = next((e for e in table(store, TABLE).values() if e["token"] == token), None)
    if found is None or found["_scope"] != scope or found["_owner"] != owner:
        raise not_found("Export data")  # unknown, another user's or another workspace's token
    if _state(store, found) != "completed":
        raise bad_request("Export data is not complete yet")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in found["_files"].items():
            archive.writestr(f"{name}.json", json.dumps(rows, indent=1))
    name = f"toggl_{scope}_{owner}_export_{token}.zip"
    return Reply(content=buffer.getvalue(), content_type="application/zip",
                 headers={"content-disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _admin_workspace(request: FakeRequest) -> int:
    store, wid = request.store, request.path_params["workspace_id"]
    store.workspace_for(request.user_id, wid)
    if not store.is_workspace_admin(request.user_id, wid):
        raise forbidden()
    return int(wid)


@handles("list_my_data_exports")
def list_my_data_exports(request: FakeRequest) -> Reply:
    return _listing(request.store, "user", request.user_id)


@handles("create_my_data_export")
def create_my_data_export(request: FakeRequest) -> Reply:
    body = request.body_object()
    for key in ("profile", "timeline"):
        if key in body and not isinstance(body[key], bool):
            raise bad_request(f"invalid {key}")
    files: dict[str, Any] = {}
    if body.get("profile"):
        files["profile"] = _profile(request)
    if body.get("timeline"):
        files["timeline"] = list(fixed_state(request.fake).timeline.get(request.user_id, []))
    if not files:
        raise bad_request(NOTHING_SELECTED)
    return _request(request, "user", request.user_id, files)


@handles("get_my_data_export_archive")
def get_my_data_export_archive(request: FakeRequest) -> Reply:
    return _archive(request.store, "user", request.user_id, request.path_params["uuid"])


@handles("list_workspace_data_exports")
def list_workspace_data_exports(request: FakeRequest) -> Reply:
    return _listing(request.store, "workspace", _admin_workspace(request))


@handles("create_workspace_data_export")
def create_workspace_data_export(request: FakeRequest) -> Reply:
    wid = _admin_workspace(request)
    names = request.json()
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise bad_request("JSON array of object names expected")
    if not names:
        raise bad_request(NOTHING_SELECTED)
    unknown = sorted(set(names) - WORKSPACE_OBJECTS.keys())
    if unknown:
        raise bad_request(f"unknown objects to export: {', '.join(unknown)[:200]}")
    files = {name: WORKSPACE_OBJECTS[name](request.store, wid) for name in dict.fromkeys(names)}
    return _request(request, "workspace", wid, files)


@handles("get_workspace_data_export_archive")
def get_workspace_data_export_archive(request: FakeRequest) -> Reply:
    return _archive(request.store, "workspace", _admin_workspace(request), request.path_params["uuid"])
