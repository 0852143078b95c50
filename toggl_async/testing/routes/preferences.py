"""Preferences of the fake: a user's shared preferences, each Toggl app's own (desktop, web), and a workspace's.

What a POST sends is stored and the next GET returns it; an empty body, a field the published schema does not
name, a wrong type, an unknown alpha feature code, a date or time-of-day format Toggl does not offer, or
toSAcceptNeeded give 400 [V:SW26 models.AllPreferences fields and the 400 texts; unknown fields I]. Each field
remembers when it changed, so `since` on an app's preferences returns what changed after it [I]. A workspace's
preferences are written by its admins; locking time entries (report_locked_at) needs Premium or Enterprise
[V:SW26 402, SUP-LOCK]. The four switches the workspace object also carries (disable_approvals, ...) are the same
values in both places.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from toggl_async.testing.http import ApiError, FakeRequest, Reply, bad_request, forbidden, handles
from toggl_async.testing.routes.common import since_param, since_stamp
from toggl_async.testing.routes.track_tables import member_workspace, plan_rank
from toggl_async.testing.store import Obj, parse_time, stamp

# The field names and JSON types of Toggl's preferences object [V:SW26 models.AllPreferences].


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


BOOLS = _names("""
    activity_timeline_display_activity activity_timeline_sync_events analyticsAdvancedFilters
    auto_tracker_delay_enabled auto_tracker_stop_on_no_rule_match_enabled automatic_tagging autotracking_enabled
    cell_swipe_actions_enabled collapseDetailedReportEntries collapseTimeEntries
    duration_format_on_timer_duration_field edit_popup_integration_timer extension_send_error_reports
    extension_send_usage_statistics focus_app_on_time_entry_started focus_app_on_time_entry_stopped
    haptic_feedback_enabled hide_keyboard_shortcut hide_sidebar_right idle_detection_enabled ios_is_goals_view_shown
    is_goals_view_expanded is_goals_view_shown is_summary_total_view_visible keep_mini_timer_on_top
    keep_window_on_top keyboard_shortcuts_enabled keyboard_shortcuts_share_time_entries mac_is_goals_view_shown
    manualMode manualModeOverlaySeen pomodoro_auto_start_break pomodoro_auto_start_focus
    pomodoro_break_start_sound_enabled pomodoro_countdown_timer pomodoro_enabled pomodoro_global_sound_enabled
    pomodoro_interval_end_sound pomodoro_prevent_screen_lock pomodoro_session_start_sound_enabled
    pomodoro_show_notifications pomodoro_stop_timer_at_interval_end pomodoro_track_breaks_as_time_entries
    project_shortcut_enabled record_timeline reminder_enabled reportRounding reportsHideWeekends run_app_on_startup
    running_timer_notification_enabled seenFollowModal seenFooterPopup seenProjectDashboardOverlay
    seenTogglButtonModal send_added_to_project_notification send_daily_project_invites send_product_emails
    send_product_release_notification send_system_message_notification send_timer_notifications send_weekly_report
    sharing_shortcut_enabled show_all_entries show_changelog show_description_in_menu_bar show_dock_icon
    show_events_in_calendar show_project_in_menu_bar show_qr_scanner show_seconds_in_menu_bar
    show_timeline_in_day_view show_timer_in_menu_bar show_today_total_in_menu_bar show_total_billable_hours
    show_weekend_on_timer_page show_workouts_in_calendar showTimeInTitle start_automatically stop_at_specific_time
    stop_automatically stop_entry_on_shutdown stopped_timer_notification_enabled suggestions_enabled
    summaryReportDistinctRates summaryReportSortAsc tags_shortcut_enabled time_entry_ghost_suggestions_enabled
    time_entry_invitations_notification_enabled toSAcceptNeeded use_mini_timer webTimeEntryStarted
    webTimeEntryStopped
""")
TEXTS = _names("""
    activity_timeline_grouping_interval activity_timeline_grouping_method activity_timeline_recording_level
    calendar_snap_duration calendar_snap_initial_location calendar_zoom_level charts_view_type dashboards_view_type
    date_format displayDensity distinctRates duration_format inactivity_behavior manualEntryMode
    modify_on_start_time_change offlineMode pg_time_zone_name pomodoro_focus_sound projectDashboardActivityMode
    remember_last_project reminder_days reminder_period reportRoundingDirection running_entry_warning
    sleep_behaviour smart_alerts_option snowballReportRounding stack_times_on_manual_mode_after start_shortcut_mode
    stop_specified_time summary_total_mode summaryReportAmounts summaryReportGrouping summaryReportSortField
    summaryReportSubGrouping time_entry_display_mode time_entry_start_stop_input_mode timeofday_format timerView
    timerViewMobile visibleFooter weeklyReportGrouping weeklyReportValueToShow windows_theme
""")
NUMBERS = _names("""
    auto_tracker_delay_in_seconds beginningOfWeek calendar_visible_hours_end calendar_visible_hours_start
    default_project_id default_task_id firstSeenBusinessPromo idle_detection_interval_in_minutes
    keyboard_increment_timer_page pomodoro_break_interval_in_minutes pomodoro_break_project_id pomodoro_break_tag_id
    pomodoro_focus_interval_in_minutes pomodoro_interval_end_volume pomodoro_longer_break_duration_in_minutes
    pomodoro_rounds_before_longer_break reminder_interval_in_minutes reminder_snoozing_in_minutes
    reportRoundingStepInMinutes workout_default_project_id workout_default_tag_id
""")
# Fields holding an object or a list of objects, with the fields and kinds of each object ("id?": an id or null).
_SHORTCUT = {"key": "int", "modifiers": "int"}
_ENTITY = {"id": "id", "workspace_id": "id"}
OBJECTS: dict[str, dict[str, str]] = {
    "default_project_task": {"workspace_id": "id", "project_id": "id?", "task_id": "id?"},
    "macos_show_hide_toggl_keyboard_shortcut": _SHORTCUT, "macos_stop_continue_keyboard_shortcut": _SHORTCUT,
    "windows_show_hide_toggl_keyboard_shortcut": _SHORTCUT, "windows_stop_continue_keyboard_shortcut": _SHORTCUT,
    "windows_stop_start_keyboard_shortcut": _SHORTCUT, "pomodoro_break_project": _ENTITY,
    "pomodoro_break_tag": _ENTITY, "workout_default_project": _ENTITY, "workout_default_tag": _ENTITY,
}  # fmt: skip
RULE_LISTS: dict[str, dict[str, str]] = {
    "macos_auto_tracking_rules": {"id": "str", "keyword": "str", "workspace_id": "id", "project_id": "id?",
                                  "task_id": "id?"},
    "windows_auto_tracking_rules": {"id": "str", "type": "int", "enabled": "bool", "description": "str",
                                    "billable": "bool", "workspace_id": "id", "project_id": "id?", "task_id": "id?",
                                    "tag_ids": "ids", "skip_when_timer_is_running": "bool",
                                    "start_without_confirmation": "bool", "parameters": "obj"},
}  # fmt: skip
KNOWN = BOOLS | TEXTS | NUMBERS | {"decimal_separator", "alpha_features"} | OBJECTS.keys() | RULE_LISTS.keys()
# Values the web app offers [I: Toggl's profile settings]; the swagger names the 400s for the two formats [V:SW26].
CHOICES = {
    "date_format": ("YYYY-MM-DD", "DD.MM.YYYY", "DD-MM-YYYY", "MM/DD/YYYY", "DD/MM/YYYY", "MM-DD-YYYY"),
    "timeofday_format": ("H:mm", "h:mm A"), "duration_format": ("improved", "classic", "decimal"),
    "decimal_separator": (",", "."),
}  # fmt: skip
RANGES = {"beginningOfWeek": (0, 6), "calendar_visible_hours_start": (0, 23), "calendar_visible_hours_end": (0, 24),
          "pomodoro_interval_end_volume": (0, 100)}  # fmt: skip
READ_ONLY = frozenset({"toSAcceptNeeded"})
LONGEST_TEXT = 255
# A rule's free-form `parameters` object, as JSON text: one request must not store megabytes that every later
# read sends back [I: Toggl publishes no limit].
LONGEST_OBJECT = 4096
LONGEST_LIST = 100  # ids in a rule, rules in a list
LARGEST_NUMBER = 2**31 - 1
LARGEST_ID = 2**63 - 1
# The alpha features every user of the fake sees, off until switched on: (id, code, description) [I].
ALPHA_FEATURES = (
    (1, "timeline_v2", "The redesigned timeline"),
    (2, "ai_suggestions", "Suggested descriptions for new time entries"),
    (3, "calendar_two_way_sync", "Changes in Toggl sent back to the calendar"),
)
APPS = ("desktop", "web")


def _kind_ok(value: Any, kind: str) -> bool:
    if kind in ("id", "id?"):
        return (value is None and kind == "id?") or (type(value) is int and 0 < value <= LARGEST_ID)
    if kind == "int":
        return type(value) is int and 0 <= value <= LARGEST_NUMBER
    if kind == "ids":
        return isinstance(value, list) and len(value) <= LONGEST_LIST and all(_kind_ok(v, "id") for v in value)
    if kind == "str":
        return isinstance(value, str) and len(value) <= LONGEST_TEXT
    if kind == "obj":
        return isinstance(value, dict) and len(json.dumps(value)) <= LONGEST_OBJECT
    return isinstance(value, bool)


def _object_ok(value: Any, kinds: dict[str, str]) -> bool:
    return isinstance(value, dict) and all(k in kinds and _kind_ok(v, kinds[k]) for k, v in value.items())


def _value_ok(name: str, value: Any) -> bool:
    if name in BOOLS:
        return isinstance(value, bool)
    if name in TEXTS or name == "decimal_separator":
        return _kind_ok(value, "str") and value in CHOICES.get(name, (value,))
    if name in NUMBERS:
        low, high = RANGES.get(name, (0, LARGEST_NUMBER))
        return _kind_ok(value, "id?") if name.endswith("_id") else type(value) is int and low <= value <= high
    if name in OBJECTS:
        return _object_ok(value, OBJECTS[name])
    return (
        isinstance(value, list) and len(value) <= LONGEST_LIST and all(_object_ok(v, RULE_LISTS[name]) for v in value)
    )


def _changes(body: Any) -> tuple[Obj, dict[str, bool]]:
    """The preferences and alpha feature switches a POST body asks for; 400 with Toggl's reason otherwise."""
    if not isinstance(body, dict):
        raise bad_request("JSON object expected")
    if not body:
        raise bad_request("Missing data")  # [V:SW26]
    if READ_ONLY & body.keys():
        raise bad_request("Cannot set value for ToSAcceptNeeded")  # [V:SW26]
    alphas = _alpha_switches(body.get("alpha_features", []))
    changes = {k: v for k, v in body.items() if k != "alpha_features"}
    for name, value in changes.items():
        if name not in KNOWN:
            raise bad_request(f"Unknown preference {name[:60]!r}")
        if not _value_ok(name, value):
            if name in ("date_format", "timeofday_format") and isinstance(value, str):
                raise bad_request(f"Value in {name} is invalid")  # [V:SW26]
            raise bad_request(f"Invalid value for {name}")
    return changes, alphas


def _alpha_switches(items: Any) -> dict[str, bool]:
    codes = {code for _, code, _ in ALPHA_FEATURES}
    if not isinstance(items, list) or not all(isinstance(i, dict) and type(i.get("enabled")) is bool for i in items):
        raise bad_request("alpha_features must list {code, enabled} objects")
    if any(item.get("code") not in codes for item in items):
        raise bad_request("Invalid feature code(s)")  # [V:SW26]
    return {item["code"]: item["enabled"] for item in items}


def _defaults(user: Obj) -> Obj:
    """What a user who never changed anything reads [I: Toggl's defaults for a new account]."""
    return {
        "date_format": "MM/DD/YYYY", "timeofday_format": "H:mm", "duration_format": "improved",
        "decimal_separator": ".", "beginningOfWeek": user.get("beginning_of_week", 1),
        "pg_time_zone_name": user.get("timezone") or "UTC", "toSAcceptNeeded": False, "send_product_emails": True,
        "send_weekly_report": True, "send_timer_notifications": True, "send_added_to_project_notification": True,
        "idle_detection_enabled": False, "reminder_enabled": False, "pomodoro_enabled": False,
        "pomodoro_focus_interval_in_minutes": 25, "pomodoro_break_interval_in_minutes": 5,
        "keyboard_shortcuts_enabled": True, "default_project_id": None, "default_task_id": None,
    }  # fmt: skip


def _save(user: Obj, key: str, changes: Obj, alphas: dict[str, bool], now: str) -> None:
    """Store the changes under `key` (shared, or one app's) with the moment each field changed."""
    stored, changed = user.setdefault(key, {}), user.setdefault(key + "_at", {})
    stored.update(changes)
    changed.update(dict.fromkeys(changes, now))
    if alphas:
        user.setdefault("_alpha_features", {}).update(alphas)
        changed["alpha_features"] = now


def _view(user: Obj, app: str | None, since: int | None) -> Obj:
    shared, shared_at = user.get("_preferences", {}), user.get("_preferences_at", {})
    own = user.get(f"_preferences_{app}", {}) if app else {}
    own_at = user.get(f"_preferences_{app}_at", {}) if app else {}
    switched = user.get("_alpha_features", {})
    values: Obj = _defaults(user) | shared | own
    values["alpha_features"] = [
        {"alpha_feature_id": fid, "code": code, "description": text, "enabled": switched.get(code, False),
         "product_id": 1}
        for fid, code, text in ALPHA_FEATURES
    ]  # fmt: skip
    if since is None:
        return values
    floor, born = since_stamp(since), user["created_at"]
    return {k: v for k, v in values.items() if own_at.get(k, shared_at.get(k, born)) >= floor}


def _app(request: FakeRequest) -> str:
    app = str(request.path_params["client_app"])
    if app not in APPS:
        raise bad_request("Unknown client")  # [V:SW26]
    return app


@handles("get_my_preferences")
def get_my_preferences(request: FakeRequest) -> Reply:
    return Reply(_view(request.user, None, None))


@handles("update_my_preferences")
def update_my_preferences(request: FakeRequest) -> Reply:
    changes, alphas = _changes(request.json())
    _save(request.user, "_preferences", changes, alphas, stamp(request.store.now()))
    request.store.touch(request.user)
    return Reply("OK")


@handles("get_my_app_preferences")
def get_my_app_preferences(request: FakeRequest) -> Reply:
    app = _app(request)
    return Reply(_view(request.user, app, since_param(request)))


@handles("update_my_app_preferences")
def update_my_app_preferences(request: FakeRequest) -> Reply:
    app = _app(request)
    changes, alphas = _changes(request.json())
    _save(request.user, f"_preferences_{app}", changes, alphas, stamp(request.store.now()))
    request.store.touch(request.user)
    return Reply("OK")


# ---- workspace preferences

SWITCHES = ("disable_approvals", "disable_expenses", "disable_timesheet_view", "hide_start_end_times")
MOMENTS = ("calendar_suggestion_start_date", "report_locked_at")
WORKSPACE_READ_ONLY = ("inc_tos_accepted_at", "inc_tos_accepted_by", "initial_pricing_plan", "single_sign_on",
                       "sso_requested_at")  # fmt: skip
LOCKING_RANK = 2  # Premium [V:SUP-LOCK]
EARLIEST = datetime.datetime(2006, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)


def _workspace_view(workspace: Obj, org: Obj) -> Obj:
    saved = workspace.get("_preferences", {})
    return {name: bool(workspace.get(name, False)) for name in SWITCHES} | {
        "calendar_suggestion_start_date": saved.get("calendar_suggestion_start_date"),
        "report_locked_at": saved.get("report_locked_at"), "single_sign_on": False, "sso_requested_at": None,
        "inc_tos_accepted_at": None, "inc_tos_accepted_by": None, "initial_pricing_plan": org["pricing_plan_id"],
    }  # fmt: skip


def _moment(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise bad_request(f"Invalid value for {name}")
    try:
        moment = parse_time(value)
    except ApiError:
        raise bad_request(f"Invalid value for {name}: an RFC 3339 time is expected") from None
    if not EARLIEST <= moment <= LATEST:
        raise bad_request(f"{name} is out of range")
    return stamp(moment)


@handles("get_workspace_preferences")
def get_workspace_preferences(request: FakeRequest) -> Reply:
    workspace = member_workspace(request)
    org = request.store.tables["organizations"][workspace["organization_id"]]
    return Reply(_workspace_view(workspace, org))


@handles("update_workspace_preferences")
def update_workspace_preferences(request: FakeRequest) -> Reply:
    """All or nothing: every field is checked before any is stored."""
    store, body = request.store, request.body_object()
    workspace = member_workspace(request)
    if not store.is_workspace_admin(request.user_id, workspace["id"]):
        raise forbidden()  # "Permission required to update time entries lock setting" and the rest [V:SW26 403]
    for name, value in body.items():
        if name in WORKSPACE_READ_ONLY or name not in SWITCHES + MOMENTS:
            raise bad_request(f"The field is not writable: {name[:60]}")  # [V:SW26]
        if name in SWITCHES and not isinstance(value, bool):
            raise bad_request(f"Invalid value for {name}")
    moments = {name: _moment(name, body[name]) for name in MOMENTS if name in body}
    if "report_locked_at" in moments and plan_rank(store, workspace["id"]) < LOCKING_RANK:
        raise ApiError(402, "Workspace needs to have the Locking time entries feature enabled")  # [V:SW26]
    workspace.update({name: body[name] for name in SWITCHES if name in body})
    workspace.setdefault("_preferences", {}).update(moments)
    store.touch(workspace)
    org = store.tables["organizations"][workspace["organization_id"]]
    return Reply(_workspace_view(workspace, org))
