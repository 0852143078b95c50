"""Request helpers shared by the fake's route modules: page parameters, tri-state flags, JSON types, bulk PATCH.

Not a handler module (registers nothing); imported by clients_tags, projects and tasks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from typing import Any

from toggl_async.testing.http import ApiError, FakeRequest, Reply, bad_request
from toggl_async.testing.store import Obj, Store

# Bulk PATCH takes at most 100 ids [V:SW24 for time entries; the same cap is assumed for the others, I].
MAX_BULK_IDS = 100
PATCH_OPS = ("add", "remove", "replace")


def paid_plan(store: Store, workspace_id: int) -> bool:
    """Whether the workspace's organization is on a paid plan (read live, so a plan change shows at once)."""
    org = store.tables["organizations"][store.tables["workspaces"][workspace_id]["organization_id"]]
    return bool(org["pricing_plan_name"] != "Free")


def int_param(request: FakeRequest, name: str, default: int) -> int:
    value = request.query_int(name)
    return default if value is None else value


def page_params(request: FakeRequest, default_per_page: int, max_per_page: int | None = None) -> tuple[int, int]:
    """`page` (from 1) and `per_page` with their defaults; 400 when out of range."""
    page, per_page = int_param(request, "page", 1), int_param(request, "per_page", default_per_page)
    if page < 1:
        raise bad_request("page must be a positive number")
    if per_page < 1 or (max_per_page is not None and per_page > max_per_page):
        raise bad_request(f"per_page must be between 1 and {max_per_page}" if max_per_page else "invalid per_page")
    return page, per_page


def lenient_page_params(request: FakeRequest, default_per_page: int) -> tuple[int, int]:
    """Like page_params, for routes that document no 400: out-of-range or non-numeric values fall back."""

    def number(name: str, default: int) -> int:
        try:
            return max(int(request.query.get(name) or default), 1)
        except ValueError:
            return default

    return number("page", 1), number("per_page", default_per_page)


def since_param(request: FakeRequest) -> int | None:
    """`since` (UNIX seconds) clamped to [0, now + 1], so far-off values cannot overflow a datetime."""
    since = request.query_int("since")
    return None if since is None else min(max(since, 0), int(request.store.clock.time()) + 1)


def page_slice(items: list[Obj], page: int, per_page: int) -> list[Obj]:
    return items[(page - 1) * per_page : page * per_page]


def tri_state(request: FakeRequest, name: str, default: bool | None) -> bool | None:
    """A `true` / `false` / `both` query value; `both` is None [V:SW24]."""
    value = request.query.get(name, "").lower()
    if not value:
        return default
    if value not in ("true", "false", "both"):
        raise bad_request(f"invalid {name}: use true, false or both")
    return None if value == "both" else value == "true"


def expect(value: Any, kinds: type | tuple[type, ...], field: str, *, nullable: bool = False) -> Any:
    """The value if it has the JSON type wanted (a bool is not a number here), else a 400."""
    if value is None and nullable:
        return None
    wanted = kinds if isinstance(kinds, tuple) else (kinds,)
    if not isinstance(value, wanted) or (isinstance(value, bool) and bool not in wanted):
        raise bad_request(f"invalid {field}")
    if isinstance(value, float) and not math.isfinite(value):
        raise bad_request(f"invalid {field}")  # NaN and Infinity: Python's parser reads them, JSON has neither
    return value


def id_list(value: Any, field: str) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
        raise bad_request(f"{field} must be an array of ids")
    return value


def patch_ops(request: FakeRequest, paths: Collection[str], ops: Collection[str]) -> list[tuple[str, str, Any]]:
    """The JSON-Patch body as (op, field, value); a bad op or path fails the whole request (400)."""
    body = request.json()
    if not isinstance(body, list) or not body:
        raise bad_request("PATCH body must be a non-empty array of operations")
    parsed = []
    for item in body:
        if not isinstance(item, dict) or item.get("op") not in ops:
            raise bad_request(f"invalid operation, use one of: {', '.join(ops)}")
        path = item.get("path")
        if not isinstance(path, str) or not path.startswith("/") or path[1:] not in paths:
            raise bad_request(f"invalid path {path!r}")
        if item["op"] != "remove" and "value" not in item:
            raise bad_request(f"missing value for {path}")
        parsed.append((item["op"], path[1:], item.get("value")))
    return parsed


def bulk_patch(
    request: FakeRequest, ids: list[int], find: Callable[[int], Obj], apply: Callable[[Obj, str, Any], None],
    paths: Collection[str], *, ops: Collection[str] = PATCH_OPS, validate: Callable[[Obj], None] | None = None,
) -> Reply:  # fmt: skip
    """Apply JSON-Patch operations to each object: partial success, nothing rolled back [V:SW24].

    Each object changes all-or-nothing. `find` and `apply` raise ApiError to fail one id; "remove" sets null.
    """
    if len(ids) > MAX_BULK_IDS:
        raise bad_request(f"PATCH request is limited to {MAX_BULK_IDS} entries at once")
    operations = patch_ops(request, paths, ops)
    success: list[int] = []
    failure: list[Obj] = []
    for obj_id in dict.fromkeys(ids):
        try:
            obj = find(obj_id)
            staged = dict(obj)
            for op, field, value in operations:
                apply(staged, field, None if op == "remove" else value)
            if validate:
                validate(staged)
        except ApiError as exc:
            failure.append({"id": obj_id, "message": exc.message})
            continue
        obj.update(staged)
        request.store.touch(obj)
        success.append(obj_id)
    return Reply({"success": success, "failure": failure})
