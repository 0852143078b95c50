"""A caller passing a dict where an operation takes its body as a model gets a TypeError that says what to build.

Before, the generated operation died inside with a bare AttributeError ('dict' object has no attribute
'to_dict'); now the check runs before anything is sent and names the model and `Model.from_dict`.
"""

from __future__ import annotations

import httpx
import pytest

from toggl_async import Toggl
from toggl_async.models import ImageUpload, ProjectPayload, TimelineEvent
from toggl_async.testing import FakeClock, FakeToggl, FakeUser


def recording(answer_json: object = None) -> tuple[Toggl, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={} if answer_json is None else answer_json)

    return Toggl("token", transport=httpx.MockTransport(answer), rate=None, clock=FakeClock()), sent


async def test_a_dict_body_is_a_type_error_naming_the_model_and_nothing_is_sent() -> None:
    toggl, sent = recording()
    async with toggl:
        with pytest.raises(TypeError, match=r"body must be a ProjectPayload .*got dict.*ProjectPayload\.from_dict"):
            await toggl.projects.create_project(1, body={"name": "P"})  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"body must be an ImageUpload"):
            await toggl.avatars.upload_avatar(body={"file": b"png"})  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"body must be a list of TimelineEvent"):
            await toggl.timeline.save_timeline_events(body={"start_time": 1})  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"body\[1\] must be a TimelineEvent .*got dict"):
            event = TimelineEvent.from_dict({})
            await toggl.timeline.save_timeline_events(body=[event, {"start_time": 1}])  # type: ignore[list-item]
    assert sent == []


async def test_the_hint_works_from_dict_builds_the_body_the_operation_takes(fake: FakeToggl, user: FakeUser) -> None:
    async with Toggl(user.api_token, transport=fake.transport(), clock=fake.clock, rate=None) as toggl:
        project = await toggl.projects.create_project(
            user.default_workspace_id, body=ProjectPayload.from_dict({"name": "From a dict", "active": True})
        )
    assert project.name == "From a dict"


def test_the_check_is_not_fooled_by_a_lookalike() -> None:
    class Lookalike:
        def to_dict(self) -> dict[str, object]:
            return {}

    from toggl_async._generated.bodies import check_body

    with pytest.raises(TypeError, match="got Lookalike"):
        check_body("body", Lookalike(), ImageUpload)


async def test_a_list_of_ids_body_takes_only_ints() -> None:
    toggl, sent = recording([])
    async with toggl:
        with pytest.raises(TypeError, match=r"body must be a list of int, got int"):
            await toggl.clients.archive_clients(1, body=5)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"body\[1\] must be an int, got bool"):
            await toggl.clients.archive_clients(1, body=[4, True])
        with pytest.raises(TypeError, match=r"body\[0\] must be an int, got str"):
            await toggl.clients.delete_clients(1, body=["4"])  # type: ignore[list-item]
        await toggl.clients.archive_clients(1, body=(4, 5))  # a tuple is a list here
    assert len(sent) == 1 and sent[0].read() == b"[4,5]"
