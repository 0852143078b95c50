"""Scriptable failures: per operation or at random with a seed."""

from __future__ import annotations

import random
from typing import Literal

import attrs

FaultKind = Literal["reset", "delay", "server_error", "html_429", "truncated_json", "wrong_content_type"]
KINDS: tuple[FaultKind, ...] = ("reset", "delay", "server_error", "html_429", "truncated_json", "wrong_content_type")


@attrs.define
class Fault:
    """One scripted failure.

    kind: "reset" drops the connection (before the request is handled, or after with
    `after_processing=True`); "delay" waits `seconds` then answers normally; "server_error" answers
    `status` with an HTML page, after handling the request (the change is made) or, with
    `after_processing=False`, before; by default 503 comes before (RFC 9110: the server could not
    handle the request) and 500, 502 and 504 after; "html_429" answers 429 with an nginx-style HTML
    body; "truncated_json" answers the real success with its body cut in half; "wrong_content_type"
    answers the real success labelled text/html.
    operation: an operationId of spec/toggl.yaml, or "*" for any.
    times: how many matching requests it hits (None: all of them).
    """

    kind: FaultKind
    operation: str = "*"
    times: int | None = 1
    status: int = 503
    seconds: float = 0.2
    after_processing: bool | None = None


class FaultPlan:
    """The faults a fake will inject, consulted once per request."""

    def __init__(self) -> None:
        self.scripted: list[Fault] = []
        self._random: random.Random | None = None
        self._probability = 0.0
        self._kinds: tuple[FaultKind, ...] = KINDS

    def add(self, kind: FaultKind, operation: str = "*", **options: object) -> Fault:
        """Script a fault; options are the other `Fault` fields."""
        fault = Fault(kind, operation, **options)  # type: ignore[arg-type]
        self.scripted.append(fault)
        return fault

    def at_random(self, probability: float, *, seed: int, kinds: tuple[FaultKind, ...] = KINDS) -> None:
        """Hit each request with probability `probability`, choosing a kind; reproducible by seed."""
        self._random, self._probability, self._kinds = random.Random(seed), probability, kinds

    def clear(self) -> None:
        self.scripted.clear()
        self._random = None

    def pick(self, operation_id: str) -> Fault | None:
        for fault in self.scripted:
            if fault.operation in ("*", operation_id) and fault.times != 0:
                if fault.times is not None:
                    fault.times -= 1
                return fault
        if self._random is not None and self._random.random() < self._probability:
            return Fault(self._random.choice(self._kinds), operation_id)
        return None
