"""The fake's state: tables of JSON-ready objects, memberships, and the bookkeeping `since` needs.

Objects are plain dicts shaped like Toggl's responses (see spec/toggl.yaml); keys starting with "_"
are private to the fake and never sent. Deleting keeps the object with `server_deleted_at` (tags:
`deleted_at`) so `since` queries can report it; every change moves `at`.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import secrets
from collections.abc import Callable, Iterator
from typing import Any

from .clock import Clock
from .http import ApiError, forbidden, not_found

Obj = dict[str, Any]

# First id per table: realistic magnitudes (time entry ids exceed 2^31 [V:VCR]).
ID_BASES = {
    "users": 9_000_000, "organizations": 7_000_000, "workspaces": 8_000_000, "clients": 60_000_000,
    "projects": 200_000_000, "tasks": 90_000_000, "tags": 17_000_000, "groups": 300_000,
    "org_groups": 400_000, "project_users": 110_000_000, "workspace_users": 120_000_000,
    "org_users": 130_000_000, "time_entries": 3_700_000_000, "invitations": 5_000,
}  # fmt: skip
# Tables the routes of later areas create on first use, so that a fake that never touches them carries none
# (name -> first id); declared with `lazy_tables` by the modules that own them, known to saved states.
LAZY_ID_BASES: dict[str, int] = {}
PLAN_QUOTAS = {"Free": 30, "Starter": 240, "Premium": 600, "Enterprise": 6000}
USER_QUOTA = 30
# Toggl's images for a user and a workspace that have none of their own [V:toggl-python tests/responses
# me_get.py and workspace_get.py; VCR logo_url].
DEFAULT_PROFILE_IMAGE = "https://assets.track.toggl.com/images/profile.png"
DEFAULT_WORKSPACE_LOGO = "https://assets.track.toggl.com/images/workspace.jpg"
# toggl_accounts_id: 22 characters of this alphabet, a short UUID [V:VCR values; toggl-python requires 22].
_ACCOUNTS_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def lazy_tables(bases: dict[str, int]) -> None:
    """Declare tables made on first use, with their first ids (see LAZY_ID_BASES)."""
    LAZY_ID_BASES.update(bases)


def iso(moment: datetime.datetime) -> str:
    """Start/stop style: seconds precision, `+00:00` [V:VCR list responses]."""
    return moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat()


def stamp(moment: datetime.datetime) -> str:
    """`at` style: microseconds and `Z` [V:VCR]."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime.datetime:
    """RFC 3339 with `Z` or an offset; a 400 otherwise."""
    try:
        moment = datetime.datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise ApiError(400, f"Invalid date: {text!r} has no offset")
        return moment.astimezone(datetime.UTC)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ApiError(400, f"Invalid date: {text!r}") from exc


def accounts_id(user_id: int) -> str:
    """A stable toggl_accounts_id for a user of the fake (the same user id gives the same value)."""
    number = int.from_bytes(hashlib.sha256(f"toggl-accounts:{user_id}".encode()).digest()[:16], "big")
    digits = []
    for _ in range(22):
        number, digit = divmod(number, len(_ACCOUNTS_ALPHABET))
        digits.append(_ACCOUNTS_ALPHABET[digit])
    return "".join(digits)


def public(obj: Obj) -> Obj:
    """The object as sent: private keys dropped."""
    return {k: v for k, v in obj.items() if not k.startswith("_")}


class Store:
    """All tables of one fake Toggl."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.tables: dict[str, dict[int, Obj]] = {name: {} for name in ID_BASES}
        self._ids = {name: itertools.count(base) for name, base in ID_BASES.items()}
        self.tokens: dict[str, int] = {}
        self.sessions: dict[str, int] = {}
        # Told of every change: (action, table or None when unknown, object); FakeWebhooks listens.
        self.observers: list[Callable[[str, str | None, Obj], None]] = []

    # ---- ids, time, changes
    def next_id(self, table: str) -> int:
        return next(self._ids[table])

    def lazy_table(self, name: str) -> dict[int, Obj]:
        """A table of LAZY_ID_BASES, made empty (with its id counter) the first time it is asked for."""
        if name not in self.tables:
            self.tables[name] = {}
            self._ids[name] = itertools.count(LAZY_ID_BASES[name])
        return self.tables[name]

    def now(self) -> datetime.datetime:
        return self.clock.now()

    def touch(self, obj: Obj) -> Obj:
        obj["at"] = stamp(self.now())
        self._changed("updated", None, obj)
        return obj

    def insert(self, table: str, obj: Obj) -> Obj:
        obj.setdefault("id", self.next_id(table))
        self.tables[table][obj["id"]] = obj
        obj["at"] = stamp(self.now())
        self._changed("created", table, obj)
        return obj

    def delete(self, table: str, obj: Obj) -> None:
        obj["deleted_at" if table == "tags" else "server_deleted_at"] = stamp(self.now())
        obj["at"] = stamp(self.now())
        self._changed("deleted", table, obj)

    def _changed(self, action: str, table: str | None, obj: Obj) -> None:
        for observer in self.observers:
            observer(action, table, obj)

    @staticmethod
    def is_deleted(obj: Obj) -> bool:
        return bool(obj.get("server_deleted_at") or obj.get("deleted_at"))

    def live(self, table: str) -> Iterator[Obj]:
        return (obj for obj in self.tables[table].values() if not self.is_deleted(obj))

    def changed_since(self, table: str, since: int | None) -> Iterator[Obj]:
        """Live objects, or with `since` (UNIX seconds) everything changed after it, deleted included."""
        if since is None:
            return self.live(table)
        try:
            floor = stamp(datetime.datetime.fromtimestamp(since, datetime.UTC))
        except (OverflowError, OSError, ValueError) as exc:
            raise ApiError(400, "invalid since") from exc
        return (obj for obj in self.tables[table].values() if obj["at"] >= floor)

    # ---- users and membership
    def add_user(
        self, email: str, password: str, *, fullname: str = "", plan: str = "Free", api_token: str | None = None
    ) -> Obj:
        """A user with their own organization and default workspace (what Toggl's sign-up creates)."""
        if any(u["email"] == email for u in self.tables["users"].values()):
            raise ValueError(f"{email} already exists")
        token = api_token or secrets.token_hex(16)
        user_id, now = self.next_id("users"), stamp(self.now())
        # The fields of a real /me [V:VCR, toggl-python MeResponse]; intercom_hash is 64 hex characters and
        # oauth_providers lists the sign-in providers (none for a password account) [I].
        user = self.insert("users", {
            "id": user_id, "email": email, "fullname": fullname or email.split("@")[0], "timezone": "UTC",
            "toggl_accounts_id": accounts_id(user_id), "default_workspace_id": None, "beginning_of_week": 1,
            "image_url": DEFAULT_PROFILE_IMAGE, "api_token": token, "created_at": now, "updated_at": now,
            "openid_email": None, "openid_enabled": False, "country_id": None, "has_password": True,
            "intercom_hash": hashlib.sha256(f"intercom:{user_id}".encode()).hexdigest(), "oauth_providers": [],
            "authorization_updated_at": now, "_password": password,
        })  # fmt: skip
        self.tokens[token] = user["id"]
        org = self.add_organization(user, f"{user['fullname']}'s organization", plan=plan)
        workspace = self.add_workspace(org, user, f"{user['fullname']}'s workspace")
        user["default_workspace_id"] = workspace["id"]
        return user

    def add_organization(self, owner: Obj, name: str, *, plan: str = "Free") -> Obj:
        org = self.insert("organizations", {
            "name": name, "pricing_plan_name": plan, "pricing_plan_id": list(PLAN_QUOTAS).index(plan),
            "created_at": stamp(self.now()), "server_deleted_at": None, "is_multi_workspace_enabled": plan != "Free",
            "max_workspaces": 1 if plan == "Free" else 100, "suspended_at": None, "_owner_id": owner["id"],
        })  # fmt: skip
        self.insert("org_users", {"organization_id": org["id"], "user_id": owner["id"], "admin": True, "owner": True})
        return org

    def add_workspace(self, org: Obj, admin: Obj, name: str) -> Obj:
        workspace = self.insert("workspaces", {
            "organization_id": org["id"], "name": name, "premium": org["pricing_plan_name"] != "Free",
            "default_currency": "USD", "default_hourly_rate": None, "rounding": 1, "rounding_minutes": 0,
            "only_admins_may_create_projects": False, "only_admins_may_create_tags": False,
            "only_admins_see_billable_rates": False, "projects_billable_by_default": True,
            "projects_private_by_default": True, "server_deleted_at": None, "suspended_at": None,
        })  # fmt: skip
        self.add_workspace_member(workspace, admin, admin=True)
        return workspace

    def add_workspace_member(self, workspace: Obj, user: Obj, *, admin: bool = False) -> Obj:
        if not any(m["user_id"] == user["id"] for m in self.org_members(workspace["organization_id"])):
            self.insert("org_users", {"organization_id": workspace["organization_id"], "user_id": user["id"],
                                      "admin": False, "owner": False})  # fmt: skip
        return self.insert("workspace_users", {
            "workspace_id": workspace["id"], "user_id": user["id"], "admin": admin, "active": True,
            "rate": None, "labor_cost": None,
        })  # fmt: skip

    def org_members(self, org_id: int) -> list[Obj]:
        return [m for m in self.live("org_users") if m["organization_id"] == org_id]

    def workspace_ids(self, user_id: int) -> set[int]:
        return {m["workspace_id"] for m in self.live("workspace_users") if m["user_id"] == user_id}

    def organization_ids(self, user_id: int) -> set[int]:
        return {m["organization_id"] for m in self.live("org_users") if m["user_id"] == user_id}

    def membership(self, user_id: int, workspace_id: int) -> Obj | None:
        for member in self.live("workspace_users"):
            if member["user_id"] == user_id and member["workspace_id"] == workspace_id:
                return member
        return None

    # ---- access checks used by every handler
    def workspace_for(self, user_id: int, workspace_id: int) -> Obj:
        """The workspace if the user belongs to it; 403 otherwise (never another user's data)."""
        workspace = self.tables["workspaces"].get(workspace_id)
        if workspace is None or self.is_deleted(workspace) or workspace_id not in self.workspace_ids(user_id):
            raise forbidden()
        return workspace

    def organization_for(self, user_id: int, organization_id: int) -> Obj:
        org = self.tables["organizations"].get(organization_id)
        if org is None or self.is_deleted(org) or organization_id not in self.organization_ids(user_id):
            raise ApiError(404, "Organization not found")
        return org

    def in_workspace(self, table: str, workspace_id: int, obj_id: int, what: str, key: str = "workspace_id") -> Obj:
        """A live object of the workspace, or 404."""
        obj = self.tables[table].get(obj_id)
        if obj is None or self.is_deleted(obj) or obj.get(key) != workspace_id:
            raise not_found(what)
        return obj

    def is_workspace_admin(self, user_id: int, workspace_id: int) -> bool:
        member = self.membership(user_id, workspace_id)
        return bool(member and member["admin"])
