"""Every operation of spec/toggl.yaml answers on the fake with its documented success and a valid body.

Each operation runs against a fresh fake holding the scenario of fake_scenario.py, so destructive
operations cannot disturb others.
"""

from __future__ import annotations

import datetime

import httpx
import pytest
from fake_scenario import FORM_REQUESTS, body_for, build, path_for, prepare, required_query
from spec_tools import SpecOperation, operations
from spec_validation import assert_matches_spec

from toggl_async.testing import FakeClock, FakeToggl

AS_MEMBER = {"leave_organization"}
AS_INVITEE = {"get_invitation", "accept_invitation", "reject_invitation"}
ALL = sorted(operations(), key=lambda op: op.operation_id)


@pytest.mark.parametrize("operation", ALL, ids=lambda op: op.operation_id)
async def test_operation_succeeds_with_a_documented_body(operation: SpecOperation) -> None:
    fake = FakeToggl(
        clock=FakeClock(datetime.datetime(2024, 12, 16, 9, 0, tzinfo=datetime.UTC)), rate=None, quotas=False
    )
    ids, http = await build(fake)
    try:
        await prepare(operation, ids, http)
        body = body_for(operation, ids)
        # The owner may not leave their organization; the member may.
        auth = ids.member_auth if operation.operation_id in AS_MEMBER else httpx.USE_CLIENT_DEFAULT
        auth = ids.invitee_auth if operation.operation_id in AS_INVITEE else auth
        payload = FORM_REQUESTS.get(operation.operation_id, {"json": body if body is not None else None})
        response = await http.request(
            operation.method, path_for(operation, ids), params=required_query(operation), auth=auth, **payload
        )  # fmt: skip
    finally:
        await http.aclose()
    # A success, or the redirect of a browser flow (its Location is the answer).
    documented = {code for code in operation.body["responses"] if code[0] in "23"}
    assert str(response.status_code) in documented, f"{response.status_code}: {response.text[:300]}"
    assert_matches_spec(operation.operation_id, response)
