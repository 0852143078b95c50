"""Helpers of the webhook tests: run a test body on asyncio and on trio, and sign deliveries like Toggl."""

from __future__ import annotations

import datetime
import json
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest
import sniffio

from toggl_async.webhooks import signature_for

BACKENDS = ["asyncio", "trio"]
SECRET = "PGuRrhCFajIyEvFlreKL"  # the secret of Toggl's worked example [V:D-WH validating received events]


def on_asyncio_and_trio(test: Callable[[], Awaitable[None]]) -> Callable[[str], None]:
    """Run an async test body once per backend with `anyio.run` (pytest-asyncio would claim an async test)."""

    @pytest.mark.parametrize("backend", BACKENDS)
    def run(backend: str) -> None:
        async def checked() -> None:
            assert sniffio.current_async_library() == backend
            await test()

        anyio.run(checked, backend=backend)

    run.__name__, run.__doc__ = test.__name__, test.__doc__
    return run


def nano(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"


def delivery(
    event_id: int, when: datetime.datetime, *, payload: Any = None, secret: str = SECRET, **metadata: Any
) -> tuple[bytes, dict[str, str]]:
    """A signed entity delivery (body, headers) shaped like Toggl's recorded ones [V:WH-REC]."""
    event = {
        "event_id": event_id, "created_at": nano(when), "creator_id": 9, "subscription_id": 7,
        "timestamp": nano(when), "url_callback": "https://bot.example.com/toggl",
        "metadata": {"action": "created", "model": "time_entry", "event_user_id": "9", "workspace_id": "55",
                     "time_entry_id": "3050537739", "request_type": "POST"} | metadata,
        "payload": payload if payload is not None else {"id": 3050537739, "workspace_id": 55, "duration": 60},
    }  # fmt: skip
    body = json.dumps(event, separators=(",", ":")).encode()
    return body, {"x-webhook-signature-256": signature_for(secret, body), "content-type": "application/json"}
