"""Toggl webhooks: verify deliveries, decode them into typed events, receive them, subscribe.

    from toggl_async.webhooks import WebhookReceiver, subscribe, verify_signature

    subscription = await subscribe(toggl, workspace_id, "https://bot.example.com/toggl",
                                   ["time_entry/*"], description="my bot")
    receiver = WebhookReceiver(subscription.secret)   # an ASGI app: serve or mount it
    async for event in receiver:
        print(event.action, event.model, event.entity)

The ten Webhooks API v1 operations themselves are `toggl.webhooks.*` (generated from the spec).
See docs/webhooks.md.
"""

from toggl_async.webhooks.events import (
    EntityEvent,
    EventMetadata,
    PingEvent,
    WebhookEvent,
    WebhookEventError,
    event_from_dict,
    parse_event,
)
from toggl_async.webhooks.receiver import WebhookReceiver
from toggl_async.webhooks.signature import (
    SIGNATURE_HEADER,
    MalformedSignatureError,
    MissingSignatureError,
    SignatureMismatchError,
    WebhookError,
    WebhookSignatureError,
    signature_for,
    verify_signature,
)
from toggl_async.webhooks.subscribe import WebhookLimitError, event_filters, subscribe

__all__ = [
    "SIGNATURE_HEADER",
    "EntityEvent",
    "EventMetadata",
    "MalformedSignatureError",
    "MissingSignatureError",
    "PingEvent",
    "SignatureMismatchError",
    "WebhookError",
    "WebhookEvent",
    "WebhookEventError",
    "WebhookLimitError",
    "WebhookReceiver",
    "WebhookSignatureError",
    "event_filters",
    "event_from_dict",
    "parse_event",
    "signature_for",
    "subscribe",
    "verify_signature",
]
