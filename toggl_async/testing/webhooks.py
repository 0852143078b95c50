"""FakeToggl's webhooks: subscriptions, and delivery of signed events when entities change.

Toggl's rules as the fake keeps them (evidence tags as in spec/toggl.yaml: SWWH is Toggl's webhooks
swagger, D-WH its webhooks docs, SUP-LIM the plan limits, WH-REC deliveries recorded from the live
service and quoted in a public Toggl-to-Clockify bridge):

* per workspace at most the plan's number of enabled subscriptions, each with at most its number of
  event filters: Free 1/3, Starter 2/6, Premium 3/12 [V:SUP-LIM]; Enterprise like Premium [I];
* a subscription gets events only while enabled and validated [V:D-WH overview]; pings work before,
  carrying `validation_code` and `validation_code_url` [V:WH-REC ping]; an answer
  `{"validation_code": "<code>"}` validates it [V:D-WH url endpoint validation];
* each delivery is a POST of compact JSON signed `X-Webhook-Signature-256: sha256=<hex HMAC-SHA256 of
  the body keyed by the secret>` [V:D-WH validating received events];
* an answer other than 2xx is retried later with `timestamp` updated [V:D-WH]; the schedule is the
  fake's own (`RETRY_DELAYS`, on the fake's clock) [I];
* entity events carry `metadata` values as strings (ids too) and the entity as `payload` [V:WH-REC].

Receivers are reached in process (`fake.webhooks.mount(url, app)`: an ASGI app through an httpx ASGI
transport) or over sockets when the URL is loopback; any other URL fails like an unreachable host (the
fake never touches the real network). `fake.webhooks.faults` drops, delays, duplicates or reorders
deliveries.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import ipaddress
import itertools
import json
import random
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import anyio
import attrs
import httpx

from . import shapes
from .store import Obj, public, stamp

if TYPE_CHECKING:
    from .app import FakeToggl

PLAN_LIMITS = {"Free": (1, 3), "Starter": (2, 6), "Premium": (3, 12), "Enterprise": (3, 12)}
# Entities events are sent for, by the fake's table [V:SWWH event_filters names client, project,
# time_entry; D-WH request examples tag; the rest I].
MODELS = {
    "time_entries": "time_entry", "projects": "project", "clients": "client", "tags": "tag", "tasks": "task",
    "workspaces": "workspace", "project_users": "project_user", "workspace_users": "workspace_user",
}  # fmt: skip
ACTIONS = ("created", "updated", "deleted")
# Seconds before each retry of a failed delivery; past the last one the event is given up [I].
RETRY_DELAYS = (60.0, 300.0, 900.0, 3600.0, 3 * 3600.0, 6 * 3600.0)
# Webhook payloads write time entries like the create answers do, `at` to the second [V:WH-REC].
_PAYLOAD_SHAPES = {
    "time_entry": shapes.Shape(
        "webhook payloads [V:WH-REC]",
        times={
            "at": shapes.seconds,
            "start": shapes.seconds_z,
            "stop": shapes.seconds_z,
            "server_deleted_at": shapes.seconds,
        },
    ),
    "project": shapes.PROJECT,
    "client": shapes.CLIENT,
    "tag": shapes.TAG,
    "workspace": shapes.WORKSPACE,
}
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_LOOPBACK_NAMES = frozenset({"localhost"})

Asgi = Callable[..., Any]
DeliveryFaultKind = Literal["drop", "delay", "duplicate", "reorder"]


@attrs.define
class DeliveryFault:
    """One scripted delivery fault.

    kind: "drop" loses the delivery (the receiver never sees it and it is not retried: a lost event);
    "delay" holds it back `seconds` on the fake's clock; "duplicate" sends it twice; "reorder" sends it
    after the next one due. times: how many deliveries it hits (None: all).
    """

    kind: DeliveryFaultKind
    times: int | None = 1
    seconds: float = 30.0


class DeliveryFaults:
    """The faults deliveries meet, consulted once per delivery."""

    def __init__(self) -> None:
        self.scripted: list[DeliveryFault] = []
        self._random: random.Random | None = None
        self._probability = 0.0
        self._kinds: tuple[DeliveryFaultKind, ...] = ("drop",)

    def add(self, kind: DeliveryFaultKind, *, times: int | None = 1, seconds: float = 30.0) -> DeliveryFault:
        """Script a fault for the next `times` deliveries."""
        fault = DeliveryFault(kind, times, seconds)
        self.scripted.append(fault)
        return fault

    def at_random(self, probability: float, *, seed: int, kinds: tuple[DeliveryFaultKind, ...] = ("drop",)) -> None:
        """Hit each delivery with probability `probability`, choosing one of `kinds`; reproducible by seed."""
        self._random, self._probability, self._kinds = random.Random(seed), probability, kinds

    def clear(self) -> None:
        self.scripted.clear()
        self._random = None

    def pick(self) -> DeliveryFault | None:
        for fault in self.scripted:
            if fault.times != 0:
                if fault.times is not None:
                    fault.times -= 1
                return fault
        if self._random is not None and self._random.random() < self._probability:
            return DeliveryFault(self._random.choice(self._kinds))
        return None


@attrs.define
class Delivery:
    """One event on its way to one subscription."""

    subscription_id: int
    event: Obj
    due: float
    attempts: int = 0


@attrs.define
class Attempt:
    """One POST the fake made to a subscription's URL (for tests to inspect)."""

    subscription_id: int
    event_id: int
    status: int | None  # None: the URL could not be reached
    body: bytes = attrs.field(repr=False)
    headers: dict[str, str] = attrs.field(repr=False)


class DeliveryFailed(Exception):
    """A URL that could not be reached, or did not answer 2xx (the message is Toggl's 400 text)."""


class FakeWebhooks:
    """The webhooks side of one FakeToggl (`fake.webhooks`)."""

    def __init__(self, fake: FakeToggl) -> None:
        self.fake = fake
        self.subscriptions: dict[int, Obj] = {}
        self.receivers: dict[str, Asgi] = {}
        self.faults = DeliveryFaults()
        self.queue: list[Delivery] = []
        self.attempts: list[Attempt] = []
        self.given_up: list[Delivery] = []
        self.dropped: list[Delivery] = []  # lost by a "drop" fault
        self.auto_deliver = True
        self.timeout = 10.0
        self._ids = itertools.count(10_700)
        self._event_ids = itertools.count(8_023_169_274_704_072)
        self._recording = False
        self._changes: dict[tuple[str, int], tuple[str, Obj]] = {}
        fake.store.observers.append(self.changed)

    # ---- receivers
    def mount(self, url: str, app: Asgi) -> None:
        """Deliver to `app` (an ASGI app, in process) every event whose URL starts with `url`."""
        self.receivers[url] = app

    def unmount(self, url: str) -> None:
        """Stop delivering in process to `url`: it becomes unreachable (or reached over sockets if loopback)."""
        self.receivers.pop(url, None)

    def _transport(self, url: str) -> httpx.AsyncBaseTransport:
        for prefix, app in sorted(self.receivers.items(), key=lambda item: -len(item[0])):
            if url.startswith(prefix):
                return httpx.ASGITransport(app=app)
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise DeliveryFailed(f"URL endpoint {url} request failed with error: invalid URL") from exc
        if parsed.scheme in ("http", "https") and _is_loopback(parsed.host):
            return httpx.AsyncHTTPTransport()
        raise DeliveryFailed(f"URL endpoint {url} request failed with error: host unreachable (FakeToggl)")

    # ---- limits and subscriptions
    def limits(self, workspace_id: int) -> tuple[int, int]:
        """(max_webhooks, max_events_per_webhook) of the workspace's plan."""
        workspace = self.fake.store.tables["workspaces"][workspace_id]
        org = self.fake.store.tables["organizations"][workspace["organization_id"]]
        return PLAN_LIMITS.get(org["pricing_plan_name"], PLAN_LIMITS["Free"])

    def of_workspace(self, workspace_id: int) -> list[Obj]:
        return [s for s in self.subscriptions.values() if s["workspace_id"] == workspace_id and not s["deleted_at"]]

    def new_subscription(self, workspace_id: int, user_id: int, fields: Obj) -> Obj:
        now = stamp(self.fake.clock.now())
        return {
            "subscription_id": next(self._ids), "workspace_id": workspace_id, "user_id": user_id,
            "enabled": False, "description": "", "event_filters": [], "url_callback": "",
            "secret": secrets.token_urlsafe(15), "validated_at": None, "has_pending_events": False,
            "created_at": now, "updated_at": None, "deleted_at": None,
            "_validation_code": secrets.token_hex(16),
        } | fields  # fmt: skip

    def validate(self, subscription: Obj) -> None:
        subscription["validated_at"] = stamp(self.fake.clock.now())

    # ---- pings
    async def ping(self, subscription: Obj) -> None:
        """POST a ping now; raises DeliveryFailed (Toggl's 400 text) unless the URL answers 2xx.

        A ping to an unvalidated subscription carries its validation code; an answer echoing it
        validates the subscription.
        """
        event = self._envelope(subscription, {"request_type": "POST", "event_user_id": subscription["user_id"]}, "ping")
        event["event_id"] = 0  # pings have event_id 0 [V:WH-REC, D-WH example]
        if subscription["validated_at"] is None:
            code = subscription["_validation_code"]
            event["validation_code"] = code
            event["validation_code_url"] = (
                f"https://api.track.toggl.com/webhooks/api/v1/validate/{subscription['workspace_id']}/"
                f"{subscription['subscription_id']}/{code}"
            )
        response = await self._post(subscription, event)
        url = subscription["url_callback"]
        if response is None:
            raise DeliveryFailed(f"URL endpoint {url} request failed with error: connection refused")
        status, body = response
        if not 200 <= status < 300:
            raise DeliveryFailed(f"URL endpoint {url} responded with status {status} instead of 200")
        if subscription["validated_at"] is None and _echoed_code(body) == subscription["_validation_code"]:
            self.validate(subscription)

    # ---- changes (called by the store and the app)
    def begin_request(self) -> None:
        self._recording, self._changes = True, {}

    def changed(self, action: str, table: str | None, obj: Obj) -> None:
        """The store's hook: `obj` was created, updated or deleted (table None: find it)."""
        if not self._recording or not self.subscriptions:
            return
        table = table or self._table_of(obj)
        if table not in MODELS or "id" not in obj:
            return
        key = (table, obj["id"])
        earlier = self._changes.get(key, (action, obj))[0]
        # One event per object and request: a create that is then touched stays a create; deletes win.
        final = "deleted" if "deleted" in (earlier, action) else "created" if "created" in (earlier, action) else action
        self._changes[key] = (final, obj)

    def end_request(self, method: str, path: str, body: bytes, user_id: int) -> None:
        """Queue one event per object the request changed, for every subscription that wants it."""
        changes, self._recording, self._changes = self._changes, False, {}
        now = self.fake.clock.time()
        for (table, _), (action, obj) in changes.items():
            model = MODELS[table]
            workspace_id = obj.get("workspace_id", obj.get("id") if table == "workspaces" else None)
            metadata = {
                "action": action, "event_user_id": str(user_id), "model": model,
                "model_owner_id": str(obj.get("user_id") or obj.get("creator_id") or user_id), "path": path,
                "request_body": body.decode(errors="replace"), "request_type": method,
                f"{model}_id": str(obj["id"]), "workspace_id": str(workspace_id),
            }  # fmt: skip
            if obj.get("project_id") is not None and model != "project":
                metadata["project_id"] = str(obj["project_id"])
            shape = _PAYLOAD_SHAPES.get(model)
            payload = shape.write(obj) if shape is not None else public(obj)
            for subscription in self.of_workspace(workspace_id) if workspace_id is not None else []:
                if self._wants(subscription, model, action, obj):
                    event = self._envelope(subscription, metadata, payload)
                    self.queue.append(Delivery(subscription["subscription_id"], event, now))
                    subscription["has_pending_events"] = True

    def _wants(self, subscription: Obj, model: str, action: str, obj: Obj) -> bool:
        if not (subscription["enabled"] and subscription["validated_at"]):
            return False
        if not any(f["entity"] in (model, "*") and f["action"] in (action, "*") for f in subscription["event_filters"]):
            return False
        # The creator's visibility: another user's time entries only for workspace admins [V:D-WH overview].
        owner = obj.get("user_id")
        creator = subscription["user_id"]
        if model == "time_entry" and owner != creator:
            return self.fake.store.is_workspace_admin(creator, subscription["workspace_id"])
        return subscription["workspace_id"] in self.fake.store.workspace_ids(creator)

    def _table_of(self, obj: Obj) -> str | None:
        tables = self.fake.store.tables
        return next((name for name in MODELS if tables[name].get(obj.get("id", -1)) is obj), None)

    def _envelope(self, subscription: Obj, metadata: Obj, payload: Any) -> Obj:
        now = self.fake.clock.now()
        return {
            "event_id": next(self._event_ids), "created_at": _nano(now), "creator_id": subscription["user_id"],
            "metadata": metadata, "payload": payload, "subscription_id": subscription["subscription_id"],
            "timestamp": _nano(now), "url_callback": subscription["url_callback"],
        }  # fmt: skip

    # ---- delivery
    @property
    def pending(self) -> int:
        """Deliveries waiting (due now or later)."""
        return len(self.queue)

    def next_due(self) -> float | None:
        """When the next delivery is due (UNIX seconds on the fake's clock), None when none waits."""
        return min((d.due for d in self.queue), default=None)

    async def deliver_due(self) -> int:
        """Send every delivery due by the fake's clock (first tries and retries); how many were sent."""
        sent = 0
        while True:
            now = self.fake.clock.time()
            due = sorted((d for d in self.queue if d.due <= now), key=lambda d: d.due)
            if not due:
                return sent
            delivery = due[0]
            fault = self.faults.pick()
            if fault is not None and fault.kind == "reorder" and len(due) > 1:
                delivery = due[1]
            self.queue.remove(delivery)
            if fault is not None and fault.kind == "drop":
                self.dropped.append(delivery)
                self._settle(delivery)
                continue
            if fault is not None and fault.kind == "delay":
                delivery.due = now + fault.seconds
                self.queue.append(delivery)
                continue
            sent += 1
            await self._attempt(delivery)
            if fault is not None and fault.kind == "duplicate":
                await self._attempt(attrs.evolve(delivery, event=dict(delivery.event)))

    async def _attempt(self, delivery: Delivery) -> None:
        subscription = self.subscriptions.get(delivery.subscription_id)
        if subscription is None or subscription["deleted_at"]:
            return
        delivery.attempts += 1
        delivery.event["timestamp"] = _nano(self.fake.clock.now())
        response = await self._post(subscription, delivery.event)
        if response is not None and 200 <= response[0] < 300:
            self._settle(delivery)
            return
        if delivery.attempts > len(RETRY_DELAYS):
            self.given_up.append(delivery)
            self._settle(delivery)
            return
        delivery.due = self.fake.clock.time() + RETRY_DELAYS[delivery.attempts - 1]
        self.queue.append(delivery)

    def _settle(self, delivery: Delivery) -> None:
        subscription = self.subscriptions.get(delivery.subscription_id)
        if subscription is not None:
            subscription["has_pending_events"] = any(d.subscription_id == delivery.subscription_id for d in self.queue)

    async def _post(self, subscription: Obj, event: Obj) -> tuple[int, bytes] | None:
        """POST one signed event; (status, body), or None when the URL could not be reached."""
        url = subscription["url_callback"]
        body = json.dumps(event, separators=(",", ":")).encode()
        digest = hmac.new(subscription["secret"].encode(), body, hashlib.sha256).hexdigest()
        headers = {
            "content-type": "application/json", "user-agent": "Toggl-Webhooks (FakeToggl)",
            "x-webhook-signature-256": f"sha256={digest}",
        }  # fmt: skip
        status: int | None = None
        content = b""
        try:
            transport = self._transport(url)
            async with httpx.AsyncClient(transport=transport, timeout=self.timeout) as client:
                with anyio.fail_after(self.timeout):
                    response = await client.post(url, content=body, headers=headers)
            status, content = response.status_code, response.content
        except (DeliveryFailed, httpx.HTTPError, TimeoutError, OSError):
            status = None
        self.attempts.append(Attempt(subscription["subscription_id"], event["event_id"], status, body, headers))
        return None if status is None else (status, content)


def check_filters(filters: Any, max_events: int) -> list[Obj]:
    """The event filters of a request body, or ValueError with Toggl's 400 text [V:SWWH post-subscription]."""
    if not isinstance(filters, list) or not filters:
        raise ValueError("The list of event filters must not be empty")
    if len(filters) > max_events:
        raise ValueError(
            f"The limit of {max_events} event filters for your subscription has been exceeded as you're "
            f"trying to set {len(filters)} filters"
        )
    seen: set[tuple[str, str]] = set()
    cleaned = []
    for item in filters:
        if not isinstance(item, dict):
            raise ValueError("The entity field for each subscription event filter must be non-empty")
        entity, action = item.get("entity"), item.get("action")
        if not isinstance(entity, str) or not entity:
            raise ValueError("The entity field for each subscription event filter must be non-empty")
        if entity != "*" and not set(entity) <= _WORD:
            raise ValueError(
                f"The value '{entity}' for the filter entity can only contain letters, numbers and '_' or be '*' "
                "to match all entities"
            )
        if not isinstance(action, str) or not action:
            raise ValueError("The action field for each subscription event filter must be non-empty")
        if action != "*" and not set(action) <= _WORD:
            raise ValueError(
                f"The value '{action}' for the filter action can only contain letters, numbers and '_' or be '*' "
                "to match all actions"
            )
        if action not in (*ACTIONS, "*"):
            raise ValueError(f"Invalid value '{action}' for event filter action")
        if (entity, action) in seen:
            raise ValueError(
                f"The following event filter appears more than once for your subscription: {entity}/{action}"
            )
        seen.add((entity, action))
        cleaned.append({"entity": entity, "action": action})
    return cleaned


def _echoed_code(body: bytes) -> str | None:
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    code = answer.get("validation_code") if isinstance(answer, dict) else None
    return code if isinstance(code, str) else None


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _nano(moment: datetime.datetime) -> str:
    """Go's RFC 3339 with nanoseconds, as deliveries write `created_at` and `timestamp` [V:WH-REC]."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"
