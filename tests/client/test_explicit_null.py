"""An explicit None in a request model is sent as JSON null (clear the field); a field left out is not sent.

spec-fidelity.md: Toggl's own clients send null to clear a project's client or an entry's description,
tags or project; before, these fields were not nullable and could not be cleared through the SDK.
"""

from __future__ import annotations

import datetime
import json

import httpx

from toggl_async import Toggl
from toggl_async.models import ClientPayload, ProjectPayload, TimeEntryCreate, TimeEntryUpdate
from toggl_async.testing import FakeClock, FakeToggl


class Recording(httpx.AsyncBaseTransport):
    """Forwards to the fake and keeps each request body."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.bodies = inner, list[bytes]()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(await request.aread())
        return await self.inner.handle_async_request(request)


def test_none_is_sent_as_null_and_unset_is_left_out() -> None:
    assert TimeEntryUpdate(description=None, tags=None).to_dict() == {"description": None, "tags": None}
    assert TimeEntryUpdate().to_dict() == {}
    assert ProjectPayload(client_id=None).to_dict() == {"client_id": None}
    start = datetime.datetime(2024, 12, 16, tzinfo=datetime.UTC)
    created = TimeEntryCreate(created_with="t", workspace_id=1, start=start, duration=60, project_id=None, stop=None)
    body = created.to_dict()
    assert (body["project_id"], body["stop"]) == (None, None) and "description" not in body


async def test_null_clears_an_entrys_project_description_and_tags_and_a_projects_client_on_the_fake() -> None:
    clock = FakeClock(datetime.datetime(2024, 12, 16, 9, tzinfo=datetime.UTC))
    fake = FakeToggl(clock=clock, rate=None, quotas=False)
    user = fake.add_user("a@example.com", plan="Premium")
    wid = user.default_workspace_id
    transport = Recording(fake.transport())
    async with Toggl(user.api_token, transport=transport, clock=clock, rate=None) as toggl:
        client = await toggl.clients.create_client(wid, body=ClientPayload(name="C"))
        project = await toggl.projects.create_project(
            wid, body=ProjectPayload(name="P", active=True, client_id=client.id)
        )
        entry = await toggl.time_entries.create_time_entry(wid, body=TimeEntryCreate(
            created_with="t", workspace_id=wid, start=datetime.datetime(2024, 12, 16, 8, tzinfo=datetime.UTC),
            duration=60, description="standup", project_id=project.id, tags=["a"],
        ))  # fmt: skip
        cleared = await toggl.time_entries.update_time_entry(
            wid, entry.id, body=TimeEntryUpdate(description=None, project_id=None, tags=None)
        )
        unchanged = await toggl.time_entries.update_time_entry(wid, entry.id, body=TimeEntryUpdate(billable=False))
        moved = await toggl.projects.update_project(wid, project.id, body=ProjectPayload(client_id=None))
    sent = transport.bodies
    assert json.loads(sent[-3]) == {"description": None, "project_id": None, "tags": None}
    assert (cleared.description, cleared.project_id, cleared.tags) == (None, None, [])
    assert json.loads(sent[-2]) == {"billable": False} and unchanged.project_id is None
    assert moved.client_id is None
