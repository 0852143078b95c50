"""How FakeToggl writes each object, route by route: which keys it carries, which are left out while unset,
and how its timestamps are written. Every rule names its evidence (tags as in spec/toggl.yaml: [V:SRC] seen
in SRC, [I] inferred, [?] open). VCR is Toggl's own recorded traffic (go-api-libs/toggl pkg/toggl/vcr,
December 2024, and that folder's git history); "toggl-python" is evrone/toggl-python, whose live tests assert
the exact key set of each answer (`model_fields_set == ...`) and whose tests/responses hold real answers.

The store keeps one canonical form (`at`-style stamps "...ffffffZ", start/stop "...+00:00") so that `since`
stays a string comparison; only what is sent changes here.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from .store import DEFAULT_PROFILE_IMAGE, Obj, public

Stamp = Callable[[str], str]


# ---------------------------------------------------------------------------------------- timestamp writers
def _moment(text: str) -> datetime.datetime | None:
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=datetime.UTC) if moment.tzinfo is None else moment.astimezone(datetime.UTC)


def nano(text: str) -> str:
    """Go's RFC 3339 with nanoseconds, as Toggl writes `at`: "...30.62207Z", "...30Z" [V:VCR]."""
    moment = _moment(text)
    if moment is None:
        return text
    fraction = f"{moment.microsecond:06d}".rstrip("0")
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + "Z"


def seconds(text: str) -> str:
    """To the second with "+00:00", as time entry reads and project/client/workspace `at` are [V:VCR]."""
    moment = _moment(text)
    return text if moment is None else moment.replace(microsecond=0).isoformat()


def seconds_z(text: str) -> str:
    """To the second with "Z", as create and stop answers write start/stop [V:VCR]."""
    moment = _moment(text)
    return text if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def midnight(text: str) -> str:
    """The day at midnight, "Z": a workspace's `last_modified` [V:VCR "2024-12-12T00:00:00Z"]."""
    moment = _moment(text)
    return text if moment is None else moment.strftime("%Y-%m-%dT00:00:00Z")


# ---------------------------------------------------------------------------------------- the rule type
@attrs.frozen
class Shape:
    """How one kind of object is written on one group of routes.

    keys: exactly these keys, in this order (those the object lacks are skipped); None keeps every public
    key. omit_if_null: keys left out while their value is null. drop: keys never sent. times: the writer of
    each timestamp key.
    """

    evidence: str
    keys: tuple[str, ...] | None = None
    omit_if_null: frozenset[str] = frozenset()
    drop: frozenset[str] = frozenset()
    times: Mapping[str, Stamp] = attrs.field(factory=dict)

    def write(self, obj: Mapping[str, Any]) -> Obj:
        """The object as this route sends it (private keys never)."""
        source = public(dict(obj))
        out = {k: source[k] for k in self.keys if k in source} if self.keys is not None else source
        for key in self.drop:
            out.pop(key, None)
        for key in self.omit_if_null:
            if key in out and out[key] is None:
                del out[key]
        for key, writer in self.times.items():
            if isinstance(out.get(key), str):
                out[key] = writer(out[key])
        return out


# ---------------------------------------------------------------------------------------- the user
_RELATED = ("tags", "clients", "time_entries", "projects", "tasks", "workspaces")
ME = Shape(
    "VCR GET /me and /me?with_related_data=true (key order, nano stamps); toggl-python MeResponse requires "
    "toggl_accounts_id, authorization_updated_at and a URL image_url. The related collections come before "
    "authorization_updated_at [V:VCR]; `tasks` has no place in the recordings (none were sent) [I].",
    keys=("id", "api_token", "email", "fullname", "timezone", "toggl_accounts_id", "default_workspace_id",
          "beginning_of_week", "image_url", "created_at", "updated_at", "openid_email", "openid_enabled",
          "country_id", "has_password", "at", "intercom_hash", "oauth_providers", *_RELATED,
          "authorization_updated_at"),
    times={key: nano for key in ("created_at", "updated_at", "at", "authorization_updated_at")},
)  # fmt: skip
ME_UPDATED = Shape(
    "PUT /me answers without intercom_hash, oauth_providers and authorization_updated_at, with "
    "toggl_accounts_updated_at [V:toggl-python tests/responses/me_put.py, UpdateMeResponse].",
    keys=("id", "api_token", "email", "fullname", "timezone", "toggl_accounts_id", "default_workspace_id",
          "beginning_of_week", "image_url", "created_at", "updated_at", "toggl_accounts_updated_at",
          "openid_email", "openid_enabled", "country_id", "has_password", "at"),
    times={key: nano for key in ("created_at", "updated_at", "toggl_accounts_updated_at", "at")},
)  # fmt: skip


def related_collections(collections: Mapping[str, list[Obj]]) -> Obj:
    """/me?with_related_data=true: an empty `tasks` or `clients` is left out, the other collections are null.

    Left out: VCR has no `tasks` key for a user without tasks, and toggl-python's live test expects
    `clients` only "if at least 1 client exists" [V]. Null: Toggl's docs say the related arrays are null
    when empty [V:SEED2], and toggl-python's live test_me__with_related_data (v0.3.2) requires `projects`,
    `tags`, `time_entries` and `workspaces` to be there [V]; no recording shows one of those left out.
    """
    omitted_when_empty = ("tasks", "clients")
    return {name: items or None for name, items in collections.items() if items or name not in omitted_when_empty}


# ---------------------------------------------------------------------------------------- workspace objects
TIME_ENTRY = Shape(
    "Reads (lists, get, current, /me related): start/stop to the second with +00:00, `at` nano, "
    "server_deleted_at to the second with +00:00 [V:VCR]. pid/tid are stored only when set [V:VCR].",
    times={"start": seconds, "stop": seconds, "at": nano, "server_deleted_at": seconds},
)
TIME_ENTRY_WRITTEN = Shape(
    "Create and stop answers write start/stop with Z [V:VCR]; update answers the same way [I].",
    times={"start": seconds_z, "stop": seconds_z, "at": nano, "server_deleted_at": seconds},
)


def created_time_entry(entry: Obj, body: Mapping[str, Any]) -> Obj:
    """A create answer: a start-only create answers stop null and duration 0 (it is stored, and later read,
    stopped with stop == start); `tags` is [] only when `tags` alone was sent, `tag_ids` [] only when
    `tag_ids` was sent, each null otherwise while empty [V:VCR: tags [] -> tags [] / tag_ids null; tags []
    with tag_ids [] -> tags null / tag_ids []; neither -> both null]. Non-empty lists are sent as they are [I].
    """
    shown = TIME_ENTRY_WRITTEN.write(entry)
    if body.get("stop") is None and body.get("duration") is None:
        shown["stop"], shown["duration"] = None, 0
    if not shown["tag_ids"]:
        shown["tag_ids"] = [] if body.get("tag_ids") is not None else None
        shown["tags"] = [] if body.get("tags") is not None and body.get("tag_ids") is None else None
    return shown


def time_entry_meta(project: Obj | None, client: Obj | None, task: Obj | None, owner: Obj) -> Obj:
    """The meta=true fields: project and client fields only when the entry has them, no client_id [V:VCR
    meta rows]; an entry without a project carries only user_name and user_avatar_url, "" for the default
    profile image [V:toggl-python tests/responses/time_entry_get.py]; task_name only with a task [I]."""
    meta: Obj = {}
    if project:
        if client:
            meta["client_name"] = client.get("name")
        meta |= {
            "project_name": project.get("name"), "project_color": project.get("color"),
            "project_active": project.get("active"), "project_billable": project.get("billable"),
        }  # fmt: skip
    if task:
        meta["task_name"] = task.get("name")
    image = owner.get("image_url") or ""
    meta |= {"user_name": owner.get("fullname"), "user_avatar_url": "" if image == DEFAULT_PROFILE_IMAGE else image}
    return meta


_PROJECT_TIMES: Mapping[str, Stamp] = {
    "at": seconds, "created_at": seconds, "server_deleted_at": seconds, "rate_last_updated": seconds,
}  # fmt: skip
PROJECT = Shape(
    "`end_date` only when set [V:toggl-python live tests: absent on create and list while unset]; at and "
    "created_at to the second with +00:00 [V:VCR, toggl-python tests/responses/project_get.py]; the other "
    "stamps alike [I].",
    omit_if_null=frozenset({"end_date"}),
    times=_PROJECT_TIMES,
)
PROJECT_CREATED = Shape(
    'A create answer carries no `status` ("not set until first fetch request") [V:toggl-python live test '
    "test_create_project__without_query_params].",
    omit_if_null=frozenset({"end_date"}),
    drop=frozenset({"status"}),
    times=_PROJECT_TIMES,
)
RELATED_PROJECT = Shape(
    "Projects in /me?with_related_data=true: these keys, in this order, end_date only when set [V:VCR].",
    keys=("id", "workspace_id", "client_id", "name", "is_private", "active", "at", "created_at",
          "server_deleted_at", "color", "billable", "template", "auto_estimates", "estimated_hours",
          "estimated_seconds", "rate", "rate_last_updated", "currency", "recurring", "template_id",
          "recurring_parameters", "fixed_fee", "actual_hours", "actual_seconds", "tasks_count", "can_track_time",
          "start_date", "end_date", "status", "wid", "cid", "is_shared", "pinned"),
    omit_if_null=frozenset({"end_date"}),
    times=_PROJECT_TIMES,
)  # fmt: skip

_WORKSPACE_TIMES: Mapping[str, Stamp] = {
    "at": seconds, "last_modified": midnight, "rate_last_updated": seconds, "server_deleted_at": seconds,
    "suspended_at": seconds,
}  # fmt: skip
WORKSPACE = Shape(
    "`at` to the second with +00:00, last_modified at midnight Z [V:VCR]; the other stamps alike [I].",
    times=_WORKSPACE_TIMES,
)
RELATED_WORKSPACE = Shape(
    "Workspaces in /me?with_related_data=true: these keys, in this order [V:VCR].",
    keys=("id", "organization_id", "name", "premium", "business_ws", "admin", "role", "suspended_at",
          "server_deleted_at", "default_hourly_rate", "rate_last_updated", "default_currency",
          "only_admins_may_create_projects", "only_admins_may_create_tags", "only_admins_see_billable_rates",
          "only_admins_see_team_dashboard", "projects_billable_by_default", "projects_private_by_default",
          "projects_enforce_billable", "limit_public_project_data", "last_modified", "reports_collapse", "rounding",
          "rounding_minutes", "api_token", "at", "logo_url", "ical_url", "ical_enabled", "csv_upload",
          "subscription", "hide_start_end_times", "working_hours_in_minutes"),
    times=_WORKSPACE_TIMES,
)  # fmt: skip

CLIENT = Shape(
    "`at` to the second with +00:00 [V:VCR /me related clients; the workspace routes alike, I].",
    times={"at": seconds, "server_deleted_at": seconds},
)
RELATED_CLIENT = Shape(
    "Clients in /me?with_related_data=true: id, wid, archived, name, at, creator_id [V:VCR].",
    keys=("id", "wid", "archived", "name", "at", "creator_id"),
    times={"at": seconds},
)
TAG = Shape(
    "`at` nano [V:VCR /me related tags; the workspace routes alike, I].",
    times={"at": nano, "deleted_at": nano},
)
RELATED_TAG = Shape(
    "Tags in /me?with_related_data=true: id, workspace_id, name, at, creator_id [V:VCR].",
    keys=("id", "workspace_id", "name", "at", "creator_id"),
    times={"at": nano},
)
ORGANIZATION = Shape(
    "created_at and at nano [V:VCR GET /me/organizations, GET /organizations/{id}].",
    times={"at": nano, "created_at": nano, "server_deleted_at": nano, "suspended_at": nano},
)
