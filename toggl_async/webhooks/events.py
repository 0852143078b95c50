"""Webhook deliveries as typed events: `parse_event(body)` gives a `PingEvent` or an `EntityEvent`.

The envelope (`event_id`, `created_at`, `creator_id`, `metadata`, `payload`, `subscription_id`,
`timestamp`, `url_callback`) is as Toggl's docs and recorded deliveries show it [V:D-WH validating
received events; WH-REC]. Toggl sends metadata values as strings (`"workspace_id": "7435584"`); they
are converted here (ids to int, `request_body` kept as the text it is). The payload becomes the
entity's model (`TimeEntry`, `Project`, ...) chosen by `metadata.model`. Anything unknown is kept:
unknown envelope keys in `extra`, unknown metadata in `metadata.extra`, an unknown model's payload
as the decoded JSON, unknown payload fields in the model's `additional_properties`.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import attrs

from toggl_async.webhooks.signature import WebhookError

# metadata.model -> the generated model its payload decodes into [V:WH-REC time_entry; the rest I].
PAYLOAD_MODELS = {
    "time_entry": "TimeEntry", "project": "Project", "client": "Client", "tag": "Tag", "task": "Task",
    "workspace": "Workspace", "project_user": "ProjectUser", "workspace_user": "WorkspaceUser",
}  # fmt: skip
_ENVELOPE = ("event_id", "created_at", "creator_id", "metadata", "payload", "subscription_id", "timestamp",
             "url_callback", "validation_code", "validation_code_url")  # fmt: skip
_KNOWN_METADATA = ("action", "model", "path", "request_type", "request_body", "event_user_id", "model_owner_id",
                   "workspace_id", "project_id")  # fmt: skip
_FRACTION = re.compile(r"(\.\d{6})\d+")
# A decimal id as Toggl writes one: ASCII digits only (str.isdigit also takes "²" and "٣", which int()
# refuses or reads), and short enough for int() (Python refuses strings past 4300 digits).
_DIGITS = re.compile(r"-?[0-9]{1,40}")


class WebhookEventError(WebhookError):
    """A delivery body that is not a webhook event (not JSON, not an object, no event_id)."""


@attrs.frozen
class EventMetadata:
    """What changed and how, with Toggl's string values converted.

    `action`: "created", "updated", "deleted" (None on pings); `model`: "time_entry", "project", ...;
    `entity_id`: the `<model>_id` value; `path` and `request_type`: the API call that made the change;
    `request_body`: that call's body, as text; `extra`: every other key, digit strings as int.
    """

    action: str | None = None
    model: str | None = None
    entity_id: int | None = None
    workspace_id: int | None = None
    project_id: int | None = None
    event_user_id: int | None = None
    model_owner_id: int | None = None
    path: str | None = None
    request_type: str | None = None
    request_body: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class WebhookEvent:
    """One delivery. `created_at` is when the change happened; `timestamp` when this attempt was sent
    (Toggl moves it on every retry, so it dates the delivery, not the change)."""

    event_id: int
    subscription_id: int | None
    created_at: datetime.datetime | None
    timestamp: datetime.datetime | None
    creator_id: int | None
    url_callback: str | None
    metadata: EventMetadata
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class PingEvent(WebhookEvent):
    """A ping (`payload: "ping"`): sent on create and by the ping call. Before the subscription is
    validated it carries `validation_code` (and `validation_code_url`), kept out of the repr."""

    validation_code: str | None = attrs.field(default=None, repr=False)
    validation_code_url: str | None = attrs.field(default=None, repr=False)


@attrs.frozen
class EntityEvent(WebhookEvent):
    """An entity was created, updated or deleted.

    `entity`: the payload as its model (`toggl_async.models.TimeEntry`, ...), or the decoded JSON when
    the model is one the SDK does not know; `payload`: the decoded JSON as sent.
    """

    action: str = ""
    model: str = ""
    entity: Any = None
    payload: Any = None

    @property
    def entity_id(self) -> int | None:
        """The changed entity's id (from the metadata, else the payload)."""
        if self.metadata.entity_id is not None:
            return self.metadata.entity_id
        value = self.payload.get("id") if isinstance(self.payload, dict) else None
        return _integer(value) if isinstance(value, int) else None

    @property
    def workspace_id(self) -> int | None:
        """The workspace the change belongs to."""
        if self.metadata.workspace_id is not None:
            return self.metadata.workspace_id
        value = self.payload.get("workspace_id") if isinstance(self.payload, dict) else None
        return _integer(value) if isinstance(value, int) else None


def parse_event(body: bytes | str) -> PingEvent | EntityEvent:
    """Decode a delivery body (verify its signature first). Raises `WebhookEventError` when it is not an event."""
    try:
        data = json.loads(body)
    except ValueError as exc:  # also invalid UTF-8 (UnicodeDecodeError) and over-long integers
        raise WebhookEventError("the delivery body is not JSON") from exc
    except RecursionError as exc:  # a JSON bomb: arrays or objects nested thousands deep
        raise WebhookEventError("the delivery body is nested too deeply to be a webhook event") from exc
    event_id = data.get("event_id") if isinstance(data, dict) else None
    if not isinstance(event_id, int) or isinstance(event_id, bool):
        raise WebhookEventError("the delivery body is not a webhook event (no integer event_id)")
    return event_from_dict(data)


def event_from_dict(data: dict[str, Any]) -> PingEvent | EntityEvent:
    """The typed event for an already decoded delivery body."""
    raw_metadata = data.get("metadata")
    metadata = _metadata(raw_metadata if isinstance(raw_metadata, dict) else {})
    common: dict[str, Any] = {
        "event_id": data["event_id"],
        "subscription_id": _integer(data.get("subscription_id")),
        "created_at": _moment(data.get("created_at")),
        "timestamp": _moment(data.get("timestamp")),
        "creator_id": _integer(data.get("creator_id")),
        "url_callback": data.get("url_callback") if isinstance(data.get("url_callback"), str) else None,
        "metadata": metadata,
        "extra": {k: v for k, v in data.items() if k not in _ENVELOPE},
    }
    payload = data.get("payload")
    if payload == "ping":
        code, url = data.get("validation_code"), data.get("validation_code_url")
        return PingEvent(
            **common,
            validation_code=code if isinstance(code, str) else None,
            validation_code_url=url if isinstance(url, str) else None,
        )
    model = metadata.model or ""
    return EntityEvent(
        **common, action=metadata.action or "", model=model, entity=_entity(model, payload), payload=payload
    )


def _entity(model: str, payload: Any) -> Any:
    name = PAYLOAD_MODELS.get(model)
    if name is None or not isinstance(payload, dict):
        return payload
    from toggl_async import models

    try:
        return getattr(models, name).from_dict(payload)
    except (TypeError, ValueError, KeyError, AttributeError):
        return payload  # a payload the model cannot take is kept as sent, never a crash


def _metadata(raw: dict[str, Any]) -> EventMetadata:
    model = raw.get("model") if isinstance(raw.get("model"), str) else None
    entity_key = f"{model}_id" if model else None
    extra = {k: _converted(k, v) for k, v in raw.items() if k not in _KNOWN_METADATA and k != entity_key}
    return EventMetadata(
        action=_text(raw.get("action")),
        model=model,
        entity_id=_integer(raw.get(entity_key)) if entity_key else None,
        workspace_id=_integer(raw.get("workspace_id")),
        project_id=_integer(raw.get("project_id")),
        event_user_id=_integer(raw.get("event_user_id")),
        model_owner_id=_integer(raw.get("model_owner_id")),
        path=_text(raw.get("path")),
        request_type=_text(raw.get("request_type")),
        request_body=_text(raw.get("request_body")),
        extra=extra,
    )


def _converted(key: str, value: Any) -> Any:
    if isinstance(value, str):
        if key.endswith("_id") and _DIGITS.fullmatch(value):
            return int(value)
        if value in ("true", "false"):
            return value == "true"
    return value


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None if value is None else str(value)


def _moment(value: Any) -> datetime.datetime | None:
    """RFC 3339 with up to nanoseconds (Go writes 9 digits, Python reads 6); None when unreadable."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(_FRACTION.sub(r"\1", value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)
