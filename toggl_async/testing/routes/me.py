"""`/me` routes of the fake (placeholder: completed by the me/organizations/workspaces work)."""

from __future__ import annotations

from toggl_async.testing.http import FakeRequest, Reply, empty, handles
from toggl_async.testing.store import public


@handles("get_me")
def get_me(request: FakeRequest) -> Reply:
    return Reply(public(request.user))


@handles("check_logged")
def check_logged(request: FakeRequest) -> Reply:
    return empty()
