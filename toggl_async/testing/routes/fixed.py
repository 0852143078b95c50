"""Track API v9 "the rest" on the fake: billing, calendar integrations, SSO, avatars and logos, the
desktop timeline, reference data, the app-internal /me routes and the website helpers.

These answer fixed data shaped like Toggl's published swagger [V:SW26], with the access rules the
swagger's error texts give (organization admins for billing, workspace members for workspace data) and
a little state where a caller would notice its absence: flags, push tokens, timeline events, the
avatar and logo, linked SSO profiles, the subscription's promotion code and trial. Nothing here talks
to a payment or calendar provider.
"""

from __future__ import annotations

import datetime
import json
import re
import weakref
from typing import TYPE_CHECKING, Any

import attrs

from toggl_async.testing.http import ApiError, FakeRequest, Reply, bad_request, empty, forbidden, handles
from toggl_async.testing.routes.common import is_org_admin, member_org
from toggl_async.testing.store import DEFAULT_PROFILE_IMAGE, DEFAULT_WORKSPACE_LOGO

if TYPE_CHECKING:
    from toggl_async.testing.app import FakeToggl

Obj = dict[str, Any]

# ---------------------------------------------------------------------------------------- fixed data
# Reference data: a few real countries, currencies and time zones (the lists Toggl serves are longer).
COUNTRIES: list[Obj] = [
    {"id": 70, "name": "Estonia", "country_code": "EE", "default_currency_id": 1, "requires_postal_code": True,
     "vat_applicable": True, "vat_percentage": 22.0, "vat_regex": "^EE[0-9]{9}$"},
    {"id": 75, "name": "Germany", "country_code": "DE", "default_currency_id": 1, "requires_postal_code": True,
     "vat_applicable": True, "vat_percentage": 19.0, "vat_regex": "^DE[0-9]{9}$"},
    {"id": 234, "name": "United States of America", "country_code": "US", "default_currency_id": 2,
     "requires_postal_code": True, "vat_applicable": False, "vat_percentage": 0.0, "vat_regex": ""},
]  # fmt: skip
SUBDIVISIONS: dict[int, list[Obj]] = {
    234: [
        {"country_subdivision_id": 3901, "country_id": 234, "company_id": 0, "iso_code": "US-CA", "name": "California"},
        {"country_subdivision_id": 3902, "country_id": 234, "company_id": 0, "iso_code": "US-NY", "name": "New York"},
    ],
    70: [{"country_subdivision_id": 1201, "country_id": 70, "company_id": 0, "iso_code": "EE-37", "name": "Harju"}],
    75: [],
}  # fmt: skip
CURRENCIES: list[Obj] = [
    {"currency_id": 1, "iso_code": "EUR", "symbol": "€"},
    {"currency_id": 2, "iso_code": "USD", "symbol": "$"},
    {"currency_id": 3, "iso_code": "GBP", "symbol": "£"},
]
TIMEZONES: list[Obj] = [
    {"name": "Europe/Tallinn", "utc": "+02:00"},
    {"name": "Europe/Berlin", "utc": "+01:00"},
    {"name": "America/New_York", "utc": "-05:00"},
    {"name": "UTC", "utc": "+00:00"},
]
# Plans: Toggl's public plan names; prices are integer cents per seat and month (per period for prices_period).
PLAN_PRICES = {"Free": 0, "Starter": 900, "Premium": 1800, "Enterprise": 0}


def _pricing_plan(name: str, period: int) -> Obj:
    month = PLAN_PRICES[name]
    prices = {"actual": month, "base": month, "with_tax": month}
    return {
        "name": f"{name} {'annual' if period == 12 else 'monthly'}", "period": period,
        "price_point_handle": f"{name.lower()}-{period}m", "actual_price_in_usd_cents": month * period,
        "list_price_in_usd_cents": month * period, "prices_month": prices,
        "prices_period": {k: v * period for k, v in prices.items()}, "campaign": None,
    }  # fmt: skip


BILLING_PLANS: list[Obj] = [
    {"plan_id": index, "name": name, "pricing_plans": [_pricing_plan(name, 1), _pricing_plan(name, 12)]}
    for index, name in enumerate(PLAN_PRICES)
]
FEATURES: list[Obj] = [
    {"feature_id": 13, "name": "Billable rates", "description": "Rates per workspace, project and user",
     "is_default_feature": False, "trial_only": False},
    {"feature_id": 50, "name": "Time audits", "description": "Find entries without a project or too long",
     "is_default_feature": False, "trial_only": False},
]  # fmt: skip
INTEGRATION_ID, CALENDAR_ID, EVENT_ID = 9001, 9101, 9201
SSO_PROFILE_ID = 442244
WEB_TIMER = "web-timer-state"


# ------------------------------------------------------------------------------------- per-fake state
@attrs.define
class FixedState:
    """What the fixed-data routes remember per fake: per user and per workspace/organization."""

    flags: dict[int, Obj] = attrs.field(factory=dict)
    push_tokens: dict[int, list[str]] = attrs.field(factory=dict)
    timeline: dict[int, list[Obj]] = attrs.field(factory=dict)
    avatars: dict[int, str | None] = attrs.field(factory=dict)
    logos: dict[int, str] = attrs.field(factory=dict)
    sso_links: dict[int, set[int]] = attrs.field(factory=dict)
    promotion_codes: dict[int, bool] = attrs.field(factory=dict)
    trials: dict[int, bool] = attrs.field(factory=dict)
    usage_discounts: dict[int, str] = attrs.field(factory=dict)
    selected: dict[int, bool] = attrs.field(factory=dict)


_STATES: weakref.WeakKeyDictionary[FakeToggl, FixedState] = weakref.WeakKeyDictionary()


def state(fake: FakeToggl) -> FixedState:
    """The fixed-data routes' state of one fake (created on first use)."""
    found = _STATES.get(fake)
    if found is None:
        found = _STATES[fake] = FixedState()
    return found


def _workspace(request: FakeRequest) -> Obj:
    return request.store.workspace_for(request.user_id, request.path_params["workspace_id"])


def _admin_org(request: FakeRequest) -> Obj:
    return member_org(request, admin=True, missing=403)


def _org_of_workspace(request: FakeRequest) -> Obj:
    workspace = _workspace(request)
    org: Obj = request.store.tables["organizations"][workspace["organization_id"]]
    return org


# --------------------------------------------------------------------------------------- organizations
@handles("list_audit_logs")
def list_audit_logs(request: FakeRequest) -> Reply:
    """403 with Toggl's text for non-admins [V:SW26]. Toggl publishes no event fields; the fake makes one
    event per object of the organization's workspaces last changed in [start, end), oldest first [I], and
    pages them by page_number (from 1) and page_size."""
    org = member_org(request, missing=403)
    if not is_org_admin(request.store, org["id"], request.user_id):
        raise ApiError(403, "User does not have access to the audit logs")
    bounds = []
    for name in ("start", "end"):
        try:
            instant = datetime.datetime.fromisoformat(str(request.path_params[name]).replace("Z", "+00:00"))
        except ValueError as exc:
            raise bad_request(f"invalid {name}") from exc
        bounds.append(instant if instant.tzinfo else instant.replace(tzinfo=datetime.UTC))
    size = request.query_int("page_size") or 50
    number = request.query_int("page_number") or 1
    if size < 1 or number < 1:
        raise bad_request("page_size and page_number must be positive")
    store = request.store
    workspaces = {w["id"] for w in store.live("workspaces") if w.get("organization_id") == org["id"]}
    events = []
    for table in ("projects", "clients", "tags", "tasks", "time_entries"):
        for obj in store.live(table):
            at = datetime.datetime.fromisoformat(str(obj["at"]).replace("Z", "+00:00"))
            if obj.get("workspace_id", obj.get("wid")) in workspaces and bounds[0] <= at < bounds[1]:
                events.append({"entity": table, "entity_id": obj["id"], "at": obj["at"], "user_id": request.user_id})
    events.sort(key=lambda event: (event["at"], event["entity"], event["entity_id"]))
    for number_in_log, event in enumerate(events, start=1):
        event["id"] = number_in_log
    return Reply(events[(number - 1) * size : number * size])


@handles("request_slack_integration")
def request_slack_integration(request: FakeRequest) -> Reply:
    member_org(request, missing=403)
    return Reply("OK")


# ------------------------------------------------------------------------------------------------- sso
@handles("get_sso_login_url")
def get_sso_login_url(request: FakeRequest) -> Reply:
    email = request.query.get("email", "")
    if "@" not in email:
        raise bad_request("invalid email address")
    return Reply({"sso_url": f"https://sso.example.com/saml2/login?domain={email.split('@', 1)[1]}"})


@handles("create_desktop_login_token")
def create_desktop_login_token(request: FakeRequest) -> Reply:
    return Reply({"login_token": f"desktop-{request.user_id}-{request.fake.clock.now().timestamp():.0f}"})


@handles("list_auth_keys")
def list_auth_keys(request: FakeRequest) -> Reply:
    key = {
        "kty": "RSA",
        "kid": "fake-toggl-1",
        "use": "sig",
        "alg": "RS256",
        "n": "0vx7agoebGcQSuuPiLJXZpt",
        "e": "AQAB",
    }
    return Reply({"keys": [key]})


def _sso_profiles(request: FakeRequest, workspace: Obj) -> list[Obj]:
    domain = str(request.user["email"]).split("@", 1)[-1]
    linked = state(request.fake).sso_links.setdefault(workspace["id"], set())
    return [
        {"sso_profile_id": pid, "name": f"Default SSO profile for {domain}", "domain": domain} for pid in sorted(linked)
    ]


def _sso_workspace(request: FakeRequest) -> Obj:
    workspace = _workspace(request)
    if not is_org_admin(request.store, workspace["organization_id"], request.user_id):
        raise ApiError(403, "The user is not authorized to manage SSO")
    return workspace


@handles("list_linked_sso_profiles")
def list_linked_sso_profiles(request: FakeRequest) -> Reply:
    return Reply(_sso_profiles(request, _sso_workspace(request)))


@handles("link_sso_profile")
def link_sso_profile(request: FakeRequest) -> Reply:
    workspace = _sso_workspace(request)
    state(request.fake).sso_links.setdefault(workspace["id"], set()).add(request.path_params["sso_profile_id"])
    return Reply(_sso_profiles(request, workspace))


@handles("unlink_sso_profile")
def unlink_sso_profile(request: FakeRequest) -> Reply:
    workspace = _sso_workspace(request)
    pid = request.path_params["sso_profile_id"]
    linked = state(request.fake).sso_links.setdefault(workspace["id"], set())
    if pid not in linked:
        raise bad_request(f"error linking sso profile {pid} to workspace {workspace['id']}: SSO profile not found")
    linked.discard(pid)
    return Reply(_sso_profiles(request, workspace))


# ------------------------------------------------------------------------------------- avatars, logos
def _avatar(url: str | None) -> Obj:
    urls = {} if url is None else {"small": f"{url}?s=64", "medium": f"{url}?s=128", "large": f"{url}?s=256"}
    return {"avatar_urls": urls, "fileType": "image/png" if url else "", "name": url.rsplit("/", 1)[-1] if url else ""}


@handles("delete_avatar")
def delete_avatar(request: FakeRequest) -> Reply:
    state(request.fake).avatars[request.user_id] = None
    request.user["image_url"] = DEFAULT_PROFILE_IMAGE  # the profile shows the default again (routes/uploads.py)
    return Reply("OK")


@handles("use_gravatar")
def use_gravatar(request: FakeRequest) -> Reply:
    url = f"https://www.gravatar.com/avatar/{request.user_id:032x}"
    state(request.fake).avatars[request.user_id] = url
    request.user["image_url"] = url
    return Reply(_avatar(url))


@handles("get_workspace_logo")
def get_workspace_logo(request: FakeRequest) -> Reply:
    workspace = _workspace(request)
    return Reply({"logo": state(request.fake).logos.get(workspace["id"], "")})


@handles("delete_workspace_logo")
def delete_workspace_logo(request: FakeRequest) -> Reply:
    workspace = _workspace(request)
    if not is_org_admin(request.store, workspace["organization_id"], request.user_id):
        raise forbidden()
    state(request.fake).logos.pop(workspace["id"], None)
    workspace["logo_url"] = DEFAULT_WORKSPACE_LOGO  # the workspace shows the default again (routes/uploads.py)
    request.store.touch(workspace)
    return Reply({"logo": ""})


# ------------------------------------------------------------------------------------- reference data
@handles("list_countries")
def list_countries(request: FakeRequest) -> Reply:
    return Reply(COUNTRIES)


@handles("list_country_subdivisions")
def list_country_subdivisions(request: FakeRequest) -> Reply:
    found = SUBDIVISIONS.get(request.path_params["country_id"])
    if found is None:
        raise ApiError(404, "Invalid country code.")
    return Reply(found)


@handles("list_currencies")
def list_currencies(request: FakeRequest) -> Reply:
    return Reply(CURRENCIES)


@handles("list_timezones")
def list_timezones(request: FakeRequest) -> Reply:
    return Reply([zone["name"] for zone in TIMEZONES])


@handles("list_timezone_offsets")
def list_timezone_offsets(request: FakeRequest) -> Reply:
    return Reply(TIMEZONES)


@handles("get_status")
def get_status(request: FakeRequest) -> Reply:
    return Reply("OK")


@handles("list_workspace_currencies")
def list_workspace_currencies(request: FakeRequest) -> Reply:
    workspace = _workspace(request)
    return Reply([workspace.get("default_currency") or "USD"])


# ------------------------------------------------------------------------------------------- timeline
def _unix(request: FakeRequest, name: str) -> int | None:
    try:
        return request.query_int(name)
    except ApiError as exc:
        raise bad_request(f"Invalid '{name}' value") from exc


@handles("list_timeline_events")
def list_timeline_events(request: FakeRequest) -> Reply:
    """The events saved by save_timeline_events that overlap [start_date, end_date] (Unix seconds)."""
    start, end = _unix(request, "start_date"), _unix(request, "end_date")
    events = state(request.fake).timeline.get(request.user_id, [])
    return Reply([
        e for e in events
        if (start is None or e.get("end_time", 0) >= start) and (end is None or e.get("start_time", 0) <= end)
    ])  # fmt: skip


@handles("save_timeline_events")
def save_timeline_events(request: FakeRequest) -> Reply:
    body = request.json() if request.raw_body else []
    if not isinstance(body, list) or not all(isinstance(e, dict) for e in body):
        raise bad_request("Invalid JSON input")
    stored = state(request.fake).timeline.setdefault(request.user_id, [])
    for event in body:
        stored.append({**event, "id": len(stored) + 1})
    return Reply({"record_timeline": True})


@handles("delete_timeline")
def delete_timeline(request: FakeRequest) -> Reply:
    state(request.fake).timeline.pop(request.user_id, None)
    return Reply(status=204, empty=True)


# -------------------------------------------------------------------------------------------- account
@handles("accept_terms_of_service")
def accept_terms_of_service(request: FakeRequest) -> Reply:
    return Reply("OK")


@handles("close_account")
def close_account(request: FakeRequest) -> Reply:
    """Answers as Toggl does; the fake keeps the user (a test closing its own account keeps its scenario)."""
    return Reply("OK")


@handles("disable_product_emails")
def disable_product_emails(request: FakeRequest) -> Reply:
    return Reply("OK")


@handles("disable_weekly_report")
def disable_weekly_report(request: FakeRequest) -> Reply:
    return Reply("OK")


@handles("enable_sso")
def enable_sso(request: FakeRequest) -> Reply:
    code = request.body_object().get("confirmation_code")
    if not isinstance(code, str) or not code:
        raise bad_request("invalid or expired confirmation code")
    return Reply("OK")


@handles("get_flags")
def get_flags(request: FakeRequest) -> Reply:
    return Reply(state(request.fake).flags.get(request.user_id, {}))


LONGEST_FLAGS = 64 * 1024


@handles("update_flags")
def update_flags(request: FakeRequest) -> Reply:
    body = request.body_object()
    if not body:
        raise bad_request("No valid data submitted")
    flags = state(request.fake).flags.setdefault(request.user_id, {})
    if len(json.dumps(flags | body)) > LONGEST_FLAGS:
        raise bad_request(f"Flags may hold at most {LONGEST_FLAGS} bytes of JSON")  # a bound on one user's map [I]
    flags.update(body)
    return Reply(flags)


def _fcm_token(request: FakeRequest) -> str:
    token = request.body_object().get("fcm_registration_token")
    if not isinstance(token, str) or not token:
        raise bad_request("Field 'fcm_registration_token' is required")
    return token


@handles("list_push_services")
def list_push_services(request: FakeRequest) -> Reply:
    return Reply(state(request.fake).push_tokens.get(request.user_id, []))


@handles("create_push_service")
def create_push_service(request: FakeRequest) -> Reply:
    token = _fcm_token(request)
    tokens = state(request.fake).push_tokens.setdefault(request.user_id, [])
    if token not in tokens:
        tokens.append(token)
    return Reply("OK")


@handles("delete_push_service")
def delete_push_service(request: FakeRequest) -> Reply:
    token = _fcm_token(request)
    tokens = state(request.fake).push_tokens.setdefault(request.user_id, [])
    if token in tokens:
        tokens.remove(token)
    return Reply("OK")


@handles("get_web_timer")
def get_web_timer(request: FakeRequest) -> Reply:
    return Reply(WEB_TIMER)


# ------------------------------------------------------------------------------------------- internal
def _required(request: FakeRequest, *names: str) -> None:
    body = request.body_object()
    for name in names:
        if not isinstance(body.get(name), str) or not body[name]:
            raise bad_request(f"{name} is required")


@handles("send_contact_email")
def send_contact_email(request: FakeRequest) -> Reply:
    _required(request, "Email", "Name", "Message")
    return Reply("OK")


@handles("send_demo_request")
def send_demo_request(request: FakeRequest) -> Reply:
    _required(request, "Email")
    return Reply("OK")


@handles("send_meet_request")
def send_meet_request(request: FakeRequest) -> Reply:
    _required(request, "email")
    return Reply("OK")


# ------------------------------------------------------------------------------------------- calendar
def _integration(request: FakeRequest) -> Obj:
    return {
        "calendar_integration_id": INTEGRATION_ID, "provider": "google", "email": request.user["email"],
        "auto_track": False, "has_write_scope": False, "error_status": "", "created_at": "2024-12-01T09:00:00Z",
    }  # fmt: skip


def _calendar(request: FakeRequest) -> Obj:
    selected = state(request.fake).selected.get(request.user_id, True)
    return {
        "calendar_id": CALENDAR_ID, "calendar_integration_id": INTEGRATION_ID, "name": "Work",
        "external_id": "work@example.com", "selected": selected, "background_color": "#0b8043",
        "created_at": "2024-12-01T09:00:00Z", "updated_at": "2024-12-01T09:00:00Z", "deleted_at": None,
        "default_workspace_id": None, "default_project_id": None, "default_planned_task_id": None,
    }  # fmt: skip


def _event(request: FakeRequest) -> Obj:
    day = request.fake.clock.now().astimezone(datetime.UTC).date().isoformat()
    return {
        "calendar_event_id": EVENT_ID, "calendar_id": CALENDAR_ID, "title": "Weekly planning", "all_day": False,
        "start_time": f"{day}T10:00:00Z", "end_time": f"{day}T10:30:00Z", "external_id": "evt-1",
        "color": {"background": "#0b8043", "foreground": "#ffffff"}, "created_at": "2024-12-01T09:00:00Z",
        "updated_at": "2024-12-01T09:00:00Z",
    }  # fmt: skip


# Besides the calendar and event other routes name, two more of each, so that the lists page [I].
MORE_CALENDARS = (
    ("Personal", "me@example.com", "#d50000", True),
    ("Holidays", "holidays@example.com", "#33b679", False),
)
MORE_EVENTS = (("Design review", "13:00", "14:00"), ("Retrospective", "16:00", "16:45"))


def _calendars(request: FakeRequest) -> list[Obj]:
    first = _calendar(request)
    more = [
        first | {"calendar_id": CALENDAR_ID + n, "name": name, "external_id": external, "background_color": color,
                 "selected": selected}
        for n, (name, external, color, selected) in enumerate(MORE_CALENDARS, start=1)
    ]  # fmt: skip
    return [first, *more]


def _events(request: FakeRequest) -> list[Obj]:
    first = _event(request)
    day = first["start_time"][:10]
    more = [
        first | {"calendar_event_id": EVENT_ID + n, "title": title, "external_id": f"evt-{n + 1}",
                 "start_time": f"{day}T{start}:00Z", "end_time": f"{day}T{end}:00Z"}
        for n, (title, start, end) in enumerate(MORE_EVENTS, start=1)
    ]  # fmt: skip
    return [first, *more]


def _token_page(request: FakeRequest, items: list[Obj], field: str) -> Reply:
    """One page of `items` as the calendar routes answer: `limit` of them (50 when not given [I]) from the
    `page_token` a previous page gave, with the next page's token, "" on the last one [V:SW26 shapes]."""
    limit = _limit(request) or 50
    token = request.query.get("page_token") or "p0"
    if not re.fullmatch(r"p[0-9]{1,6}", token):
        raise bad_request("invalid page token")
    start = int(token[1:])
    after = start + limit
    return Reply({field: items[start:after], "next_page_token": f"p{after}" if after < len(items) else ""})


def _known_integration(request: FakeRequest) -> None:
    if request.path_params["integration_id"] != INTEGRATION_ID:
        raise ApiError(404, "calendar integration does not exist")


def _limit(request: FakeRequest) -> int | None:
    try:
        limit = request.query_int("limit")
    except ApiError as exc:
        raise bad_request("invalid limit format") from exc
    if limit is not None and not 0 < limit <= 250:
        raise bad_request("invalid limit error. Please use a value between 0 and 250")
    return limit


def _dates(request: FakeRequest) -> None:
    for name in ("start_date", "end_date"):
        if not request.query.get(name):
            raise bad_request(f"{name} should not be empty")


def _suggestion(request: FakeRequest) -> Obj:
    """The user's first project in their default workspace, when there is one."""
    wid = request.user["default_workspace_id"]
    projects = [p for p in request.store.live("projects") if p["workspace_id"] == wid]
    found: Obj = {"accuracy": 1.0, "billable": False, "description_match": True, "last_seen": "2024-12-09T10:00:00Z",
                  "tag_ids": []}  # fmt: skip
    if projects:
        project = projects[0]
        found |= {"project_id": project["id"], "project_name": project["name"], "project_color": project["color"],
                  "project_active": project["active"], "workspace_id": wid}  # fmt: skip
    return found


@handles("list_calendar_integrations")
def list_calendar_integrations(request: FakeRequest) -> Reply:
    return Reply([_integration(request)])


@handles("list_calendars")
def list_calendars(request: FakeRequest) -> Reply:
    _limit(request)
    wanted = request.query_bool("selected")
    calendars = [c for c in _calendars(request) if wanted is None or c["selected"] == wanted]
    return _token_page(request, calendars, "calendars")


@handles("list_selected_calendars")
def list_selected_calendars(request: FakeRequest) -> Reply:
    return _token_page(request, [c for c in _calendars(request) if c["selected"]], "calendars")


@handles("list_calendar_events")
def list_calendar_events(request: FakeRequest) -> Reply:
    _dates(request)
    return _token_page(request, _events(request), "events")


@handles("create_calendar_event_suggestions")
def create_calendar_event_suggestions(request: FakeRequest) -> Reply:
    ids = request.body_object().get("event_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
        raise bad_request("Invalid, missing or too many event IDs")
    return Reply({"suggestions": [{"event_id": i, "suggestion": _suggestion(request)} for i in ids if i == EVENT_ID]})


@handles("update_calendar_events")
def update_calendar_events(request: FakeRequest) -> Reply:
    return Reply({"fetched_events": 1})


@handles("get_calendar_event_suggestion")
def get_calendar_event_suggestion(request: FakeRequest) -> Reply:
    if request.path_params["event_id"] != EVENT_ID:
        raise ApiError(403, f"event with ID {request.path_params['event_id']} was not found")
    return Reply(_suggestion(request))


@handles("update_calendar_integration")
def update_calendar_integration(request: FakeRequest) -> Reply:
    _known_integration(request)
    return Reply(status=204, empty=True)


@handles("delete_calendar_integration")
def delete_calendar_integration(request: FakeRequest) -> Reply:
    _known_integration(request)
    return Reply(status=204, empty=True)


@handles("list_integration_calendars")
def list_integration_calendars(request: FakeRequest) -> Reply:
    _known_integration(request)
    return _token_page(request, _calendars(request), "calendars")


@handles("update_integration_calendars")
def update_integration_calendars(request: FakeRequest) -> Reply:
    _known_integration(request)
    return Reply({"fetched_calendars": 1})


@handles("patch_calendar")
def patch_calendar(request: FakeRequest) -> Reply:
    _known_integration(request)
    if request.path_params["calendar_id"] != CALENDAR_ID:
        raise ApiError(404, "you do not have a calendar with the given ID")
    body = request.body_object() if request.raw_body else {}
    if "selected" in body:
        if not isinstance(body["selected"], bool):
            raise bad_request("JSON is not valid")
        state(request.fake).selected[request.user_id] = body["selected"]
    return Reply([_calendar(request)])


@handles("list_calendar_event_attendees")
def list_calendar_event_attendees(request: FakeRequest) -> Reply:
    _known_integration(request)
    return Reply([{"name": request.user.get("fullname") or "", "email": request.user["email"]}])


@handles("list_integration_calendar_events")
def list_integration_calendar_events(request: FakeRequest) -> Reply:
    _known_integration(request)
    _dates(request)
    return _token_page(request, _events(request), "events")


# -------------------------------------------------------------------------------------------- billing
def _pricing(org: Obj) -> Obj:
    return {
        "currency_id": 2, "discount_percentage": 0, "discount_to": None, "plans": BILLING_PLANS,
        "tax_included": False, "tax_percentage": 0.0, "tax_type": "", "user_count": 1,
    }  # fmt: skip


def _subscription(request: FakeRequest, org: Obj) -> Obj:
    plan = str(org.get("pricing_plan_name", "Free"))
    users = [m for m in request.store.live("org_users") if m["organization_id"] == org["id"]]
    plan_id = list(PLAN_PRICES).index(plan) if plan in PLAN_PRICES else 0
    return {
        "company_id": org["id"], "plan_id": plan_id, "pricing_plan_id": plan_id, "plan_name": plan,
        "active_users": len(users), "seats": len(users), "seat_cost_in_cents": PLAN_PRICES.get(plan, 0),
        "auto_renew": plan != "Free", "billing_period_in_months": 1, "campaign_available": False,
        "cancel_date": None, "card_details": None, "contact_details": None, "currency": "USD",
        "enterprise": plan == "Enterprise", "is_unified": True, "next_payment_date": None,
        "payment_failed": False, "state": "active", "subscription_created_at": "2024-01-01T00:00:00Z",
        "trial_available": not state(request.fake).trials.get(org["id"], False),
    }  # fmt: skip


def _customer(request: FakeRequest, org: Obj) -> Obj:
    discount = None
    if state(request.fake).promotion_codes.get(org["id"]):
        discount = {
            "coupon": {"id": "coupon-1", "name": "Welcome", "percent_off": 10.0, "amount_off": 0, "valid": True,
                       "deleted": False, "duration": "once", "duration_in_months": 0},
            "promotion_code": {"id": "promo-1", "code": "WELCOME10", "active": True, "expires_at": None},
        }  # fmt: skip
    return {
        "id": f"cus_{org['id']}", "customer_name": org["name"], "currency": "USD", "country_id": "234",
        "address_line": "", "postal_code": "", "state": "", "site": "", "tax_number": "",
        "toggl_user_email": request.user["email"], "default_payment_method": None, "discount": discount,
    }  # fmt: skip


@handles("list_payment_records")
def list_payment_records(request: FakeRequest) -> Reply:
    org = _admin_org(request)
    records = [
        {"id": f"in_{org['id']}_{n}", "invoice_number": f"TGL-{org['id']}-{n:04}",
         "creation_date": f"2024-{13 - n:02}-01T00:00:00Z", "currency": "USD", "description": "Subscription",
         "status": "paid", "total_amount": 1800,
         "hosted_url": f"https://billing.example.com/i/{n}", "pdf_url": f"https://billing.example.com/i/{n}.pdf"}
        for n in (1, 2, 3)
    ]  # fmt: skip
    # Newest first, two a page [I]: `next` is the cursor of the following page, sent back with the id of the last
    # record received as last_inv [V:SW26 parameters]; a last_inv that does not match is refused [I].
    cursor, last = request.query.get("cursor"), request.query.get("last_inv")
    start = 0
    if cursor is not None:
        if not re.fullmatch(r"c[0-9]{1,6}", cursor) or not 0 < int(cursor[1:]) <= len(records):
            raise bad_request("invalid cursor")
        start = int(cursor[1:])
        if last is not None and last != records[start - 1]["id"]:
            raise bad_request("last_inv does not match the cursor")
    after = start + 2
    return Reply([{"items": records[start:after], "next": f"c{after}" if after < len(records) else None}])


@handles("list_organization_plans")
def list_organization_plans(request: FakeRequest) -> Reply:
    return Reply(_pricing(_admin_org(request)))


@handles("get_organization_plan")
def get_organization_plan(request: FakeRequest) -> Reply:
    org = _admin_org(request)
    plans = [p for p in BILLING_PLANS if p["plan_id"] == request.path_params["plan_id"]]
    if not plans:
        raise ApiError(404, "plan not found")
    return Reply({**_pricing(org), "plans": plans})


@handles("get_organization_subscription")
def get_organization_subscription(request: FakeRequest) -> Reply:
    return Reply(_subscription(request, _admin_org(request)))


def _plan_tag(request: FakeRequest) -> str:
    tag = request.body_object().get("pricing_plan_tag")
    if not isinstance(tag, str) or not tag:
        raise bad_request("pricing_plan_tag is a required field")
    return tag


@handles("update_organization_subscription")
def update_organization_subscription(request: FakeRequest) -> Reply:
    _admin_org(request)
    _plan_tag(request)
    return empty()


@handles("create_organization_subscription")
def create_organization_subscription(request: FakeRequest) -> Reply:
    _admin_org(request)
    _plan_tag(request)
    return empty()


@handles("delete_organization_subscription")
def delete_organization_subscription(request: FakeRequest) -> Reply:
    org = _admin_org(request)
    if org.get("pricing_plan_name", "Free") == "Free":
        raise ApiError(404, "subscription not found")
    return Reply("OK")


@handles("create_cancellation_feedback")
def create_cancellation_feedback(request: FakeRequest) -> Reply:
    _admin_org(request)
    if not isinstance(request.body_object().get("data"), dict):
        raise bad_request("Key: 'payload.Data' Error:Field validation for 'Data' failed on the 'required' tag")
    return Reply(status=201, empty=True)


@handles("get_billing_customer")
def get_billing_customer(request: FakeRequest) -> Reply:
    return Reply(_customer(request, _admin_org(request)))


@handles("update_billing_customer")
def update_billing_customer(request: FakeRequest) -> Reply:
    return Reply(_customer(request, _admin_org(request)))


@handles("create_billing_customer")
def create_billing_customer(request: FakeRequest) -> Reply:
    return Reply(_customer(request, _admin_org(request)))


@handles("request_discount")
def request_discount(request: FakeRequest) -> Reply:
    _admin_org(request)
    answers = request.body_object().get("responses_submitted")
    if not isinstance(answers, dict):
        raise bad_request("JSON is not valid")
    for name in ("positive_answers", "negative_answers"):
        if not isinstance(answers.get(name), list) or not answers[name]:
            raise bad_request("JSON is not valid")
    return Reply("OK")


@handles("list_feature_upsells")
def list_feature_upsells(request: FakeRequest) -> Reply:
    org = member_org(request, missing=403)
    upsells = [
        {"feature_id": f["feature_id"], "name": f["name"], "is_default_feature": False,
         "upsell_plan_id": 1, "upsell_plan_handle": "starter"}
        for f in FEATURES
    ]  # fmt: skip
    return Reply({str(org["id"]): upsells})


@handles("get_invoice_summary")
def get_invoice_summary(request: FakeRequest) -> Reply:
    org = _admin_org(request)
    quantity = request.query_int("quantity", 1) or 1
    plan = str(org.get("pricing_plan_name", "Free"))
    return Reply(f"{quantity} x {plan}: {quantity * PLAN_PRICES.get(plan, 0)} cents")


@handles("get_payment_failure")
def get_payment_failure(request: FakeRequest) -> Reply:
    org = _admin_org(request)
    if org.get("pricing_plan_name", "Free") == "Free":
        raise ApiError(404, "Subscription not found.")
    return Reply({
        "organization_id": org["id"], "code": "", "decline_code": "", "doc_url": "", "message": "",
        "invoice_total_amount": 0, "next_payment_attempt": None,
    })  # fmt: skip


@handles("apply_promotion_code")
def apply_promotion_code(request: FakeRequest) -> Reply:
    org = _admin_org(request)
    state(request.fake).promotion_codes[org["id"]] = True
    return empty()


@handles("delete_promotion_code")
def delete_promotion_code(request: FakeRequest) -> Reply:
    org = _admin_org(request)
    state(request.fake).promotion_codes.pop(org["id"], None)
    return empty()


@handles("create_setup_intent")
def create_setup_intent(request: FakeRequest) -> Reply:
    _admin_org(request)
    return empty()


@handles("create_trial")
def create_trial(request: FakeRequest) -> Reply:
    org = _admin_org(request)
    state(request.fake).trials[org["id"]] = True
    return empty()


@handles("delete_trial")
def delete_trial(request: FakeRequest) -> Reply:
    org = _admin_org(request)
    if not state(request.fake).trials.pop(org["id"], False):
        raise ApiError(404, "trial not found")
    return Reply(text="OK")


@handles("request_upgrade")
def request_upgrade(request: FakeRequest) -> Reply:
    member_org(request, missing=403)
    return Reply("OK")


@handles("apply_usage_based_discount")
def apply_usage_based_discount(request: FakeRequest) -> Reply:
    org = _admin_org(request)
    variant = request.json()
    if not isinstance(variant, str) or not variant:
        raise bad_request("Bad discount variant")
    state(request.fake).usage_discounts[org["id"]] = variant
    return Reply("OK")


@handles("delete_usage_based_discount")
def delete_usage_based_discount(request: FakeRequest) -> Reply:
    org = _admin_org(request)
    if state(request.fake).usage_discounts.pop(org["id"], None) is None:
        raise ApiError(404, "Organization or usage-based discount not found")
    return Reply(text="OK")


@handles("list_organization_usage")
def list_organization_usage(request: FakeRequest) -> Reply:
    org = member_org(request)
    users = [m for m in request.store.live("org_users") if m["organization_id"] == org["id"]]
    limit = 5 if org.get("pricing_plan_name", "Free") == "Free" else 0
    return Reply([{"name": "users", "count": len(users), "limit": limit, "reset_at": None}])


@handles("list_plans_with_features")
def list_plans_with_features(request: FakeRequest) -> Reply:
    return Reply([[
        {"plan_id": p["plan_id"], "name": p["name"], "features": FEATURES if p["name"] != "Free" else [],
         "max_user_count": 5 if p["name"] == "Free" else 0, "active_at": "2024-01-01T00:00:00Z",
         "inactive_at": None, "plan_at": None}
        for p in BILLING_PLANS
    ]])  # fmt: skip


@handles("list_public_plans")
def list_public_plans(request: FakeRequest) -> Reply:
    return Reply(BILLING_PLANS)


@handles("get_workspace_subscription")
def get_workspace_subscription(request: FakeRequest) -> Reply:
    org = _org_of_workspace(request)
    return Reply(_subscription(request, org))
