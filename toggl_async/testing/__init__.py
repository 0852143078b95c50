"""FakeToggl: an in-memory, stateful Toggl Track server for tests, benchmarks and the demo.

    fake = FakeToggl(clock=FakeClock(), rate=None)
    user = fake.add_user("bot@example.com")
    async with fake.http_client(user) as http: ...

Over sockets: `python -m toggl_async.testing` (see `toggl_async.testing.serve`), or from a test,
`with serve_in_thread(fake) as base_url:` (`toggl_async.testing.serve`, the `fake` extra). `save_state(fake, path)`
and `load_state(path)` keep a fake's data in a file between runs.

Never imported by the SDK's core modules.
"""

from .app import BASE_URL, FakeToggl, FakeUser
from .clock import FakeClock, SystemClock
from .faults import Fault, FaultPlan
from .state import FakeStateError, load_state, save_state

__all__ = [
    "BASE_URL",
    "FakeClock",
    "FakeStateError",
    "FakeToggl",
    "FakeUser",
    "Fault",
    "FaultPlan",
    "SystemClock",
    "load_state",
    "save_state",
]
