"""A scenario on a fresh FakeToggl that every operation of the spec can refer to, and request builders.

The scenario: a Premium owner with a workspace holding a client, project, task, tag, time entry,
groups, and a second member.
"""

from __future__ import annotations

import datetime
from typing import Any

import httpx
from spec_tools import SpecOperation, json_schema, merged, parameters, sample, schema_types

from toggl_async.testing import BASE_URL, FakeClock, FakeToggl
from toggl_async.testing.routes import data_exports, documents, fixed

TODAY = datetime.date(2024, 12, 16)

# Bodies that need more than "the required fields with scenario ids" to succeed.
JSON_PATCH = [{"op": "replace", "path": "/name", "value": "renamed"}]
OVERRIDES: dict[str, Any] = {
    "patch_time_entries": [{"op": "replace", "path": "/description", "value": "patched"}],
    "patch_projects": [{"op": "replace", "path": "/name", "value": "patched"}],
    "patch_tasks": [{"op": "replace", "path": "/name", "value": "patched"}],
    "patch_project_users": [{"op": "replace", "path": "/manager", "value": True}],
    "update_me": {"fullname": "Ada L."},
    "create_time_entry": {"created_with": "tests", "start": "2024-12-16T08:00:00Z", "duration": 600},
    "update_time_entry": {"description": "changed"},
    "update_timesheet_setup": {"end_date": "2024-12-22"},
    "create_webhook_subscription": {
        "url_callback": "https://hooks.example.com/second", "description": "second",
        "event_filters": [{"entity": "project", "action": "created"}],
    },
    "update_webhook_subscription": {
        "url_callback": "https://hooks.example.com/toggl", "description": "renamed", "enabled": True,
        "event_filters": [{"entity": "*", "action": "*"}],
    },
    "patch_webhook_subscription": {"enabled": False},
}  # fmt: skip


# Path values of the fixed-data routes (toggl_async/testing/routes/fixed.py): ids its data holds.
FIXED_IDS: dict[str, Any] = {
    "start": "2024-12-01T00:00:00Z", "end": "2024-12-16T00:00:00Z", "sso_profile_id": fixed.SSO_PROFILE_ID,
    "country_id": 234, "event_id": fixed.EVENT_ID, "integration_id": fixed.INTEGRATION_ID,
    "calendar_id": fixed.CALENDAR_ID, "id_calendar": str(fixed.CALENDAR_ID), "disable_code": "unsubscribe-1",
    "weekly_report_code": "weekly-1", "plan_id": 2, "feature_id": 13,
}  # fmt: skip
# Bodies of the fixed-data routes whose required fields the schema cannot say (free-form or all optional).
OVERRIDES |= {
    "update_flags": {"tour_done": True}, "create_push_service": {"fcm_registration_token": "fcm-1"},
    "delete_push_service": {"fcm_registration_token": "fcm-1"}, "enable_sso": {"confirmation_code": "c0de"},
    "send_contact_email": {"Email": "a@example.com", "Name": "Ada", "Message": "Hello"},
    "send_demo_request": {"Email": "a@example.com", "FirstName": "Ada", "TeamSize": "5"},
    "send_meet_request": {"email": "a@example.com", "location": "Tallinn"},
    "create_calendar_event_suggestions": {"event_ids": [fixed.EVENT_ID]},
    "create_organization_subscription": {"pricing_plan_tag": "premium"},
    "update_organization_subscription": {"pricing_plan_tag": "starter"},
    "request_discount": {"responses_submitted": {"positive_answers": ["price"], "negative_answers": ["none"]}},
    "apply_usage_based_discount": "seats-10", "create_cancellation_feedback": {"data": {"reason": "testing"}},
    "save_timeline_events": [{"desktop_id": "d1", "title": "Editor", "filename": "code", "start_time": 1734336000,
                              "end_time": 1734336600, "idle": False}],
}  # fmt: skip
# Requests whose body is not JSON (multipart uploads, the SAML form post): their httpx keyword arguments.
PNG = b"\x89PNG\r\n\x1a\n" + bytes(24)
FORM_REQUESTS: dict[str, dict[str, Any]] = {
    "upload_avatar": {"files": {"file": ("me.png", PNG, "image/png")}},
    "upload_workspace_logo": {"files": {"file": ("logo.png", PNG, "image/png")}},
    "upload_expense": {"files": {"file": ("taxi.pdf", b"%PDF-1.4 receipt", "application/pdf")}},
    "send_feedback": {"files": {"toggl_version": (None, "1.0"), "date": (None, "2024-12-16"),
                                "details": (None, "Works well")}},
    "complete_saml2_login": {"data": {"SAMLResponse": "PHNhbWw+U3VjY2Vzczwvc2FtbD4=", "RelayState": "web"}},
}  # fmt: skip
# Requests that put the scenario in the state an operation needs (what it deletes must exist first).
PREPARE: dict[str, tuple[str, str, Any]] = {
    "delete_trial": ("POST", "/api/v9/organizations/{organization_id}/subscription/trial", None),
    "delete_usage_based_discount": (
        "POST", "/api/v9/organizations/{organization_id}/subscription/usage_based_discount", "seats-10"
    ),
    "unlink_sso_profile": ("PUT", "/api/v9/workspaces/{workspace_id}/linked_sso_profiles/{sso_profile_id}", None),
}  # fmt: skip
# One ownership transfer at a time: the scenario's is withdrawn before another is started.
PREPARE["create_owner_transfer"] = (
    "POST", "/api/v9/organizations/{organization_id}/owner/transfer/{transfer_id}/withdraw", None
)  # fmt: skip
# Path values an operation needs other than the scenario's (`action` is search_report_tasks' too).
PATH_OVERRIDES = {"update_owner_transfer": {"action": "withdraw"}}


async def prepare(operation: SpecOperation, ids: Scenario, http: httpx.AsyncClient) -> None:
    """Send the PREPARE request of `operation`, if it has one."""
    if operation.operation_id in PREPARE:
        method, template, body = PREPARE[operation.operation_id]
        response = await http.request(method, template.format(**ids), json=body)
        assert response.is_success, response.text


async def accept_everything(scope: Any, receive: Any, send: Any) -> None:
    """A webhook receiver (ASGI) that answers 200 to every delivery without validating."""
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


# Track-core bodies that name scenario objects (filled in by body_for).
TRACK_CORE_BODIES: dict[str, Any] = {
    "create_timesheet_setups": lambda ids: {"member_ids": [ids["guest_id"]], "approver_ids": [ids["owner_id"]],
                                            "start_date": "2024-12-09"},
    "update_timesheets": lambda ids: [{"timesheet_setup_id": ids["setup_id"], "start_date": ids["start_date"],
                                       "status": "submitted"}],
    "get_timesheet_hours": lambda ids: [{"timesheet_setup_id": ids["setup_id"], "start_date": ids["start_date"]}],
    "create_rate": lambda ids: {"level": "project", "level_id": ids["project_id"], "amount": 50, "mode": "start-today"},
    "list_tasks_by_projects": lambda ids: {"project_ids": [ids["project_id"]]},
    "list_project_users_paginated": lambda ids: [ids["project_id"]],
    "list_workspace_users_by_ids": lambda ids: [ids["user_id"]],
    "create_track_reminder": lambda ids: {"frequency": 1, "threshold": 4, "user_ids": [ids["user_id"]]},
    "update_track_reminder": lambda ids: {"threshold": 6},
    "create_favorite": lambda ids: {"description": "Standup", "project_id": ids["project_id"]},
    "create_my_favorite": lambda ids: {"workspace_id": ids["workspace_id"], "description": "Review"},
    "update_favorites": lambda ids: [{"favorite_id": ids["favorite_id"], "rank": 3}],
    "update_my_favorites": lambda ids: [{"favorite_id": ids["favorite_id"], "description": "Renamed"}],
}  # fmt: skip
# Organization extras and preferences (the scenario's owner hands the organization to the member).
TRACK_CORE_BODIES |= {
    "create_owner_transfer": lambda ids: {"new_owner_id": ids["user_id"]},
    "update_organization_segmentation": lambda ids: {"members_range": "2-10", "industries": ["software"]},
    "update_my_preferences": lambda ids: {"date_format": "DD.MM.YYYY", "pomodoro_enabled": True},
    "update_my_app_preferences": lambda ids: {"timeofday_format": "h:mm A"},
    "update_workspace_preferences": lambda ids: {"disable_expenses": True},
}  # fmt: skip


TRACK_CORE_BODIES |= {
    "create_my_data_export": lambda ids: {"profile": True, "timeline": True},
    "create_workspace_data_export": lambda ids: ["clients", "projects", "tags"],
    "list_time_entries_sharing": lambda ids: [
        {"time_entry_id": ids["stopped_time_entry_id"], "workspace_id": ids["workspace_id"]}
    ],
}  # exports-ical
# Saved reports CRUD, scheduled reports, alerts and user invoices.
SAVED_REPORT = {"name": "Weekly", "public": False, "fixed_daterange": False, "params": {"report_type": "summary"}}
ALERT = {"source_kind": "project", "threshold_type": "percentage", "thresholds": [80, 100],
         "receiver_roles": ["admins"]}  # fmt: skip
INVOICE = {"date": "2024-12-16", "currency": "EUR", "items": [{"description": "Design", "quantity": 2, "amount": 200}]}
TRACK_CORE_BODIES |= {
    "create_saved_report": lambda ids: SAVED_REPORT,
    "update_saved_report": lambda ids: {"name": "Renamed"},
    "update_saved_reports": lambda ids: [{"id": ids["report_id"], "public": True}],
    "bulk_delete_saved_reports": lambda ids: {"ids": [ids["report_id"]]},
    "create_scheduled_report": lambda ids: {"bookmark_id": ids["report_id"], "frequency": 7,
                                            "user_ids": [ids["user_id"]]},
    "create_alert": lambda ids: ALERT | {"project_id": ids["project_id"]},
    "update_alert": lambda ids: ALERT | {"project_id": ids["project_id"], "thresholds": [50]},
    "create_workspace_invoice": lambda ids: INVOICE,
}  # fmt: skip


class Scenario(dict[str, Any]):
    """Ids of the objects every operation can refer to, and the second member's credentials."""

    member_auth: httpx.Auth
    invitee_auth: httpx.Auth


async def build(fake: FakeToggl) -> tuple[Scenario, httpx.AsyncClient]:
    owner = fake.add_user("owner@example.com", "owner-password", fullname="Owner", plan="Premium")
    member = fake.add_user("member@example.com", "member-password", fullname="Member")
    workspace = fake.store.tables["workspaces"][owner.default_workspace_id]
    membership = fake.store.add_workspace_member(workspace, fake.store.tables["users"][member.id])
    guest = fake.add_user("guest@example.com", "guest-password", fullname="Guest")
    fake.store.add_workspace_member(workspace, fake.store.tables["users"][guest.id])
    http = httpx.AsyncClient(base_url=BASE_URL, transport=fake.transport(), auth=owner.auth)
    wid, oid = owner.default_workspace_id, owner.organization_id

    async def create(path: str, body: Any) -> dict[str, Any]:
        response = await http.post(path, json=body)
        assert response.status_code == 200, (path, response.text)
        result: dict[str, Any] = response.json()
        return result

    client = await create(f"/api/v9/workspaces/{wid}/clients", {"name": "Acme"})
    project = await create(
        f"/api/v9/workspaces/{wid}/projects", {"name": "Website", "client_id": client["id"], "active": True}
    )
    task = await create(f"/api/v9/workspaces/{wid}/projects/{project['id']}/tasks", {"name": "Design"})
    tag = await create(f"/api/v9/workspaces/{wid}/tags", {"name": "deep-work"})
    entry = await create(f"/api/v9/workspaces/{wid}/time_entries", {
        "created_with": "tests", "workspace_id": wid, "project_id": project["id"], "task_id": task["id"],
        "start": "2024-12-16T07:00:00Z", "duration": 1800, "description": "Standup", "tags": ["deep-work"],
    })  # fmt: skip
    running = await create(f"/api/v9/workspaces/{wid}/time_entries", {
        "created_with": "tests", "workspace_id": wid, "start": "2024-12-16T08:45:00Z", "duration": -1,
    })  # fmt: skip
    group = await create(f"/api/v9/workspaces/{wid}/groups", {"name": "Team"})
    org_group = await create(f"/api/v9/organizations/{oid}/groups", {"name": "Org team", "workspaces": [wid]})
    project_user = await create(
        f"/api/v9/workspaces/{wid}/project_users", {"project_id": project["id"], "user_id": member.id}
    )
    fake.webhooks.mount("https://hooks.example.com/", accept_everything)
    subscription = await create(f"/webhooks/api/v1/subscriptions/{wid}", {
        "url_callback": "https://hooks.example.com/toggl", "description": "scenario", "enabled": True,
        "event_filters": [{"entity": "time_entry", "action": "*"}],
    })  # fmt: skip
    invitee = fake.add_user("invitee@example.com", "invitee-password", fullname="Invitee")
    invited = await create(f"/api/v9/organizations/{oid}/invitations", {
        "emails": ["invitee@example.com"], "workspaces": [{"workspace_id": wid}],
    })  # fmt: skip
    setups = await create(f"/api/v9/workspaces/{wid}/timesheet_setups", {
        "member_ids": [member.id], "approver_ids": [owner.id], "start_date": "2024-12-09",
    })  # fmt: skip
    goal = await create(f"/api/v9/workspaces/{wid}/goals", {
        "name": "Deep work", "target_seconds": 3600, "recurrence": "daily", "comparison": "more_than",
    })  # fmt: skip
    reminder = await create(f"/api/v9/workspaces/{wid}/track_reminders",
                            {"frequency": 7, "threshold": 20, "user_ids": [member.id]})  # fmt: skip
    project_group = await create(f"/api/v9/workspaces/{wid}/project_groups",
                                 {"group_id": group["id"], "project_id": project["id"]})  # fmt: skip
    favorite = await create(f"/api/v9/workspaces/{wid}/favorites", {"description": "Standup"})
    exports_ical = await exports_ical_ids(http, wid, owner.id, member.auth)
    if isinstance(fake.clock, FakeClock):
        fake.clock.advance(data_exports.EXPORT_SECONDS)  # the exports are complete
    transfer = await create(f"/api/v9/organizations/{oid}/owner/transfer", {"new_owner_id": member.id})
    saved = await create(f"/api/v9/workspaces/{wid}/reports/shared", SAVED_REPORT)
    schedule = await create(f"/api/v9/workspaces/{wid}/scheduled_reports",
                            {"bookmark_id": saved["id"], "frequency": 1, "user_ids": [owner.id]})  # fmt: skip
    alert = await create(f"/api/v9/workspaces/{wid}/alerts", ALERT | {"project_id": project["id"]})
    (invoice,) = await create(f"/api/v9/workspaces/{wid}/invoices", INVOICE)
    org_user_id = next(
        m["id"] for m in fake.store.live("org_users") if m["user_id"] == member.id and m["organization_id"] == oid
    )
    ids = {
        "workspace_id": wid, "organization_id": oid, "guest_id": guest.id, "user_id": member.id,
        "client_id": client["id"], "project_id": project["id"], "task_id": task["id"], "tag_id": tag["id"],
        "time_entry_id": running["id"], "stopped_time_entry_id": entry["id"],
        "project_user_id": project_user["id"], "workspace_user_id": membership["id"],
        "organization_user_id": org_user_id, "group_id": group["id"],
        "org_group_id": org_group["group_id"] if "group_id" in org_group else org_group["id"],
        "subscription_id": subscription["subscription_id"],
        "validation_code": fake.webhooks.subscriptions[subscription["subscription_id"]]["_validation_code"],
        "extension": "csv",  # report exports: {extension} is csv or xlsx
        "action": "search",  # search_report_tasks: search or filters
        "owner_id": owner.id, "setup_id": setups[0]["id"], "start_date": "2024-12-09", "level": "project",
        "level_id": project["id"], "invitation_code": invited["invitations"][0]["code"],
        "invitation_id": invited["data"][0]["invitation_id"], "goal_id": goal["goal_id"],
        "reminder_id": reminder["reminder_id"], "project_group_id": project_group["id"],
        "favorite_id": favorite["favorite_id"], "transfer_id": transfer["owner_transfer_id"], "client_app": "desktop",
        "report_id": saved["id"], "scheduled_report_id": schedule["report_id"], "alert_id": alert["id"],
        "user_invoice_id": invoice["user_invoice_id"], "invoice_id": invoice["user_invoice_id"],
    } | exports_ical  # fmt: skip
    ids["report_token"] = fake.add_saved_report(owner, params={"start_date": "2024-12-09", "end_date": "2024-12-16"})
    ids |= FIXED_IDS
    ids |= {
        "invoice_uid": f"in_{oid}_1",
        "purchase_order_uid": f"PO-{oid}-1",
        "payment_id": documents.PAYMENT_ID,
        "purchase_order_id": documents.PURCHASE_ORDER_ID,
    }  # routes/documents.py: ids its billing data knows
    scenario = Scenario(ids)
    scenario.member_auth = member.auth
    scenario.invitee_auth = invitee.auth
    return scenario, http


async def exports_ical_ids(http: httpx.AsyncClient, wid: int, owner_id: int, member: httpx.Auth) -> dict[str, Any]:
    """A data export of each kind, the owner's iCal feed switched on, and an entry the member shared with them."""

    async def answer(method: str, path: str, body: Any = None, auth: Any = httpx.USE_CLIENT_DEFAULT) -> Any:
        response = await http.request(method, f"/api/v9{path}", json=body, auth=auth)
        assert response.status_code == 200, (path, response.text)
        return response.json()

    await answer("POST", f"/workspaces/{wid}/time_entries", {
        "created_with": "tests", "workspace_id": wid, "start": "2024-12-16T06:00:00Z", "duration": 900,
        "description": "Pairing", "shared_with_user_ids": [owner_id],
    }, auth=member)  # fmt: skip
    return {
        "uuid": await answer("POST", "/me/export", {"profile": True}),
        "workspace_export_uuid": await answer("POST", f"/workspaces/{wid}/exports", ["clients", "projects"]),
        "token": (await answer("POST", f"/workspaces/{wid}/ical/toggle")).rsplit("/", 1)[-1],
        "time_entry_invitation_id": (await answer("GET", f"/workspaces/{wid}/time_entry_invitations"))[0][
            "time_entry_invitation_id"
        ],
        "invitation_action": "accept",
    }


# Path parameters whose scenario value has another name: (parameter, a piece of the path) -> key in the ids.
RENAMED = {
    ("uuid", "/workspaces/"): "workspace_export_uuid",
    ("action", "/time_entry_invitations/"): "invitation_action",
}


def path_for(operation: SpecOperation, ids: Scenario) -> str:
    path = operation.path
    for param in parameters(operation):
        if param["in"] != "path":
            continue
        name = param["name"]
        key = "org_group_id" if name == "group_id" and "/organizations/" in path else name.removesuffix("s")
        key = next((k for (n, piece), k in RENAMED.items() if n == name and piece in path), key)
        if name.endswith("_ids"):
            key = name[: -len("_ids")] + "_id"
        value = PATH_OVERRIDES.get(operation.operation_id, {}).get(name, ids[key])
        path = path.replace("{" + name + "}", str(value))
    return path


# Required query values a sample string cannot be.
QUERY_OVERRIDES = {
    "get_sso_login_url": {"email": "owner@example.com"}, "get_calendar_setup_redirect": {"provider": "google"},
}  # fmt: skip


def required_query(operation: SpecOperation) -> dict[str, str]:
    return {
        p["name"]: str(sample(p["schema"])) for p in parameters(operation) if p["in"] == "query" and p.get("required")
    } | QUERY_OVERRIDES.get(operation.operation_id, {})


def body_for(operation: SpecOperation, ids: Scenario) -> Any:
    if operation.operation_id in TRACK_CORE_BODIES:
        return TRACK_CORE_BODIES[operation.operation_id](ids)
    if operation.operation_id in OVERRIDES:
        return OVERRIDES[operation.operation_id]
    if operation.operation_id == "bulk_delete_tags":
        return {"delete": [ids["tag_id"]]}
    if operation.operation_id == "create_project_user":
        return {"project_id": ids["project_id"], "user_id": ids["guest_id"]}
    if "requestBody" not in operation.body:
        return None
    schema = merged(json_schema(operation.body["requestBody"]) or {})
    if "array" in schema_types(schema):
        return [ids["client_id"]] if "integer" in schema_types(merged(schema["items"])) else JSON_PATCH
    body = {name: fill(name, prop, ids, operation) for name, prop in schema.get("properties", {}).items()
            if name in schema.get("required", []) or name in ("start_date", "end_date", "name")}  # fmt: skip
    return body


def fill(name: str, prop: dict[str, Any], ids: Scenario, operation: SpecOperation) -> Any:
    if name in ("workspace_id", "wid"):
        return ids["workspace_id"]
    if name in ids:
        return ids[name]
    if name == "start_date":
        return (TODAY - datetime.timedelta(days=7)).isoformat()
    if name == "end_date":
        return TODAY.isoformat()
    if name == "start":
        return "2024-12-16T08:00:00Z"
    if name in ("name", "workspace_name"):
        return f"{operation.operation_id} thing"
    if name == "emails":
        return ["new.person@example.com"]
    if name == "workspaces":
        return (
            [{"workspace_id": ids["workspace_id"]}]
            if "object" in schema_types(merged(prop.get("items", {})))
            else [ids["workspace_id"]]
        )
    if name in ("delete", "users", "project_ids"):
        return [ids["project_id"] if name == "project_ids" else ids["workspace_user_id"]]
    return sample(prop)
