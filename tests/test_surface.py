"""The public surface (issue 11): exported names, generated namespaces, raw responses, the clock."""

from __future__ import annotations

import importlib
import inspect
import pickle
import re
import sys

import anyio

import toggl_async
from toggl_async import Clock, Toggl
from toggl_async._generated.api import NAMESPACES, OPERATIONS
from toggl_async.testing import FakeClock, FakeToggl


def test_every_exported_name_reports_toggl_async_as_its_module() -> None:
    for name in toggl_async.__all__:
        if name.startswith("__"):
            continue
        value = getattr(toggl_async, name)
        assert value.__module__ == "toggl_async", name
        assert getattr(sys.modules["toggl_async"], name) is value  # what pickle looks up by that name
        if isinstance(value, type) and issubclass(value, BaseException):
            assert type(pickle.loads(pickle.dumps(value))) is type(value)


def test_the_exports_are_listed_once() -> None:
    # The type checkers' imports and the lazy table name the same things.
    source = inspect.getsource(toggl_async)
    for name in toggl_async.__all__:
        if not name.startswith("__"):
            assert f"{name} as {name}" in source, name


def test_the_namespaces_are_generated_from_the_spec_tags() -> None:
    toggl = Toggl("token", rate=None)
    for tag, class_name in NAMESPACES.items():
        namespace = getattr(toggl, tag)
        assert type(namespace).__name__ == class_name
        assert getattr(toggl, tag) is namespace  # built once
        assert (getattr(type(toggl), tag).__doc__ or "").strip(), tag  # help() says what the tag is for
    operations = {name for name, op in OPERATIONS.items() if op.tag == "time_entries"}
    listed = {name for name in dir(toggl.time_entries) if not name.startswith("_")}
    assert listed == operations | {"raw"}
    assert "stop_time_entry" in dir(toggl.time_entries.raw)


def test_the_modules_of_the_generated_namespaces_match_the_registry() -> None:
    for tag, class_name in NAMESPACES.items():
        module = importlib.import_module(f"toggl_async._generated.api.{tag}")
        assert hasattr(module, class_name) and hasattr(module, class_name.removesuffix("Api") + "RawApi")


def test_raw_form_returns_status_headers_bytes_and_the_decoded_body() -> None:
    async def body() -> None:
        clock = FakeClock()
        fake = FakeToggl(clock=clock, rate=None, quotas=True)
        user = fake.add_user()
        async with Toggl(user.api_token, transport=fake.transport(), clock=clock, rate=None) as toggl:
            response = await toggl.me.raw.get_me()
            assert response.status_code == 200
            assert response.parsed.email == user.email
            assert b'"email"' in response.content
            assert "x-toggl-quota-remaining" in {k.lower() for k in response.headers}
            assert toggl.quota_for("/api/v9/me").remaining is not None

    anyio.run(body)


def test_one_clock_drives_timers_pacing_and_waits() -> None:
    async def body() -> None:
        clock = FakeClock()
        fake = FakeToggl(clock=clock, rate=None, quotas=False)
        user = fake.add_user()
        async with Toggl(user.api_token, transport=fake.transport(), clock=clock, rate=2.0, burst=1) as toggl:
            assert toggl.clock is clock and toggl.pacer.clock is clock and toggl.quota_tracker.clock is clock
            started = clock.time()
            entry = await toggl.start_timer(user.default_workspace_id, "clocked")
            assert entry.start.timestamp() == started  # the timer starts at the clock's now
            for _ in range(4):
                await toggl.me.get_me()
            assert clock.time() - started >= 2.0 - 1e-6  # paced at 2/s on the fake clock, no real waiting

    anyio.run(body)


def test_a_custom_clock_is_a_protocol_any_object_can_meet() -> None:
    def needs_a_clock(clock: Clock) -> float:
        return clock.monotonic()

    assert needs_a_clock(FakeClock()) == FakeClock().time()
    assert needs_a_clock(toggl_async.SystemClock()) > 0


def test_no_public_generated_method_returns_any() -> None:
    # An operation with a body on one success and none on another (a 204) returns `X | None`, never `Any | X`.
    any_word = re.compile(r"\bAny\b")
    found = []
    for tag, class_name in NAMESPACES.items():
        module = importlib.import_module(f"toggl_async._generated.api.{tag}")
        for cls in (getattr(module, class_name), getattr(module, class_name.removesuffix("Api") + "RawApi")):
            for name, method in inspect.getmembers(cls, inspect.isfunction):
                if not name.startswith("_") and any_word.search(str(method.__annotations__.get("return", ""))):
                    found.append(f"{cls.__name__}.{name}")
    for name, operation in OPERATIONS.items():
        module = importlib.import_module(f"toggl_async._generated.api.{operation.module}")
        for function in (module.asyncio, module.asyncio_detailed):
            if any_word.search(str(function.__annotations__["return"])):
                found.append(f"{name}.{function.__name__}")
    assert found == []
    segmentation = importlib.import_module("toggl_async._generated.api.organizations").OrganizationsApi
    assert segmentation.get_organization_segmentation.__annotations__["return"] == "OrganizationSegmentation | None"
