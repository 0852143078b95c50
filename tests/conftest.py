"""Shared fixtures: a fake Toggl on a hand-moved clock, a user, and an httpx client for them."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from toggl_async.testing import FakeClock, FakeToggl, FakeUser


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> FakeToggl:
    """Limits off by default; tests of the limits build their own fake."""
    return FakeToggl(clock=clock, rate=None, quotas=False)


@pytest.fixture
def user(fake: FakeToggl) -> FakeUser:
    return fake.add_user("ada@example.com", "correct horse", fullname="Ada")


@pytest.fixture
async def http(fake: FakeToggl, user: FakeUser) -> AsyncIterator[httpx.AsyncClient]:
    async with fake.http_client(user) as client:
        yield client


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    fuzz = sys.modules.get("test_spec_fuzz")
    if fuzz is not None and fuzz.cases_run():
        terminalreporter.write_line(f"spec-driven property run: {fuzz.cases_run()} cases against FakeToggl")
    answers = sys.modules.get("test_fuzz_responses")
    if answers is not None and answers.CASES_RUN[0]:
        terminalreporter.write_line(f"hostile-answer fuzz: {answers.CASES_RUN[0]} cases over every operation")
    cancellation = sys.modules.get("test_cancellation")
    if cancellation is not None and cancellation.TRIALS_RUN:
        for how, (trials, cut) in sorted(cancellation.TRIALS_RUN.items()):
            terminalreporter.write_line(f"cancellation ({how}): {trials} trials, {cut} calls cut off mid-flight")
