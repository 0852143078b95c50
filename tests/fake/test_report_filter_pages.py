"""The Reports user and client lists page by their `start` id cursor on the fake, the server picking the
page size (`FakeToggl.report_filter_page_size`), and their generated `iter_*` helpers walk every page."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from toggl_async import BadRequestError, Toggl
from toggl_async.models import ReportClientFilterRequest, ReportUserFilterRequest
from toggl_async.testing import FakeToggl


@pytest.fixture
def fake() -> FakeToggl:
    return FakeToggl.seeded(users=3, clients=5, projects=2, time_entries=0)


@pytest.fixture
async def toggl(fake: FakeToggl) -> AsyncIterator[Toggl]:
    async with Toggl(fake.users[0].api_token, transport=fake.transport(), clock=fake.clock, rate=None) as t:
        yield t


async def test_a_client_page_holds_the_server_page_size_from_the_start_id(fake: FakeToggl, toggl: Toggl) -> None:
    wid = fake.users[0].default_workspace_id
    everything = [c.id for c in await toggl.reports.search_report_clients(wid, body=ReportClientFilterRequest())]
    assert len(everything) == 5 and everything == sorted(everything)  # under the default size: one page
    fake.report_filter_page_size = 2
    first = await toggl.reports.search_report_clients(wid, body=ReportClientFilterRequest())
    resumed = await toggl.reports.list_report_client_filters(wid, body=ReportClientFilterRequest(start=everything[2]))
    assert [c.id for c in first] == everything[:2]
    assert [c.id for c in resumed] == everything[2:4]  # the cursor is inclusive


async def test_the_client_and_user_helpers_walk_every_page(fake: FakeToggl, toggl: Toggl) -> None:
    wid = fake.users[0].default_workspace_id
    clients = [c.id for c in await toggl.reports.search_report_clients(wid, body=ReportClientFilterRequest())]
    users = [u.id for u in await toggl.reports.search_report_users(wid, body=ReportUserFilterRequest())]
    fake.report_filter_page_size = 2
    client_walk = toggl.iter_report_clients(wid, ReportClientFilterRequest())
    user_walk = toggl.iter_report_user_filters(wid, ReportUserFilterRequest())
    client_pages = [[c.id for c in page] async for page in client_walk.pages()]
    user_pages = [[u.id for u in page] async for page in user_walk.pages()]
    # The second request learns the cursor is inclusive (its first row repeats), so its page is one row short.
    assert [len(page) for page in client_pages] == [2, 1, 2]
    assert [i for page in client_pages for i in page] == clients
    assert len(users) == 3 and [i for page in user_pages for i in page] == users


async def test_a_filtered_walk_keeps_its_filter_on_every_page(fake: FakeToggl, toggl: Toggl) -> None:
    wid = fake.users[0].default_workspace_id
    clients = await toggl.reports.search_report_clients(wid, body=ReportClientFilterRequest())
    wanted = [clients[0].id, clients[3].id, clients[4].id]
    fake.report_filter_page_size = 1
    walked = [c.id async for c in toggl.iter_report_clients(wid, ReportClientFilterRequest(ids=wanted))]
    assert walked == wanted


async def test_a_start_past_the_last_id_answers_no_rows(fake: FakeToggl, toggl: Toggl) -> None:
    wid = fake.users[0].default_workspace_id
    assert await toggl.reports.search_report_users(wid, body=ReportUserFilterRequest(start=2**62)) == []


@pytest.mark.parametrize("start", ["12", 1.5, True])
async def test_a_start_that_is_not_an_integer_is_a_400(fake: FakeToggl, start: object) -> None:
    wid = fake.users[0].default_workspace_id
    async with fake.http_client(fake.users[0]) as http:
        answer = await http.post(f"/reports/api/v3/workspace/{wid}/filters/clients", json={"start": start})
    assert answer.status_code == 400
    assert "invalid start" in answer.text


async def test_too_many_ids_reach_the_user_as_a_typed_error(fake: FakeToggl) -> None:
    fake.report_filter_page_size = -3  # a size below one on the fake means one row a page
    wid = fake.users[0].default_workspace_id
    async with Toggl(fake.users[0].api_token, transport=fake.transport(), clock=fake.clock, rate=None) as t:
        assert len(await t.reports.search_report_clients(wid, body=ReportClientFilterRequest())) == 1
        with pytest.raises(BadRequestError):
            await t.reports.search_report_clients(wid, body=ReportClientFilterRequest(ids=[1] * 2001))
