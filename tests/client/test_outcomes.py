"""Issue 10, items 10, 11, 13 and 14: surprising successes, nesting, lenient models and partial writes.

Every outcome a caller sees is a value or a TogglError; bulk helpers report every id; a model handed
out serialises back to what was received; a bulk PATCH that fails part way says what it changed.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx
import pytest
from spec_tools import resolve, sample
from test_faults import World, in_world, run_on

from toggl_async import BulkPatchError, Toggl, TogglAPIError, TogglDecodeError
from toggl_async._generated.models import JsonPatchOperation, Project, TimeEntry, TimeEntryCreate
from toggl_async.retry import RetryPolicy

ENTRY = sample(resolve({"$ref": "#/components/schemas/TimeEntry"}))


def answering(route: dict[str, httpx.Response]) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """Answers by path (the default: 200 with the path's sample), recording every request."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return route.get(request.url.path, httpx.Response(200))

    return httpx.MockTransport(handler), sent


# ---------------------------------------------------------------- item 10: 2xx other than the documented one
@pytest.mark.parametrize("status", [201, 202, 204, 206, 299])
def test_a_bodyless_2xx_to_a_call_without_a_success_body_is_success(status: int) -> None:
    async def body() -> None:
        transport, sent = answering({"/api/v9/workspaces/1/projects/2": httpx.Response(status)})
        async with Toggl("token", transport=transport, rate=None) as toggl:
            assert await toggl.projects.delete_project(1, 2) is None
        assert len(sent) == 1

    anyio.run(body)


@pytest.mark.parametrize("status", [201, 202, 204, 206, 299])
def test_an_undocumented_2xx_on_a_call_that_returns_a_body_is_a_toggl_api_error(status: int) -> None:
    async def body() -> None:
        answer = httpx.Response(status, json=ENTRY) if status != 204 else httpx.Response(204)
        transport, _ = answering({"/api/v9/me/time_entries/current": answer})
        async with Toggl("token", transport=transport, rate=None) as toggl:
            with pytest.raises(TogglAPIError) as caught:
                await toggl.time_entries.get_current_time_entry()
        assert caught.value.status == status
        assert caught.value.path == "/api/v9/me/time_entries/current"
        assert "undocumented" in str(caught.value)

    anyio.run(body)


def test_bulk_delete_reports_every_id_when_one_answer_is_a_surprise() -> None:
    async def body() -> None:
        answers = {f"/api/v9/workspaces/1/projects/{i}": httpx.Response(200) for i in (1, 2, 4, 5)}
        answers["/api/v9/workspaces/1/projects/3"] = httpx.Response(206, json={"partial": True})
        transport, sent = answering(answers)
        async with Toggl("token", transport=transport, rate=None) as toggl:
            results = await toggl.delete_projects(1, [1, 2, 3, 4, 5])
        assert [r.key for r in results] == [1, 2, 3, 4, 5]
        assert [r.ok for r in results] == [True, True, False, True, True]
        assert isinstance(results[2].error, TogglAPIError) and results[2].error.status == 206
        assert len(sent) == 5

    anyio.run(body)


# ---------------------------------------------------------------- item 11: nesting beyond the recursion limit
# Beyond every CPython's limit: 3.11's json refuses past ~1000 levels, 3.13's only past its C recursion limit
# (about 10,000), so 5000 levels parse on 3.13.
LEVELS = 50_000
DEEP = b"[" * LEVELS + b"]" * LEVELS
DEEP_OBJECT = b'{"a":' * LEVELS + b"1" + b"}" * LEVELS


@pytest.mark.parametrize("raw", [DEEP, DEEP_OBJECT, b'{"id": ' + DEEP + b"}"], ids=["list", "object", "field"])
@pytest.mark.parametrize("status", [200, 400, 503])
def test_deeply_nested_json_is_a_typed_error(raw: bytes, status: int) -> None:
    async def body() -> None:
        answer = httpx.Response(status, content=raw, headers={"content-type": "application/json"})
        transport, _ = answering({"/api/v9/me/time_entries/current": answer})
        policy = RetryPolicy(max_attempts=1)
        async with Toggl("token", transport=transport, rate=None, retry=policy) as toggl:
            with pytest.raises((TogglDecodeError, TogglAPIError)) as caught:
                await toggl.time_entries.get_current_time_entry()
        if status == 200:
            assert isinstance(caught.value, TogglDecodeError) and caught.value.content == raw
        else:
            assert isinstance(caught.value, TogglAPIError) and caught.value.status == status

    anyio.run(body)


# ---------------------------------------------------------------- item 13: lenient models serialise back
LENIENT_ENTRIES: list[dict[str, Any]] = [
    {k: v for k, v in ENTRY.items() if k != "at"},  # a required field missing
    {**ENTRY, "at": 12345},  # a datetime of the wrong type
    {**ENTRY, "start": "yesterday-ish"},  # an unparseable datetime
    {**ENTRY, "shared_with": "everyone"},  # a list of models that is a string
    {**ENTRY, "shared_with": [{"user_id": "x"}, 7]},  # a list holding a non-object
    {**ENTRY, "tags": {"a": 1}, "unknown_field": [1, 2]},
]


LENIENT_IDS = ["missing-at", "int-at", "bad-start", "str-list", "mixed-list", "extra"]


@pytest.mark.parametrize("received", LENIENT_ENTRIES, ids=LENIENT_IDS)
def test_a_leniently_decoded_model_serialises_back_to_what_was_received(received: dict[str, Any]) -> None:
    entry = TimeEntry.from_dict(received)
    data = entry.to_dict()
    assert json.loads(json.dumps(data)) == json.loads(json.dumps(received))


def test_a_project_whose_name_is_null_serialises() -> None:
    project = sample(resolve({"$ref": "#/components/schemas/Project"}))
    received = {**project, "name": None, "created_at": "not a date"}
    assert Project.from_dict(received).to_dict() == received


# ---------------------------------------------------------------- item 14: a bulk PATCH failing part way
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_a_bulk_patch_that_fails_part_way_says_what_it_changed(backend: str) -> None:
    async def body(world: World) -> None:
        wid, toggl = world.wid, world.toggl
        ids = []
        for n in range(250):
            created = await toggl.time_entries.create_time_entry(
                wid, body=TimeEntryCreate(created_with="t", workspace_id=wid, start=world.clock.now(), duration=60,
                                          description=f"entry {n}"),
            )  # fmt: skip
            ids.append(created.id)
        inner, calls = world.counter.inner, []

        class SecondPatchRefused(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                if request.method == "PATCH":
                    calls.append(request.url.path)
                    if len(calls) == 2:
                        return httpx.Response(400, json="Invalid operation")
                return await inner.handle_async_request(request)

        world.counter.inner = SecondPatchRefused()
        patch = [JsonPatchOperation(op="replace", path="/description", value="patched")]
        with pytest.raises(BulkPatchError) as caught:
            await toggl.patch_time_entries(wid, ids, patch)
        error = caught.value
        assert sorted(error.applied.success) == sorted(ids[:100])
        assert error.failed_ids == ids[100:200] and error.not_sent == ids[200:]
        assert error.error.status == 400  # type: ignore[attr-defined]
        assert len(calls) == 2
        described = {e["id"]: e["description"] for e in world.fake.store.live("time_entries")}
        assert all(described[i] == "patched" for i in ids[:100])
        assert not any(described[i] == "patched" for i in ids[100:])

    run_on(backend, lambda: in_world(body))
