"""Handing an organization over on the fake, through the client: the owner starts a transfer to a member, the
member accepts or declines it, the owner may withdraw it; accepting changes who the owner is.

Evidence: Toggl's published Track v9 swagger, 2026 copy ("SW26"): routes, the transfer's fields, the action enum
(accept, decline, withdraw) and the 400/403/404 answers; who may do what is our reading (spec/toggl.yaml).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from spec_validation import assert_matches_spec

from toggl_async import BadRequestError, ForbiddenError, NotFoundError, Toggl
from toggl_async.models import OwnerTransferAction, OwnerTransferCreate
from toggl_async.testing import FakeClock, FakeToggl, FakeUser
from toggl_async.testing.state import load_state, save_state


class Org:
    """A Premium organization with its owner, a member, and someone from elsewhere, each with a client."""

    def __init__(self) -> None:
        self.fake = FakeToggl(clock=FakeClock(), rate=None, quotas=False)
        self.owner = self.fake.add_user("owner@example.com", "pw", fullname="Owner", plan="Premium")
        self.member = self.fake.add_user("member@example.com", "pw", fullname="Member")
        self.stranger = self.fake.add_user("stranger@example.com", "pw", fullname="Stranger")
        store = self.fake.store
        workspace = store.tables["workspaces"][self.owner.default_workspace_id]
        store.add_workspace_member(workspace, store.tables["users"][self.member.id])
        self.oid = self.owner.organization_id

    def client(self, user: FakeUser) -> Toggl:
        return Toggl(user.api_token, transport=self.fake.transport(), clock=self.fake.clock, rate=None)


@pytest.fixture
def org() -> Org:
    return Org()


async def test_an_accepted_transfer_makes_the_member_the_owner(org: Org) -> None:
    async with org.client(org.owner) as owner, org.client(org.member) as member:
        started = await owner.organizations.create_owner_transfer(
            org.oid, body=OwnerTransferCreate(new_owner_id=org.member.id)
        )
        ongoing = await member.organizations.list_owner_transfers(org.oid, ongoing=True)
        done = await member.organizations.update_owner_transfer(
            org.oid, started.owner_transfer_id, OwnerTransferAction.ACCEPT
        )
        new_owner = await owner.organizations.get_organization_owner(org.oid)
        old_view = await owner.organizations.get_organization(org.oid)
        left = await owner.organizations.list_owner_transfers(org.oid, ongoing=True)
        every = await owner.organizations.list_owner_transfers(org.oid)
        with pytest.raises(ForbiddenError):  # the old owner may no longer hand it over
            await owner.organizations.create_owner_transfer(
                org.oid, body=OwnerTransferCreate(new_owner_id=org.owner.id)
            )
    assert (started.current_owner_id, started.new_owner_id, started.finished_at) == (org.owner.id, org.member.id, None)
    assert [t.owner_transfer_id for t in ongoing] == [started.owner_transfer_id]
    assert (done.outcome_name, done.new_owner_accepted, done.finished_at is not None) == ("accepted", True, True)
    assert (new_owner.user_id, new_owner.email, new_owner.organization_id) == (
        org.member.id,
        "member@example.com",
        org.oid,
    )
    assert (old_view.owner, old_view.admin) == (False, True)  # the old owner stays an admin
    assert left == [] and [t.outcome_name for t in every] == ["accepted"]


async def test_only_the_owner_starts_one_and_only_the_named_people_answer(org: Org) -> None:
    async with org.client(org.owner) as owner, org.client(org.member) as member:
        with pytest.raises(ForbiddenError):
            await member.organizations.create_owner_transfer(
                org.oid, body=OwnerTransferCreate(new_owner_id=org.member.id)
            )
        for outsider in (org.stranger.id, org.owner.id, 2**62):  # not a member, the owner, no such user
            with pytest.raises(BadRequestError):
                await owner.organizations.create_owner_transfer(
                    org.oid, body=OwnerTransferCreate(new_owner_id=outsider)
                )
        started = await owner.organizations.create_owner_transfer(
            org.oid, body=OwnerTransferCreate(new_owner_id=org.member.id)
        )
        tid = started.owner_transfer_id
        with pytest.raises(BadRequestError, match="already in progress"):
            await owner.organizations.create_owner_transfer(
                org.oid, body=OwnerTransferCreate(new_owner_id=org.member.id)
            )
        with pytest.raises(ForbiddenError):  # the owner cannot answer for the new owner
            await owner.organizations.update_owner_transfer(org.oid, tid, OwnerTransferAction.ACCEPT)
        with pytest.raises(ForbiddenError):  # the new owner cannot withdraw it
            await member.organizations.update_owner_transfer(org.oid, tid, OwnerTransferAction.WITHDRAW)
        withdrawn = await owner.organizations.update_owner_transfer(org.oid, tid, OwnerTransferAction.WITHDRAW)
        with pytest.raises(BadRequestError, match="already finished"):
            await member.organizations.update_owner_transfer(org.oid, tid, OwnerTransferAction.ACCEPT)
        still = await member.organizations.get_organization_owner(org.oid)
        again = await owner.organizations.create_owner_transfer(
            org.oid, body=OwnerTransferCreate(new_owner_id=org.member.id)
        )
        declined = await member.organizations.update_owner_transfer(
            org.oid, again.owner_transfer_id, OwnerTransferAction.DECLINE
        )
        fetched = await member.organizations.get_owner_transfer(org.oid, again.owner_transfer_id)
    assert (withdrawn.outcome_name, withdrawn.new_owner_accepted) == ("withdrawn", None)
    assert still.user_id == org.owner.id and again.owner_transfer_id > tid
    assert (declined.outcome_name, declined.new_owner_accepted, fetched.outcome_name) == ("declined", False, "declined")


async def test_wrong_actions_ids_and_callers_get_clear_errors(org: Org) -> None:
    async with org.client(org.owner) as owner, org.client(org.stranger) as stranger:
        started = await owner.organizations.create_owner_transfer(
            org.oid, body=OwnerTransferCreate(new_owner_id=org.member.id)
        )
        with pytest.raises(NotFoundError):
            await owner.organizations.get_owner_transfer(org.oid, started.owner_transfer_id + 1)
        with pytest.raises(ForbiddenError):  # someone outside the organization
            await stranger.organizations.get_organization_owner(org.oid)
        with pytest.raises(ForbiddenError):
            await stranger.organizations.list_owner_transfers(org.oid)
    base = f"/api/v9/organizations/{org.oid}/owner/transfer"
    async with org.fake.http_client(org.owner) as http:
        cancel = await http.post(f"{base}/{started.owner_transfer_id}/cancel")
        maybe = await http.get(base, params={"ongoing": "maybe"})
        no_body = await http.post(base, json={"new_owner_id": "member"})
    assert cancel.status_code == 400 and "accept, decline or withdraw" in cancel.json()
    assert_matches_spec("update_owner_transfer", cancel)
    assert maybe.status_code == 400 and no_body.status_code == 400
    assert_matches_spec("list_owner_transfers", maybe)


async def test_a_member_outside_the_transfer_does_not_see_it(org: Org) -> None:
    third = org.fake.add_user("third@example.com", "pw")
    store = org.fake.store
    store.add_workspace_member(
        store.tables["workspaces"][org.owner.default_workspace_id], store.tables["users"][third.id]
    )
    async with org.client(org.owner) as owner, org.client(third) as other:
        started = await owner.organizations.create_owner_transfer(
            org.oid, body=OwnerTransferCreate(new_owner_id=org.member.id)
        )
        with pytest.raises(ForbiddenError):
            await other.organizations.get_owner_transfer(org.oid, started.owner_transfer_id)
        owner_seen_by_member = await other.organizations.get_organization_owner(org.oid)
    assert owner_seen_by_member.user_id == org.owner.id


def test_transfer_ids_stay_unique_after_a_saved_state_is_loaded(tmp_path: Path) -> None:
    """Transfers live on their organization, so save_state keeps them and new ids continue after theirs."""
    org = Org()
    path = tmp_path / "state.json"

    async def start(fake: FakeToggl, user: FakeUser) -> int:
        async with Toggl(user.api_token, transport=fake.transport(), clock=fake.clock, rate=None) as toggl:
            made = await toggl.organizations.create_owner_transfer(
                org.oid, body=OwnerTransferCreate(new_owner_id=org.member.id)
            )
            await toggl.organizations.update_owner_transfer(
                org.oid, made.owner_transfer_id, OwnerTransferAction.WITHDRAW
            )
            return made.owner_transfer_id

    first = asyncio.run(start(org.fake, org.owner))
    save_state(org.fake, path)
    loaded = load_state(path, clock=FakeClock())
    owner = next(u for u in loaded.users if u.id == org.owner.id)
    assert asyncio.run(start(loaded, owner)) == first + 1


async def test_the_raw_answers_match_the_spec(org: Org) -> None:
    async with org.fake.http_client(org.owner) as http:
        owner = await http.get(f"/api/v9/organizations/{org.oid}/owner")
        made = await http.post(f"/api/v9/organizations/{org.oid}/owner/transfer", json={"new_owner_id": org.member.id})
    for operation, response in (("get_organization_owner", owner), ("create_owner_transfer", made)):
        assert response.status_code == 200
        assert_matches_spec(operation, response)
    assert org.owner.api_token not in owner.text
