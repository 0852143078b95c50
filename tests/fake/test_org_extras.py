"""Organization extras on the fake, through the client: roles, segmentation answers, statistics of every workspace,
the groups of one workspace, and /me/id.

Evidence: Toggl's published Track v9 swagger, 2026 copy ("SW26"): routes, fields, the 204 of an organization
without segmentation answers, the map of statistics by workspace id.
"""

from __future__ import annotations

import pytest
from spec_validation import assert_matches_spec

from toggl_async import ForbiddenError, NotFoundError, Toggl
from toggl_async.models import GroupPayload, OrganizationGroupPayload, OrganizationSegmentation, RoleEntity
from toggl_async.testing import FakeClock, FakeToggl, FakeUser


def fake_with() -> tuple[FakeToggl, FakeUser, FakeUser]:
    fake = FakeToggl(clock=FakeClock(), rate=None, quotas=False)
    owner = fake.add_user("owner@example.com", "pw", fullname="Owner", plan="Premium")
    member = fake.add_user("member@example.com", "pw", fullname="Member")
    store = fake.store
    store.add_workspace_member(store.tables["workspaces"][owner.default_workspace_id], store.tables["users"][member.id])
    return fake, owner, member


def client(fake: FakeToggl, user: FakeUser) -> Toggl:
    return Toggl(user.api_token, transport=fake.transport(), clock=fake.clock, rate=None)


async def test_my_id_is_the_profile_s_id() -> None:
    fake, owner, _ = fake_with()
    async with client(fake, owner) as toggl:
        my_id = await toggl.me.get_my_id()
        me = await toggl.me.get_me()
    assert my_id == me.id == owner.id and type(my_id) is int


async def test_roles_name_their_kind_entity_and_permissions() -> None:
    fake, owner, member = fake_with()
    async with client(fake, member) as toggl, client(fake, fake.add_user("x@example.com", "pw")) as stranger:
        roles = await toggl.organizations.list_organization_roles(owner.organization_id)
        with pytest.raises(ForbiddenError):
            await stranger.organizations.list_organization_roles(owner.organization_id)
    kinds = {(r.entity, r.type_) for r in roles}
    assert {
        (RoleEntity.ORGANIZATION, "owner"),
        (RoleEntity.WORKSPACE, "admin"),
        (RoleEntity.PROJECT, "manager"),
    } <= kinds
    assert all(r.role_id and r.permissions is not None for r in roles)
    assert len({r.role_id for r in roles}) == len(roles)


async def test_segmentation_is_absent_until_saved_then_read_back() -> None:
    fake, owner, member = fake_with()
    oid = owner.organization_id
    async with client(fake, owner) as toggl, client(fake, fake.add_user("x@example.com", "pw")) as stranger:
        empty = await toggl.organizations.get_organization_segmentation(oid)
        saved = await toggl.organizations.update_organization_segmentation(
            oid, body=OrganizationSegmentation(members_range="11-50", industries=["software"], demo_requested=True)
        )
        changed = await toggl.organizations.update_organization_segmentation(
            oid, body=OrganizationSegmentation(reasons=["invoicing"])
        )
        read = await toggl.organizations.get_organization_segmentation(oid)
        with pytest.raises(NotFoundError):
            await stranger.organizations.get_organization_segmentation(oid)
    assert empty is None
    assert (saved.members_range, saved.user_id, saved.organization_id) == ("11-50", owner.id, oid)
    assert isinstance(read, OrganizationSegmentation) and read.to_dict() == changed.to_dict()
    assert (read.members_range, read.industries, read.reasons, read.demo_requested) == (
        "11-50", ["software"], ["invoicing"], True,
    )  # fmt: skip
    async with fake.http_client(member) as http:
        wrong = await http.put(f"/api/v9/organizations/{oid}/segmentation", json={"industries": "software"})
        huge = await http.put(f"/api/v9/organizations/{oid}/segmentation", json={"full_name": "x" * 5000})
    assert wrong.status_code == huge.status_code == 400
    assert_matches_spec("update_organization_segmentation", wrong)


async def test_statistics_cover_every_workspace_of_the_organization() -> None:
    fake, owner, member = fake_with()
    store, oid = fake.store, owner.organization_id
    second = store.add_workspace(store.tables["organizations"][oid], store.tables["users"][owner.id], "Second")
    async with client(fake, owner) as toggl:
        await toggl.groups.create_workspace_group(owner.default_workspace_id, body=GroupPayload(name="Team"))
        await toggl.groups.create_organization_group(
            oid,
            body=OrganizationGroupPayload(
                name="All", users=[member.id], workspaces=[owner.default_workspace_id, second["id"]]
            ),
        )
        stats = await toggl.organizations.get_organization_workspaces_statistics(oid)
        one = await toggl.workspaces.get_workspace_statistics(owner.default_workspace_id)
    by_id = stats.to_dict()
    assert set(by_id) == {str(owner.default_workspace_id), str(second["id"])}
    assert by_id[str(owner.default_workspace_id)] == one.to_dict()
    assert (one.members_count, one.groups_count, [a.user_id for a in one.admins or []]) == (2, 2, [owner.id])
    assert (by_id[str(second["id"])]["members_count"], by_id[str(second["id"])]["groups_count"]) == (1, 1)


async def test_the_groups_of_one_workspace_are_sorted_by_name_with_their_users() -> None:
    fake, owner, member = fake_with()
    oid, wid = owner.organization_id, owner.default_workspace_id
    other = fake.add_user("other@example.com", "pw")
    async with client(fake, owner) as toggl:
        await toggl.groups.create_organization_group(
            oid, body=OrganizationGroupPayload(name="zeta", users=[member.id], workspaces=[wid])
        )
        await toggl.groups.create_organization_group(
            oid, body=OrganizationGroupPayload(name="Elsewhere", workspaces=[])
        )
        await toggl.groups.create_workspace_group(wid, body=GroupPayload(name="Alpha"))
        groups = await toggl.groups.list_organization_workspace_groups(oid, wid)
        with pytest.raises(NotFoundError):  # a workspace of another organization
            await toggl.groups.list_organization_workspace_groups(oid, other.default_workspace_id)
    assert [g.name for g in groups] == ["Alpha", "zeta"]
    assert [(u.user_id, u.name) for u in groups[1].users or []] == [(member.id, "Member")]
    assert groups[0].workspaces == [wid] and groups[1].workspaces == [wid]
