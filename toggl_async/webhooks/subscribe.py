"""`subscribe()`: create a webhook subscription after checking the workspace's plan limits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from toggl_async.webhooks.signature import WebhookError

if TYPE_CHECKING:
    from toggl_async.client import Toggl
    from toggl_async.models import WebhookEventFilter, WebhookSubscription


class WebhookLimitError(WebhookError):
    """The workspace cannot take this subscription: its plan's limit of enabled subscriptions, or of
    event filters per subscription, is reached. `limit` is that number, `kind` "webhooks" or "events"."""

    def __init__(self, message: str, *, kind: str, limit: int) -> None:
        super().__init__(message)
        self.kind, self.limit = kind, limit


def event_filters(filters: Iterable[str | tuple[str, str]]) -> list[WebhookEventFilter]:
    """`"time_entry/created"`, `"project/*"`, `("tag", "deleted")` or `"*"` as the API's filter models.

    Raises ValueError for anything else (an empty entity or action, or a name Toggl would refuse).
    """
    from toggl_async.models import WebhookEventFilter

    result = []
    for item in filters:
        if isinstance(item, str):
            entity, _, action = item.partition("/")
            action = action or ("*" if entity == "*" else "")
        else:
            entity, action = item
        for part in (entity, action):
            if not part or not (part == "*" or part.replace("_", "a").isalnum()):
                raise ValueError(f"event filter {item!r}: expected 'entity/action', each a word or '*'")
        result.append(WebhookEventFilter(entity=entity, action=action))
    if not result:
        raise ValueError("give at least one event filter")
    return result


async def subscribe(
    toggl: Toggl, workspace_id: int, url: str, filters: Iterable[str | tuple[str, str]], *, description: str,
    secret: str | None = None, enabled: bool = True,
) -> WebhookSubscription:  # fmt: skip
    """Subscribe `url` to `filters` (e.g. `["time_entry/*", "project/deleted"]`) in the workspace.

    Three requests: the limits, the existing subscriptions, then the create (Toggl pings `url`, which must
    answer 2xx; a `WebhookReceiver` also validates it on the spot). Raises `WebhookLimitError` before
    creating anything when the plan's limits (Free 1 subscription with 3 filters, Starter 2 with 6,
    Premium 3 with 12) would be passed; ValueError for a malformed filter; `TogglAPIError` as any call.
    The returned subscription's `secret` is what `verify_signature` and `WebhookReceiver` need.
    """
    from toggl_async._generated.types import UNSET
    from toggl_async.models import WebhookSubscriptionCreate

    wanted = event_filters(filters)
    limits = await toggl.webhooks.get_webhook_limits(workspace_id)
    if len(wanted) > limits.max_events_per_webhook:
        raise WebhookLimitError(
            f"workspace {workspace_id} allows {limits.max_events_per_webhook} event filters per subscription, "
            f"{len(wanted)} given",
            kind="events", limit=limits.max_events_per_webhook,
        )  # fmt: skip
    if enabled:
        existing = await toggl.webhooks.list_webhook_subscriptions(workspace_id)
        active = [s for s in existing if s.enabled and not s.deleted_at]
        if len(active) >= limits.max_webhooks:
            raise WebhookLimitError(
                f"workspace {workspace_id} already has {len(active)} enabled webhook subscriptions, the most its "
                f"plan allows ({limits.max_webhooks}); disable or delete one first",
                kind="webhooks", limit=limits.max_webhooks,
            )  # fmt: skip
    body = WebhookSubscriptionCreate(
        url_callback=url, event_filters=wanted, description=description, enabled=enabled,
        secret=secret if secret is not None else UNSET,
    )  # fmt: skip
    return await toggl.webhooks.create_webhook_subscription(workspace_id, body=body)
