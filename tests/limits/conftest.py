"""A real redis-server for the shared-limits tests: started once per session from PATH, stopped at the end.

`make test` installs redis-server when it is missing, so in CI these tests always run. Locally, without
the server, they fail with a message saying how to get it, unless TOGGL_SKIP_REDIS=1 (then they skip).
TOGGL_TEST_REDIS_URL points them at a server of your own instead (its database is flushed per test).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from redis_server import RedisServer, RedisServerMissing

SKIP_ENV = "TOGGL_SKIP_REDIS"
URL_ENV = "TOGGL_TEST_REDIS_URL"


@pytest.fixture(scope="session")
def redis_session() -> Iterator[str]:
    if os.environ.get(URL_ENV):
        yield os.environ[URL_ENV]
        return
    server = RedisServer()
    try:
        server.start()
    except RedisServerMissing as exc:
        if os.environ.get(SKIP_ENV) == "1":
            pytest.skip(f"{SKIP_ENV}=1: {exc}")
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_session: str) -> Iterator[str]:
    """The session's Redis, empty at the start of each test."""
    import redis

    client = redis.Redis.from_url(redis_session)
    client.flushdb()
    try:
        yield redis_session
    finally:
        client.close()


@pytest.fixture
def redis_sync(redis_url: str) -> Iterator[object]:
    """A synchronous redis-py client on the test's Redis, to look at the keys."""
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        yield client
    finally:
        client.close()
