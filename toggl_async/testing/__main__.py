"""Serve a seeded FakeToggl on loopback: `python -m toggl_async.testing --port 8765 --seed demo`.

Needs the `fake` extra (uvicorn): `pip install 'toggl-async[fake]'`. Then, for example:
    curl -u TOKEN:api_token http://127.0.0.1:8765/api/v9/me
"""

from __future__ import annotations

import argparse
import ipaddress
import sys

from toggl_async.testing.app import FakeToggl
from toggl_async.testing.clock import SystemClock

LOOPBACK_NAMES = {"localhost"}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m toggl_async.testing", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", default="demo", help="seed of the generated data (any string)")
    parser.add_argument("--projects", type=int, default=12)
    parser.add_argument("--time-entries", type=int, default=500)
    parser.add_argument("--rate", type=float, default=None, help="leaky-bucket requests/second (default: off)")
    parser.add_argument("--quotas", action="store_true", help="enforce the hourly 402 quotas")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not is_loopback(args.host):
        print(f"refusing to serve on {args.host}: FakeToggl binds loopback addresses only", file=sys.stderr)
        return 2
    try:
        import uvicorn
    except ModuleNotFoundError:
        print("serving over sockets needs uvicorn: pip install 'toggl-async[fake]'", file=sys.stderr)
        return 2
    # A served fake runs on the wall clock: its rate limit and quotas must refill in real time.
    fake = FakeToggl.seeded(
        seed=args.seed, projects=args.projects, time_entries=args.time_entries, rate=args.rate, quotas=args.quotas,
        clock=SystemClock(),
    )  # fmt: skip
    user = fake.users[0]
    print(f"FakeToggl on http://{args.host}:{args.port}", flush=True)
    print(f"user {user.email}  password {user.password}  api token {user.api_token}", flush=True)
    print(f"try: curl -u {user.api_token}:api_token http://{args.host}:{args.port}/api/v9/me", flush=True)
    # The fake sends its own Date header, from its (possibly fake) clock.
    uvicorn.run(fake, host=args.host, port=args.port, log_level="warning", lifespan="on", date_header=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
