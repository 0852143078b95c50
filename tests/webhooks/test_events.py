"""Deliveries decoded into typed events: envelope, metadata converted from strings, payload by model."""

from __future__ import annotations

import datetime
import json

import pytest

from toggl_async.models import Project, TimeEntry
from toggl_async.webhooks import EntityEvent, PingEvent, WebhookEventError, parse_event

# A time entry "created" delivery as recorded from the live service, personal values replaced [V:WH-REC].
RECORDED = {
    "event_id": 8023169274704072, "created_at": "2023-07-17T11:43:32.827Z", "creator_id": 9547721,
    "metadata": {
        "action": "created", "event_user_id": "9547721", "model": "time_entry", "model_owner_id": "9547721",
        "path": "/api/v9/workspaces/7435584/time_entries",
        "request_body": "{\"billable\":false,\"description\":\"test\",\"duration\":-1689594212}",
        "request_type": "POST", "time_entry_id": "3050537739", "workspace_id": "7435584",
    },
    "payload": {
        "at": "2023-07-17T11:43:32+00:00", "billable": False, "description": "test", "duration": -1689594212,
        "duronly": True, "id": 3050537739, "project_id": None, "server_deleted_at": None,
        "start": "2023-07-17T11:43:32Z", "stop": None, "tag_ids": None, "tags": [], "task_id": None,
        "uid": 9547721, "user_id": 9547721, "wid": 7435584, "workspace_id": 7435584,
    },
    "subscription_id": 10713, "timestamp": "2023-07-17T11:43:33.170443406Z",
    "url_callback": "https://bot.example.com/new-entry",
}  # fmt: skip


def test_an_entity_event_is_typed() -> None:
    event = parse_event(json.dumps(RECORDED).encode())
    assert isinstance(event, EntityEvent)
    assert (event.action, event.model, event.entity_id, event.workspace_id) == (
        "created", "time_entry", 3050537739, 7435584,
    )  # fmt: skip
    assert event.timestamp == datetime.datetime(2023, 7, 17, 11, 43, 33, 170443, tzinfo=datetime.UTC)
    assert event.created_at == datetime.datetime(2023, 7, 17, 11, 43, 32, 827000, tzinfo=datetime.UTC)
    # String metadata arrives converted to its real types.
    assert event.metadata.event_user_id == 9547721 and event.metadata.model_owner_id == 9547721
    assert event.metadata.request_type == "POST" and json.loads(event.metadata.request_body or "")["duration"] < 0
    assert isinstance(event.entity, TimeEntry)
    assert event.entity.id == 3050537739 and event.entity.description == "test" and event.entity.stop is None
    assert event.payload == RECORDED["payload"]


def test_the_ping_is_its_own_event_and_hides_its_code() -> None:
    ping = parse_event(json.dumps({
        "event_id": 0, "created_at": "2023-07-17T10:57:40.959597671Z", "creator_id": 9547721,
        "metadata": {"request_type": "POST", "event_user_id": 9547721}, "payload": "ping", "subscription_id": 10710,
        "timestamp": "2023-07-17T10:57:40.959597671Z", "url_callback": "https://bot.example.com/new-entry",
        "validation_code": "89627dd73f2044f2f73815d665bbce33",
        "validation_code_url": "https://track.toggl.com/webhooks/api/v1/validate/1/10710/89627dd73f2044f2f73815d665bbce33",
    }))  # fmt: skip
    assert isinstance(ping, PingEvent) and ping.validation_code == "89627dd73f2044f2f73815d665bbce33"
    assert "89627dd7" not in repr(ping)
    assert ping.metadata.event_user_id == 9547721


def test_unknown_models_and_fields_are_kept() -> None:
    data = RECORDED | {"brand_new": {"x": 1}, "metadata": {
        "action": "archived", "model": "expense", "expense_id": "12", "workspace_id": "3", "flag": "true",
        "client_id": "77",
    }, "payload": {"id": 12, "amount": 5}}  # fmt: skip
    event = parse_event(json.dumps(data))
    assert isinstance(event, EntityEvent)
    assert event.model == "expense" and event.entity == {"id": 12, "amount": 5} and event.entity_id == 12
    assert event.extra == {"brand_new": {"x": 1}} and event.metadata.extra == {"flag": True, "client_id": 77}
    project = parse_event(json.dumps(RECORDED | {
        "metadata": {"action": "updated", "model": "project", "project_id": "4"},
        "payload": {"id": 4, "workspace_id": 3, "name": "Site", "shiny": 1},
    }))  # fmt: skip
    assert isinstance(project, EntityEvent) and isinstance(project.entity, Project)
    assert project.entity.additional_properties == {"shiny": 1} and project.entity_id == 4


def test_a_payload_the_model_cannot_take_is_kept_as_sent() -> None:
    event = parse_event(json.dumps(RECORDED | {"payload": ["not", "an", "object"]}))
    assert isinstance(event, EntityEvent) and event.entity == ["not", "an", "object"]


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"payload": "ping"}', b'{"event_id": "1"}'])
def test_what_is_not_an_event_raises_a_typed_error(body: bytes) -> None:
    with pytest.raises(WebhookEventError):
        parse_event(body)
