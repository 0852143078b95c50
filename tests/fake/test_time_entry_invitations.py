"""Shared time entries through the SDK on the fake: invitations, accepting (a copy), rejecting, sharing details.

Evidence: Toggl's published Track v9 swagger, 2026 copy ("SW26"): `shared_with_user_ids` on the time entry
payload, the invitation list, accept/reject, the bulk sharing details and the checklist.
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator

import pytest

from toggl_async import BadRequestError, NotFoundError, Toggl
from toggl_async.models import TimeEntryCreate, TimeEntryInvitationAction, TimeEntrySharingQuery, TimeEntryUpdate
from toggl_async.testing import FakeClock, FakeToggl, FakeUser

NOW = datetime.datetime(2024, 12, 16, 9, tzinfo=datetime.UTC)
TOMORROW = NOW.date() + datetime.timedelta(days=1)  # end_date is exclusive
ACCEPT, REJECT = TimeEntryInvitationAction.ACCEPT, TimeEntryInvitationAction.REJECT


class Team:
    def __init__(self) -> None:
        self.fake = FakeToggl(clock=FakeClock(NOW), rate=None, quotas=False)
        self.lead = self.fake.add_user("lead@example.com", fullname="Lead", plan="Starter")
        self.wid = self.lead.default_workspace_id
        workspace = self.fake.store.tables["workspaces"][self.wid]
        self.dev = self.fake.add_user("dev@example.com", fullname="Dev")
        self.ops = self.fake.add_user("ops@example.com", fullname="Ops")
        for user in (self.dev, self.ops):
            self.fake.store.add_workspace_member(workspace, self.fake.store.tables["users"][user.id])

    def client(self, user: FakeUser) -> Toggl:
        return Toggl(user.api_token, transport=self.fake.transport(), clock=self.fake.clock, rate=None)


@pytest.fixture
async def team() -> AsyncIterator[Team]:
    yield Team()


def entry_body(wid: int, **more: object) -> TimeEntryCreate:
    return TimeEntryCreate.from_dict({"created_with": "tests", "workspace_id": wid, "start": "2024-12-16T07:00:00Z",
                                      "duration": 1800, "description": "Pairing"} | more)  # fmt: skip


async def test_an_accepted_invitation_copies_the_entry_and_the_sharer_sees_it(team: Team) -> None:
    async with team.client(team.lead) as lead, team.client(team.dev) as dev:
        shared = await lead.time_entries.create_time_entry(
            team.wid, body=entry_body(team.wid, shared_with_user_ids=[team.dev.id, team.ops.id])
        )
        (invitation,) = await dev.time_entries.list_time_entry_invitations(team.wid)
        assert (invitation.shared_by_user_id, invitation.shared_by_user_name) == (team.lead.id, "Lead")
        assert invitation.time_entry.id == shared.id and invitation.time_entry.description == "Pairing"
        await dev.time_entries.answer_time_entry_invitation(team.wid, invitation.time_entry_invitation_id, ACCEPT)
        assert await dev.time_entries.list_time_entry_invitations(team.wid) == []
        (copy,) = await dev.time_entries.list_time_entries(start_date=NOW.date(), end_date=TOMORROW)
        assert copy.id != shared.id and copy.user_id == team.dev.id
        assert (copy.start, copy.stop, copy.description) == (shared.start, shared.stop, "Pairing")
        sharing = await lead.time_entries.list_time_entries_sharing(
            body=[TimeEntrySharingQuery(time_entry_id=shared.id, workspace_id=team.wid)]
        )
        assert {(s.user_id, s.user_name, s.is_accepted) for s in sharing} == {
            (team.dev.id, "Dev", True),
            (team.ops.id, "Ops", False),
        }
        read = await lead.time_entries.get_time_entry(shared.id, include_sharing=True)
        assert read.shared_with and {(w.user_id, w.accepted) for w in read.shared_with} == {
            (team.dev.id, True),
            (team.ops.id, False),
        }


async def test_rejecting_closes_the_invitation_and_wrong_ids_are_404(team: Team) -> None:
    async with team.client(team.lead) as lead, team.client(team.dev) as dev, team.client(team.ops) as ops:
        await lead.time_entries.create_time_entry(
            team.wid, body=entry_body(team.wid, shared_with_user_ids=[team.dev.id])
        )
        (invitation,) = await dev.time_entries.list_time_entry_invitations(team.wid)
        invitation_id = invitation.time_entry_invitation_id
        with pytest.raises(NotFoundError):  # not theirs to answer
            await ops.time_entries.answer_time_entry_invitation(team.wid, invitation_id, ACCEPT)
        await dev.time_entries.answer_time_entry_invitation(team.wid, invitation_id, REJECT)
        assert await dev.time_entries.list_time_entries(start_date=NOW.date(), end_date=TOMORROW) == []
        for wrong in (invitation_id, 1, 2**62):  # answered already, unknown, huge
            with pytest.raises(NotFoundError):
                await dev.time_entries.answer_time_entry_invitation(team.wid, wrong, ACCEPT)


async def test_sharing_with_a_non_member_or_reading_a_foreign_workspace_is_a_bad_request(team: Team) -> None:
    outsider = team.fake.add_user("outsider@example.com")
    async with team.client(team.lead) as lead:
        for users in ([outsider.id], [team.lead.id], [2**62]):
            with pytest.raises(BadRequestError):
                await lead.time_entries.create_time_entry(
                    team.wid, body=entry_body(team.wid, shared_with_user_ids=users)
                )
        assert await lead.time_entries.list_time_entries(start_date=NOW.date(), end_date=TOMORROW) == []
        with pytest.raises(BadRequestError, match="Invalid workspace"):
            await lead.time_entries.list_time_entries_sharing(
                body=[TimeEntrySharingQuery(time_entry_id=1, workspace_id=outsider.default_workspace_id)]
            )


async def test_the_checklist_follows_the_users_entries(team: Team) -> None:
    async with team.client(team.ops) as ops:
        (fresh,) = await ops.time_entries.get_time_entry_checklist()
        assert (fresh.time_entries_created_check, fresh.time_entries_count_check) == (False, False)
        for hour in range(10):
            start = f"2024-12-1{hour % 6}T0{hour}:00:00Z"
            await ops.time_entries.create_time_entry(team.wid, body=entry_body(team.wid, start=start))
        (done,) = await ops.time_entries.get_time_entry_checklist()
        assert (done.time_entries_created_check, done.time_entries_count_check) == (True, True)


async def test_an_update_invites_only_the_users_not_invited_yet(team: Team) -> None:
    async with team.client(team.lead) as lead, team.client(team.ops) as ops:
        shared = await lead.time_entries.create_time_entry(
            team.wid, body=entry_body(team.wid, shared_with_user_ids=[team.dev.id])
        )
        body = TimeEntryUpdate(shared_with_user_ids=[team.dev.id, team.ops.id])
        await lead.time_entries.update_time_entry(team.wid, shared.id, body=body)
        read = await lead.time_entries.get_time_entry(shared.id, include_sharing=True)
        assert sorted(w.user_id for w in read.shared_with or []) == [team.dev.id, team.ops.id]
        assert len(await ops.time_entries.list_time_entry_invitations(team.wid)) == 1
