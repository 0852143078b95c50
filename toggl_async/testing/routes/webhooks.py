"""Webhooks API v1 on the fake: subscriptions, pings, validation, event filters, limits, status.

The rules and their evidence are in toggl_async/testing/webhooks.py; the 400 texts are those Toggl's
swagger lists [V:SWWH]. Handlers that reach a subscription's URL (create, update, enable, ping) are
coroutines: the app awaits them.
"""

from __future__ import annotations

from typing import Any

from toggl_async.testing.http import ApiError, FakeRequest, Reply, bad_request, handles
from toggl_async.testing.store import Obj, public, stamp
from toggl_async.testing.webhooks import ACTIONS, MODELS, DeliveryFailed, check_filters


def _subscription(request: FakeRequest) -> Obj:
    wid, sid = request.path_params["workspace_id"], request.path_params["subscription_id"]
    request.store.workspace_for(request.user_id, wid)
    subscription = request.fake.webhooks.subscriptions.get(sid)
    if subscription is None or subscription["workspace_id"] != wid or subscription["deleted_at"]:
        raise ApiError(404, f"subscription {sid} for workspace {wid} was not found")
    return subscription


def _view(subscription: Obj) -> Obj:
    return public(subscription)


def _check_enabled_limit(request: FakeRequest, wid: int, other_than: int | None = None) -> None:
    hub = request.fake.webhooks
    max_webhooks, _ = hub.limits(wid)
    enabled = [s for s in hub.of_workspace(wid) if s["enabled"] and s["subscription_id"] != other_than]
    if len(enabled) >= max_webhooks:
        raise bad_request(
            f"User {request.user_id} already reached the limit of {max_webhooks} enabled subscriptions for "
            f"workspace {wid}"
        )


def _fields(request: FakeRequest, wid: int, own_id: int | None) -> dict[str, Any]:
    """The checked fields of a create or replace body (400 with Toggl's text otherwise)."""
    body = request.body_object()
    hub = request.fake.webhooks
    _, max_events = hub.limits(wid)
    description = body.get("description")
    if not isinstance(description, str) or not description.strip():
        raise bad_request("Subscription description must not be empty")
    if any(s["description"] == description and s["subscription_id"] != own_id for s in hub.of_workspace(wid)):
        raise bad_request(f"Subscription description '{description}' is already in use for workspace {wid}")
    try:
        filters = check_filters(body.get("event_filters"), max_events)
    except ValueError as exc:
        raise bad_request(str(exc)) from exc
    url = body.get("url_callback")
    if not isinstance(url, str) or not url:
        raise bad_request("URL endpoint  request failed with error: no URL")
    enabled = body.get("enabled", False)
    if not isinstance(enabled, bool):
        raise bad_request("Invalid JSON input")
    fields: dict[str, Any] = {"description": description, "event_filters": filters, "url_callback": url,
                              "enabled": enabled}  # fmt: skip
    secret = body.get("secret")
    if secret is not None:
        if not isinstance(secret, str) or not secret:
            raise bad_request("Invalid JSON input")
        fields["secret"] = secret
    return fields


async def _ping_or_400(request: FakeRequest, subscription: Obj) -> None:
    try:
        await request.fake.webhooks.ping(subscription)
    except DeliveryFailed as exc:
        raise bad_request(str(exc)) from exc


@handles("list_webhook_subscriptions")
def list_webhook_subscriptions(request: FakeRequest) -> Reply:
    wid = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, wid)
    return Reply([_view(s) for s in request.fake.webhooks.of_workspace(wid)])


@handles("create_webhook_subscription")
async def create_webhook_subscription(request: FakeRequest) -> Reply:
    """Checked, then pinged: a URL that does not answer 2xx means nothing is stored [V:SWWH 400 texts]."""
    wid = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, wid)
    fields = _fields(request, wid, None)
    if fields["enabled"]:
        _check_enabled_limit(request, wid)
    hub = request.fake.webhooks
    subscription = hub.new_subscription(wid, request.user_id, fields)
    await _ping_or_400(request, subscription)
    hub.subscriptions[subscription["subscription_id"]] = subscription
    return Reply(_view(subscription))


@handles("update_webhook_subscription")
async def update_webhook_subscription(request: FakeRequest) -> Reply:
    subscription = _subscription(request)
    wid = subscription["workspace_id"]
    fields = _fields(request, wid, subscription["subscription_id"])
    if fields["enabled"] and not subscription["enabled"]:
        _check_enabled_limit(request, wid, subscription["subscription_id"])
    if fields["url_callback"] != subscription["url_callback"]:
        trial = subscription | fields | {"validated_at": None}
        await _ping_or_400(request, trial)
        fields["validated_at"] = trial["validated_at"]  # a new URL is validated anew [I]
    subscription.update(fields)
    subscription["updated_at"] = stamp(request.store.now())
    return Reply(_view(subscription))


@handles("patch_webhook_subscription")
def patch_webhook_subscription(request: FakeRequest) -> Reply:
    subscription = _subscription(request)
    enabled = request.body_object().get("enabled")
    if not isinstance(enabled, bool):
        raise bad_request("Invalid JSON input")
    if enabled and not subscription["enabled"]:
        _check_enabled_limit(request, subscription["workspace_id"], subscription["subscription_id"])
    subscription["enabled"] = enabled
    subscription["updated_at"] = stamp(request.store.now())
    return Reply(_view(subscription))


@handles("delete_webhook_subscription")
def delete_webhook_subscription(request: FakeRequest) -> Reply:
    subscription = _subscription(request)
    subscription["deleted_at"] = stamp(request.store.now())
    hub = request.fake.webhooks
    hub.queue = [d for d in hub.queue if d.subscription_id != subscription["subscription_id"]]
    subscription["has_pending_events"] = False
    return Reply(_view(subscription))


@handles("ping_webhook_subscription")
async def ping_webhook_subscription(request: FakeRequest) -> Reply:
    """Sends at once, validated or not [V:D-WH]; an unreachable or non-2xx URL is a 400 [I from create's]."""
    subscription = _subscription(request)
    await _ping_or_400(request, subscription)
    return Reply({"status": "OK"})


@handles("validate_webhook_subscription")
def validate_webhook_subscription(request: FakeRequest) -> Reply:
    wid, sid = request.path_params["workspace_id"], request.path_params["subscription_id"]
    code = str(request.path_params["validation_code"])
    subscription = request.fake.webhooks.subscriptions.get(sid)
    if (
        subscription is None or subscription["workspace_id"] != wid or subscription["deleted_at"]
        or subscription["_validation_code"] != code
    ):  # fmt: skip
        raise bad_request(f"subscription {sid} for workspace {wid} and validation code '{code}' was not found")
    if subscription["validated_at"] is not None:
        raise bad_request(f"subscription {sid} has already been validated")
    request.fake.webhooks.validate(subscription)
    return Reply("OK")


@handles("get_webhook_event_filters")
def get_webhook_event_filters(request: FakeRequest) -> Reply:
    return Reply({model: list(ACTIONS) for model in sorted(MODELS.values())})


@handles("get_webhook_limits")
def get_webhook_limits(request: FakeRequest) -> Reply:
    wid = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, wid)
    max_webhooks, max_events = request.fake.webhooks.limits(wid)
    return Reply({"max_webhooks": max_webhooks, "max_events_per_webhook": max_events})


@handles("get_webhook_status")
def get_webhook_status(request: FakeRequest) -> Reply:
    return Reply({"status": "OK"})
