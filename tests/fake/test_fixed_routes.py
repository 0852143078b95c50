"""Track v9 "the rest" through the public client against FakeToggl: billing, calendar, SSO, avatars,
timeline, reference data and the app-internal /me routes.

The fake answers these with fixed data; what is tested is what a caller sees: typed answers, the state
the fake keeps (flags, push tokens, timeline, SSO links, trial), and the 4xx answers with the texts of
Toggl's published swagger [V:SW26, CorrectRoadH/OpenTickly@055ab8da openapi/toggl-track-api-v9.swagger.json].
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from toggl_async import Toggl, TogglAPIError
from toggl_async._generated.models import CalendarPatch, Country, PushServiceToken, TimelineEvent, UserFlags
from toggl_async.testing import FakeToggl, FakeUser


@pytest.fixture
def fake() -> FakeToggl:
    return FakeToggl(rate=None, quotas=False)


@pytest.fixture
def owner(fake: FakeToggl) -> FakeUser:
    return fake.add_user("owner@example.com", "owner-password", fullname="Owner", plan="Premium")


@pytest.fixture
async def toggl(fake: FakeToggl, owner: FakeUser) -> AsyncIterator[Toggl]:
    async with Toggl(owner.api_token, transport=fake.transport(), rate=None) as client:
        yield client


@pytest.fixture
async def member(fake: FakeToggl, owner: FakeUser) -> AsyncIterator[Toggl]:
    """A plain member of the owner's workspace and organization."""
    user = fake.add_user("member@example.com", "member-password", fullname="Member")
    workspace = fake.store.tables["workspaces"][owner.default_workspace_id]
    fake.store.add_workspace_member(workspace, fake.store.tables["users"][user.id])
    async with Toggl(user.api_token, transport=fake.transport(), rate=None) as client:
        yield client


async def test_reference_data_is_typed(toggl: Toggl) -> None:
    countries = await toggl.reference.list_countries()
    assert all(isinstance(c, Country) for c in countries)
    us = next(c for c in countries if c.country_code == "US")
    subdivisions = await toggl.reference.list_country_subdivisions(us.id)
    assert {s.iso_code for s in subdivisions} >= {"US-CA", "US-NY"}
    # The time zone names are those PUT /me accepts; each has an offset entry.
    names = await toggl.reference.list_timezones()
    offsets = await toggl.reference.list_timezone_offsets()
    assert "Europe/Tallinn" in names and {o.name for o in offsets} == set(names)
    assert {c.iso_code for c in await toggl.reference.list_currencies()} >= {"EUR", "USD"}


async def test_an_unknown_country_is_a_404_with_toggls_text(toggl: Toggl) -> None:
    with pytest.raises(TogglAPIError) as raised:
        await toggl.reference.list_country_subdivisions(999_999)
    assert raised.value.status == 404 and "Invalid country code." in str(raised.value)


async def test_flags_are_kept_per_user(toggl: Toggl, member: Toggl) -> None:
    assert (await toggl.account.get_flags()).additional_properties in ({}, None)
    flags = UserFlags.from_dict({"tour_done": True, "theme": "dark"})
    answered = await toggl.account.update_flags(body=flags)
    assert answered.to_dict() == {"tour_done": True, "theme": "dark"}
    assert (await toggl.account.get_flags()).to_dict() == {"tour_done": True, "theme": "dark"}
    assert (await member.account.get_flags()).to_dict() == {}  # another user's flags are their own
    with pytest.raises(TogglAPIError) as raised:  # Toggl: 400 "No valid data submitted" [V:SW26]
        await toggl.account.update_flags(body=UserFlags.from_dict({}))
    assert raised.value.status == 400


async def test_push_tokens_register_and_unregister(toggl: Toggl) -> None:
    await toggl.account.create_push_service(body=PushServiceToken(fcm_registration_token="fcm-a"))
    await toggl.account.create_push_service(body=PushServiceToken(fcm_registration_token="fcm-b"))
    await toggl.account.create_push_service(body=PushServiceToken(fcm_registration_token="fcm-a"))
    assert await toggl.account.list_push_services() == ["fcm-a", "fcm-b"]
    await toggl.account.delete_push_service(body=PushServiceToken(fcm_registration_token="fcm-a"))
    assert await toggl.account.list_push_services() == ["fcm-b"]
    with pytest.raises(TogglAPIError) as raised:
        await toggl.account.create_push_service(body=PushServiceToken())
    assert raised.value.status == 400 and "fcm_registration_token" in str(raised.value)


async def test_timeline_events_come_back_by_unix_range_and_can_be_deleted(toggl: Toggl) -> None:
    morning = TimelineEvent(desktop_id="d1", title="Editor", start_time=1_734_336_000, end_time=1_734_336_600)
    evening = TimelineEvent(desktop_id="d1", title="Browser", start_time=1_734_370_000, end_time=1_734_370_600)
    settings = await toggl.timeline.save_timeline_events(body=[morning, evening])
    assert settings.record_timeline is True
    found = await toggl.timeline.list_timeline_events(start_date=1_734_330_000, end_date=1_734_340_000)
    assert [e.title for e in found] == ["Editor"]
    assert len(await toggl.timeline.list_timeline_events()) == 2
    await toggl.timeline.delete_timeline()
    assert await toggl.timeline.list_timeline_events() == []


async def test_sso_profiles_link_and_unlink_for_admins_only(toggl: Toggl, member: Toggl, owner: FakeUser) -> None:
    wid = owner.default_workspace_id
    linked = await toggl.sso.link_sso_profile(wid, 442244)
    assert [p.sso_profile_id for p in linked] == [442244]
    assert [p.sso_profile_id for p in await toggl.sso.list_linked_sso_profiles(wid)] == [442244]
    assert await toggl.sso.unlink_sso_profile(wid, 442244) == []
    with pytest.raises(TogglAPIError) as raised:  # unlinking again: Toggl's 400 text [V:SW26]
        await toggl.sso.unlink_sso_profile(wid, 442244)
    assert raised.value.status == 400 and "SSO profile not found" in str(raised.value)
    with pytest.raises(TogglAPIError) as raised:
        await member.sso.list_linked_sso_profiles(wid)
    assert raised.value.status == 403 and "not authorized to manage SSO" in str(raised.value)


async def test_audit_logs_are_for_organization_admins(toggl: Toggl, member: Toggl, owner: FakeUser) -> None:
    oid = owner.organization_id
    events = await toggl.organizations.list_audit_logs(oid, "2024-12-01T00:00:00Z", "2024-12-16T00:00:00Z")
    assert events == []
    with pytest.raises(TogglAPIError) as raised:
        await member.organizations.list_audit_logs(oid, "2024-12-01T00:00:00Z", "2024-12-16T00:00:00Z")
    assert raised.value.status == 403 and "audit logs" in str(raised.value)
    with pytest.raises(TogglAPIError) as raised:
        await toggl.organizations.list_audit_logs(oid, "yesterday", "2024-12-16T00:00:00Z")
    assert raised.value.status == 400


async def test_billing_is_for_admins_and_the_trial_can_be_cancelled_once(
    toggl: Toggl, member: Toggl, owner: FakeUser
) -> None:
    oid = owner.organization_id
    subscription = await toggl.billing.get_organization_subscription(oid)
    assert subscription.plan_name == "Premium" and subscription.trial_available is True
    with pytest.raises(TogglAPIError) as raised:
        await member.billing.get_organization_subscription(oid)
    assert raised.value.status == 403
    await toggl.billing.create_trial(oid)
    assert (await toggl.billing.get_organization_subscription(oid)).trial_available is False
    assert await toggl.billing.delete_trial(oid) == "OK"
    with pytest.raises(TogglAPIError) as raised:
        await toggl.billing.delete_trial(oid)
    assert raised.value.status == 404 and "trial not found" in str(raised.value)
    plans = await toggl.billing.list_organization_plans(oid)
    assert {p.name for p in plans.plans or []} >= {"Free", "Starter", "Premium"}


async def test_calendar_limit_is_checked_and_selection_sticks(toggl: Toggl) -> None:
    with pytest.raises(TogglAPIError) as raised:  # Toggl's 400 text [V:SW26]
        await toggl.calendar.list_calendars(limit=0)
    assert raised.value.status == 400 and "between 0 and 250" in str(raised.value)
    [integration] = await toggl.calendar.list_calendar_integrations()
    page = await toggl.calendar.list_calendars()
    calendar, *others = page.calendars or []
    assert calendar.selected is True and [other.selected for other in others] == [True, False]
    await toggl.calendar.patch_calendar(
        integration.calendar_integration_id, calendar.calendar_id, body=CalendarPatch(selected=False)
    )
    selected = (await toggl.calendar.list_selected_calendars()).calendars or []
    assert [c.calendar_id for c in selected] == [others[0].calendar_id]
