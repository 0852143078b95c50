"""`toggl-async webhooks list|subscribe|delete|ping` and `toggl-async sync --listen HOST:PORT`.

`sync --listen` serves a `WebhookReceiver` on HOST:PORT (uvicorn, the `fake` extra) and keeps the SQLite
mirror fresh from Toggl's deliveries, with a since-sync reconciliation every `--reconcile` seconds
instead of polling. Toggl must reach that address (a public URL that forwards to it): subscribe that URL
with `webhooks subscribe URL --secret S`, and give `sync --listen` the same secret.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toggl_async.cli.commands import session_command
from toggl_async.cli.failures import UsageError

if TYPE_CHECKING:
    from toggl_async.cli.app import Session

SECRET_ENV = "TOGGL_WEBHOOK_SECRET"


@session_command
async def webhooks(session: Session, args: argparse.Namespace) -> int:
    wid = await session.workspace_id(args.workspace)
    api = session.toggl.webhooks
    if args.action == "list":
        subscriptions = await api.list_webhook_subscriptions(wid)
        rows = [
            (s.subscription_id, s.description, "yes" if s.enabled else "no", "yes" if s.validated_at else "no",
             " ".join(f"{f.entity}/{f.action}" for f in s.event_filters), s.url_callback)
            for s in subscriptions
        ]  # fmt: skip
        raw = [{k: v for k, v in s.to_dict().items() if k != "secret"} for s in subscriptions]
        session.out.table(f"Webhook subscriptions of workspace {wid}",
                          ["id", "description", "enabled", "validated", "events", "url"], rows, raw=raw)  # fmt: skip
        return 0
    if args.action == "subscribe":
        return await _subscribe(session, args, wid)
    if args.id is None:
        raise UsageError(f"webhooks {args.action} needs the subscription ID")
    if args.action == "delete":
        deleted = await api.delete_webhook_subscription(wid, args.id)
        session.out.line(f"Deleted webhook subscription {deleted.subscription_id} ({deleted.description})",
                         raw={"subscription_id": deleted.subscription_id, "deleted": True})  # fmt: skip
        return 0
    result = await api.ping_webhook_subscription(wid, args.id)
    status = result.status if isinstance(result.status, str) else "sent"
    session.out.line(f"Pinged webhook subscription {args.id}: {status}", raw={"subscription_id": args.id,
                                                                                "status": status})  # fmt: skip
    return 0


async def _subscribe(session: Session, args: argparse.Namespace, wid: int) -> int:
    from toggl_async.webhooks import WebhookLimitError, subscribe

    if not args.url:
        raise UsageError("webhooks subscribe needs the URL Toggl should POST to")
    if not args.event:
        raise UsageError("give at least one --event ENTITY/ACTION, e.g. --event 'time_entry/*'")
    secret = args.secret or os.environ.get(SECRET_ENV)
    try:
        created = await subscribe(
            session.toggl, wid, args.url, args.event, description=args.description or f"toggl-async {args.url}",
            secret=secret, enabled=not args.disabled,
        )  # fmt: skip
    except ValueError as error:
        raise UsageError(str(error)) from None
    except WebhookLimitError as error:
        raise UsageError(str(error)) from None
    validated = "validated" if created.validated_at else "not validated yet (answer the ping, or validate it)"
    session.out.line(
        f"Subscribed {created.url_callback} as webhook subscription {created.subscription_id}: {validated}",
        raw={"subscription_id": created.subscription_id, "validated": bool(created.validated_at)},
    )
    if secret is None:
        # Toggl chose the secret: it is needed to verify deliveries, and shown only when asked for.
        if args.show_secret:
            session.out.errors.print(f"signing secret: {created.secret}")
        else:
            session.out.errors.print("Toggl chose the signing secret; pass --show-secret to print it, or --secret")
    return 0


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT, e.g. 127.0.0.1:8080")
    return host.strip("[]"), int(port)


@session_command
async def listen(session: Session, args: argparse.Namespace) -> int:
    """`sync --listen`: serve the receiver and feed the mirror until interrupted (or --max-events)."""
    import anyio

    from toggl_async.cli.sync_command import check_db_path
    from toggl_async.sync.engine import Sync
    from toggl_async.sync.stores import SQLiteStore
    from toggl_async.webhooks import WebhookReceiver

    secret = args.secret or os.environ.get(SECRET_ENV)
    if not secret:
        raise UsageError(f"sync --listen needs the subscription's signing secret: --secret or ${SECRET_ENV}")
    try:
        import uvicorn
    except ImportError:
        raise UsageError("sync --listen serves HTTP with uvicorn: pip install 'toggl-async[fake]'") from None
    path = Path(args.db)
    check_db_path(path)
    host, port = args.listen
    receiver = WebhookReceiver(secret)
    config = uvicorn.Config(receiver, host=host, port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    applied = 0
    async with SQLiteStore(path) as store:
        mirror = Sync(session.toggl, store).webhook_mirror(receiver, reconcile_every=args.reconcile)
        session.out.errors.print(f"listening on http://{host}:{port} for Toggl's deliveries into {path}")
        async with anyio.create_task_group() as group:
            group.start_soon(server.serve)
            async with anyio.create_task_group() as feeding:
                await mirror.reconcile()
                if args.reconcile:
                    feeding.start_soon(mirror._reconcile_forever, args.reconcile)
                async for event in receiver:
                    await mirror.apply(event)
                    applied += 1
                    if args.max_events is not None and applied >= args.max_events:
                        break
                feeding.cancel_scope.cancel()
            server.should_exit = True  # uvicorn then closes its sockets and serve() returns
    stats = mirror.stats
    session.out.line(
        f"{applied} events applied ({stats.from_payload} from the payload, {stats.fetched} fetched, "
        f"{stats.deleted} deletions), {stats.reconciliations} reconciliations, {stats.requests} requests",
        raw={"events": applied, "requests": stats.requests, "reconciliations": stats.reconciliations},
    )
    return 0


def add_parser(add: Callable[..., argparse.ArgumentParser], sub: Any) -> None:
    """Register `webhooks`, and `--listen` (with its options) on the `sync` subcommand."""
    parser = add("webhooks", webhooks, "list, create, delete or ping the workspace's webhook subscriptions")
    parser.add_argument("action", choices=["list", "subscribe", "delete", "ping"])
    parser.add_argument("id", nargs="?", type=int, help="subscription ID (delete, ping)")
    parser.add_argument("--url", help="where Toggl POSTs the events (subscribe)")
    parser.add_argument("--event", action="append", help="ENTITY/ACTION, e.g. 'time_entry/*' (subscribe; repeat)")
    parser.add_argument("--description", help="a name unique in the workspace (subscribe)")
    parser.add_argument("--secret", help=f"signing secret (subscribe; default ${SECRET_ENV}, else Toggl picks one)")
    parser.add_argument("--show-secret", action="store_true", help="print the secret Toggl picked (subscribe)")
    parser.add_argument("--disabled", action="store_true", help="create it disabled (subscribe)")
    sync_parser: argparse.ArgumentParser = sub.choices["sync"]
    plain_sync = sync_parser.get_default("handler")
    sync_parser.add_argument("--listen", type=_address, metavar="HOST:PORT",
                             help="serve a webhook receiver there and keep the mirror fresh from Toggl's deliveries "
                             "(no polling); needs --secret or $" + SECRET_ENV)  # fmt: skip
    sync_parser.add_argument("--secret", help="the webhook subscription's signing secret (--listen)")
    sync_parser.add_argument("--reconcile", type=float, default=3600.0, metavar="SECONDS",
                             help="seconds between since-sync runs while listening (default 3600)")  # fmt: skip
    sync_parser.add_argument("--max-events", type=int, help=argparse.SUPPRESS)  # stop after N events (tests)

    async def sync_or_listen(args: argparse.Namespace, out: Any) -> int:
        handler = listen if args.listen is not None else plain_sync
        result: int = await handler(args, out)
        return result

    sync_parser.set_defaults(handler=sync_or_listen)
