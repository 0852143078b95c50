"""Decoding keeps working on what the real server sends, and fails loudly only on garbage."""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable
from typing import Any

import attrs
import httpx
import pytest

from toggl_async._generated import decoding
from toggl_async._generated.api.me import MeApi
from toggl_async._generated.api.time_entries import TimeEntriesApi, list_time_entries
from toggl_async._generated.client import HttpClient
from toggl_async._generated.errors import ResponseDecodeError, UnexpectedStatus
from toggl_async._generated.models import Me, TimeEntry
from toggl_async._generated.types import UNSET

UTC = datetime.UTC


def entry(**changes: Any) -> dict[str, Any]:
    """A time entry as Toggl sends it (fields with null values are present as null) [V:VCR]."""
    base = {
        "id": 3_712_345_678, "workspace_id": 8_000_000, "project_id": None, "task_id": None,
        "user_id": 9_000_001, "billable": False, "start": "2024-12-16T09:30:00+00:00", "stop": None,
        "duration": -1, "description": "Standup", "tags": [], "tag_ids": [], "duronly": True,
        "at": "2024-12-16T09:30:05.123456Z", "server_deleted_at": None, "wid": 8_000_000, "uid": 9_000_001,
    }  # fmt: skip
    base.update(changes)
    return base


def api_answering(body: bytes, status: int = 200, content_type: str = "application/json") -> TimeEntriesApi:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"content-type": content_type})

    http = httpx.AsyncClient(base_url="https://api.track.toggl.com", transport=httpx.MockTransport(handler))
    return TimeEntriesApi(HttpClient(http))


async def list_of(*entries: dict[str, Any]) -> list[TimeEntry]:
    return await api_answering(json.dumps(list(entries)).encode()).list_time_entries()


async def test_current_time_entry_null_means_nothing_runs() -> None:
    assert await api_answering(b"null").get_current_time_entry() is None


async def test_current_time_entry_decodes_a_running_entry() -> None:
    running = await api_answering(json.dumps(entry()).encode()).get_current_time_entry()
    assert isinstance(running, TimeEntry)
    assert running.stop is None and running.duration == -1 and running.id == 3_712_345_678


@pytest.mark.parametrize(
    "text",
    [
        "2024-12-16T09:30:00Z",
        "2024-12-16T09:30:00+00:00",
        "2024-12-16T09:30:00.000Z",
        "2024-12-16T09:30:00.000000+00:00",
    ],
)
async def test_datetimes_with_z_or_offset_with_or_without_fraction(text: str) -> None:
    (decoded,) = await list_of(entry(start=text))
    assert decoded.start == datetime.datetime(2024, 12, 16, 9, 30, tzinfo=UTC)


async def test_ids_beyond_32_bits_survive() -> None:
    (decoded,) = await list_of(entry(id=2**40 + 3))
    assert decoded.id == 2**40 + 3


async def test_unknown_fields_are_kept(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decoding, "_logged", set())  # "logged once" is once per process
    (decoded,) = await list_of(entry(brand_new_field={"x": 1}))
    assert decoded.additional_properties == {"brand_new_field": {"x": 1}}
    assert decoded.description == "Standup"
    assert "brand_new_field" in caplog.text


async def test_null_where_a_value_was_expected_reaches_the_caller(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "Logged once" is once per process: start from a process that has logged nothing yet.
    monkeypatch.setattr(decoding, "_logged", set())
    caplog.set_level(logging.WARNING, "toggl_async")
    first, second = await list_of(entry(workspace_id=None, duration=None), entry(workspace_id=None))
    assert first.workspace_id is None and first.duration is None and second.workspace_id is None
    assert first.start == datetime.datetime(2024, 12, 16, 9, 30, tzinfo=UTC)
    assert sum("workspace_id" in r.getMessage() for r in caplog.records) == 1  # logged once, not per entry


async def test_missing_fields_reach_the_caller_as_unset_and_stay_missing() -> None:
    # UNSET rather than None: a field sent as null and a field not sent differ, and to_dict must give
    # back what was received (issue 10, item 13).
    body = entry()
    del body["start"], body["user_id"]
    (decoded,) = await list_of(body)
    assert decoded.start is UNSET and decoded.user_id is UNSET
    assert decoded.id == 3_712_345_678
    assert decoded.to_dict() == body | {"at": "2024-12-16T09:30:05.123456+00:00"}  # the same instant, ISO form


async def test_unparseable_field_keeps_its_raw_value() -> None:
    (decoded,) = await list_of(entry(start="16/12/2024 09:30"))
    assert decoded.start == "16/12/2024 09:30"


async def test_fast_and_lenient_paths_agree() -> None:
    fast = await list_of(entry(), entry(id=2, stop="2024-12-16T10:00:00Z", duration=1800))
    lenient = await list_of(entry(), entry(id=2, stop="2024-12-16T10:00:00Z", duration=1800), entry(id=3, extra=1))
    assert fast == lenient[:2]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html><body>502 Bad Gateway</body></html>", "text/html"),
        (b'[{"id": 1, "start": "2024-', "application/json"),
        (b"", "application/json"),
    ],
    ids=["html", "truncated", "empty"],
)
async def test_undecodable_success_body_raises_with_the_raw_body(body: bytes, content_type: str) -> None:
    with pytest.raises(ResponseDecodeError) as caught:
        await api_answering(body, content_type=content_type).list_time_entries()
    assert caught.value.content == body and caught.value.status_code == 200


async def test_wrong_shape_raises_a_typed_error() -> None:
    with pytest.raises(ResponseDecodeError):
        await api_answering(b'"not a list"').list_time_entries()


@pytest.mark.parametrize("status", [400, 402, 403, 404, 409, 429, 500, 503])
async def test_error_status_never_returns_none(status: int) -> None:
    with pytest.raises(UnexpectedStatus) as caught:
        await api_answering(b'"start is required for time entry creation"', status=status).get_current_time_entry()
    assert caught.value.status_code == status
    assert caught.value.content == b'"start is required for time entry creation"'
    assert caught.value.url == "/api/v9/me/time_entries/current"


async def test_credentials_never_appear_in_reprs() -> None:
    body = {"id": 1, "email": "a@example.com", "fullname": "A", "timezone": "UTC", "default_workspace_id": 2,
            "beginning_of_week": 1, "at": "2024-12-16T09:30:05Z", "api_token": "0123456789abcdef"}  # fmt: skip

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    async with httpx.AsyncClient(
        base_url="https://api.track.toggl.com", transport=httpx.MockTransport(handler)
    ) as http:
        me = await MeApi(HttpClient(http)).get_me()
    assert isinstance(me, Me) and me.api_token == "0123456789abcdef"
    assert "0123456789abcdef" not in repr(me)
    assert "api_token=<hidden>" in repr(me)


def _models_with(field: str) -> list[Callable[..., Any]]:
    from toggl_async._generated import models

    classes = [getattr(models, name) for name in models.__all__]
    return [cls for cls in classes if attrs.has(cls) and field in attrs.fields_dict(cls)]


def test_every_model_holding_a_credential_hides_it() -> None:
    holding = _models_with("api_token") + _models_with("password")
    assert len(holding) >= 3  # Me, Workspace, the session and password payloads
    for model in holding:
        field = "api_token" if "api_token" in attrs.fields_dict(model) else "password"
        instance = model.from_dict({field: "s3cret-value"})  # type: ignore[attr-defined]
        assert "s3cret-value" not in repr(instance), model


def _decode_many(count: int) -> list[TimeEntry]:
    body = json.dumps([entry(id=i, tags=["dev"], tag_ids=[1]) for i in range(1, count + 1)]).encode()
    return decoding._decode(body, list[TimeEntry], list_time_entries._from_data_1)


def test_a_large_decode_leaves_the_collector_on_and_the_models_collectable() -> None:
    import gc
    import weakref

    class Cycle:
        pass

    assert gc.isenabled()
    decoded = _decode_many(12_000)  # past the promotion threshold: the young objects move to the oldest generation
    assert gc.isenabled()
    assert len(decoded) == 12_000 and decoded[-1].id == 12_000
    # Cyclic garbage made around a large decode is still collected by a full collection.
    garbage = Cycle()
    garbage.self = garbage  # type: ignore[attr-defined]
    alive = weakref.ref(garbage)
    del garbage
    _decode_many(12_000)
    gc.collect()
    assert alive() is None


def test_a_large_decode_never_unfreezes_what_the_process_froze() -> None:
    import gc

    start_up = [object()]  # a tracked object of the server's start-up
    gc.freeze()  # a server that froze its start-up objects before forking workers
    try:
        assert gc.get_freeze_count() > 0
        _decode_many(12_000)
        # Still in the permanent generation, which gc.get_objects() leaves out (an unfreeze would move it to
        # the oldest one). Counting frozen objects would not do: other frozen objects may die meanwhile, as a
        # test runner's own threads' do.
        assert all(found is not start_up for found in gc.get_objects())
        assert gc.get_freeze_count() > 0
        assert gc.isenabled()
    finally:
        gc.unfreeze()


def test_a_decode_with_the_collector_off_leaves_it_off() -> None:
    import gc

    gc.disable()
    try:
        _decode_many(12_000)
        assert not gc.isenabled()
    finally:
        gc.enable()
