"""FakeToggl: an in-memory, stateful Toggl Track server for tests, benchmarks and the demo.

    fake = FakeToggl(clock=FakeClock(), rate=None)
    user = fake.add_user("bot@example.com")
    async with fake.http_client(user) as http: ...

Never imported by the SDK's core modules.
"""

from .app import BASE_URL, FakeToggl, FakeUser
from .clock import FakeClock, SystemClock
from .faults import Fault, FaultPlan

__all__ = ["BASE_URL", "FakeClock", "FakeToggl", "FakeUser", "Fault", "FaultPlan", "SystemClock"]
