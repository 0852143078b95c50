"""Preferences on the fake, through the client: a user's shared ones, each Toggl app's own, and a workspace's.

What a POST stores the next GET returns; bad bodies are refused with the reason Toggl gives. Evidence: Toggl's
published Track v9 swagger, 2026 copy ("SW26"): fields, the desktop/web enum, the 400/402/403 texts;
support.toggl.com/lock-timesheets for locking time entries on Premium and Enterprise.
"""

from __future__ import annotations

import datetime

import pytest
from spec_validation import assert_matches_spec

from toggl_async import BadRequestError, FeatureNotAvailableError, ForbiddenError, Toggl
from toggl_async.models import AlphaFeature, KeyboardShortcut, Preferences, PreferencesClientApp, WorkspacePreferences
from toggl_async.testing import FakeClock, FakeToggl, FakeUser

START = datetime.datetime(2024, 12, 16, 9, tzinfo=datetime.UTC)


def fake_with(plan: str = "Free") -> tuple[FakeToggl, FakeUser]:
    fake = FakeToggl(clock=FakeClock(START), rate=None, quotas=False)
    return fake, fake.add_user("prefs@example.com", "pw", fullname="Prefs", plan=plan)


def client(fake: FakeToggl, user: FakeUser) -> Toggl:
    return Toggl(user.api_token, transport=fake.transport(), clock=fake.clock, rate=None)


async def test_a_change_is_what_the_next_read_returns() -> None:
    fake, user = fake_with()
    async with client(fake, user) as toggl:
        before = await toggl.preferences.get_my_preferences()
        saved = await toggl.preferences.update_my_preferences(
            body=Preferences(
                date_format="DD.MM.YYYY", pomodoro_enabled=True, pomodoro_focus_interval_in_minutes=50,
                alpha_features=[AlphaFeature(code="ai_suggestions", enabled=True)],
                macos_show_hide_toggl_keyboard_shortcut=KeyboardShortcut(key=17, modifiers=256),
            )
        )  # fmt: skip
        after = await toggl.preferences.get_my_preferences()
    assert (before.date_format, before.pomodoro_enabled, before.beginning_of_week) == ("MM/DD/YYYY", False, 1)
    assert saved == "OK"
    assert (after.date_format, after.pomodoro_enabled, after.pomodoro_focus_interval_in_minutes) == (
        "DD.MM.YYYY",
        True,
        50,
    )
    assert {a.code: a.enabled for a in after.alpha_features} == {
        "timeline_v2": False, "ai_suggestions": True, "calendar_two_way_sync": False,
    }  # fmt: skip
    assert after.macos_show_hide_toggl_keyboard_shortcut == KeyboardShortcut(key=17, modifiers=256)
    assert after.timeofday_format == before.timeofday_format == "H:mm"  # untouched fields keep their value


async def test_an_app_s_preferences_sit_on_top_of_the_shared_ones_and_since_returns_what_changed() -> None:
    fake, user = fake_with()
    async with client(fake, user) as toggl:
        await toggl.preferences.update_my_preferences(body=Preferences(duration_format="decimal"))
        fake.clock.advance(3600)
        since = int(fake.clock.now().timestamp())
        fake.clock.advance(60)
        await toggl.preferences.update_my_app_preferences(
            PreferencesClientApp.WEB, body=Preferences(timeofday_format="h:mm A")
        )
        web = await toggl.preferences.get_my_app_preferences(PreferencesClientApp.WEB)
        desktop = await toggl.preferences.get_my_app_preferences(PreferencesClientApp.DESKTOP)
        shared = await toggl.preferences.get_my_preferences()
        recent = await toggl.preferences.get_my_app_preferences(PreferencesClientApp.WEB, since=since)
    assert (web.timeofday_format, web.duration_format) == ("h:mm A", "decimal")
    assert desktop.timeofday_format == shared.timeofday_format == "H:mm"
    assert recent.to_dict() == {"timeofday_format": "h:mm A"}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({}, "Missing data"),
        ({"not_a_preference": True}, "Unknown preference"),
        ({"date_format": "YYYY/DD/MM"}, "Value in date_format is invalid"),
        ({"timeofday_format": 24}, "Invalid value for timeofday_format"),
        ({"toSAcceptNeeded": False}, "Cannot set value for ToSAcceptNeeded"),
        ({"pomodoro_enabled": "yes"}, "Invalid value for pomodoro_enabled"),
        ({"reminder_interval_in_minutes": 10**30}, "Invalid value"),
        ({"beginningOfWeek": 7}, "Invalid value for beginningOfWeek"),
        ({"alpha_features": [{"code": "warp_drive", "enabled": True}]}, "Invalid feature code(s)"),
        ({"pomodoro_break_tag": {"id": 1, "colour": "red"}}, "Invalid value"),
        ({"pg_time_zone_name": "x" * 10_000}, "Invalid value"),
    ],
)
async def test_a_bad_body_is_refused_with_toggl_s_reason_and_nothing_is_stored(body: object, reason: str) -> None:
    fake, user = fake_with()
    async with fake.http_client(user) as http:
        before = (await http.get("/api/v9/me/preferences")).json()
        refused = await http.post("/api/v9/me/preferences", json=body)
        after = (await http.get("/api/v9/me/preferences")).json()
    assert refused.status_code == 400 and reason in refused.json()
    assert_matches_spec("update_my_preferences", refused)
    assert after == before


async def test_the_client_raises_a_typed_error_for_a_refused_value_and_an_unknown_app() -> None:
    fake, user = fake_with()
    async with client(fake, user) as toggl:
        with pytest.raises(BadRequestError, match="date_format"):
            await toggl.preferences.update_my_preferences(body=Preferences(date_format="someday"))
    async with fake.http_client(user) as http:
        unknown = await http.get("/api/v9/me/preferences/mobile")
    assert unknown.status_code == 400 and unknown.json() == "Unknown client"
    assert_matches_spec("get_my_app_preferences", unknown)


async def test_workspace_preferences_are_stored_and_shared_with_the_workspace_object() -> None:
    fake, user = fake_with("Premium")
    wid = user.default_workspace_id
    async with client(fake, user) as toggl:
        changed = await toggl.preferences.update_workspace_preferences(
            wid,
            body=WorkspacePreferences(
                disable_expenses=True, report_locked_at=datetime.datetime(2024, 12, 1, tzinfo=datetime.UTC)
            ),
        )
        read = await toggl.preferences.get_workspace_preferences(wid)
        workspace = await toggl.workspaces.get_workspace(wid)
        cleared = await toggl.preferences.update_workspace_preferences(
            wid, body=WorkspacePreferences(report_locked_at=None)
        )
    assert changed.to_dict() == read.to_dict()
    assert (read.disable_expenses, read.disable_approvals, workspace.disable_expenses) == (True, False, True)
    assert read.report_locked_at == datetime.datetime(2024, 12, 1, tzinfo=datetime.UTC)
    assert cleared.report_locked_at is None and cleared.disable_expenses is True


async def test_workspace_preferences_need_an_admin_a_plan_for_locking_and_writable_fields() -> None:
    fake, owner = fake_with("Starter")
    member = fake.add_user("member@example.com", "pw")
    store = fake.store
    store.add_workspace_member(store.tables["workspaces"][owner.default_workspace_id], store.tables["users"][member.id])
    wid = owner.default_workspace_id
    async with client(fake, owner) as toggl, client(fake, member) as theirs:
        with pytest.raises(FeatureNotAvailableError):
            await toggl.preferences.update_workspace_preferences(wid, body=WorkspacePreferences(report_locked_at=START))
        with pytest.raises(ForbiddenError):
            await theirs.preferences.update_workspace_preferences(
                wid, body=WorkspacePreferences(disable_approvals=True)
            )
        with pytest.raises(BadRequestError, match="not writable"):
            await toggl.preferences.update_workspace_preferences(wid, body=WorkspacePreferences(single_sign_on=True))
        member_view = await theirs.preferences.get_workspace_preferences(wid)
    async with fake.http_client(owner) as http:
        wrong = await http.post(f"/api/v9/workspaces/{wid}/preferences", json={"hide_start_end_times": "yes"})
        bad_date = await http.post(
            f"/api/v9/workspaces/{wid}/preferences", json={"calendar_suggestion_start_date": "soon"}
        )
    assert member_view.disable_approvals is False  # nothing the refused calls sent was stored
    assert wrong.status_code == 400 and bad_date.status_code == 400
    assert_matches_spec("update_workspace_preferences", bad_date)
