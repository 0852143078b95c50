"""The generated models are attrs classes (issue 11): attrs' own functions work on them, and decoding
takes the fast path on real-shaped bodies, falling back object by object, never dropping a field.

Real-shaped bodies carry the field sets seen in recorded Toggl traffic (shared/toggl-api-reference.md:
User object fields [V:SEED2, VCR], Workspace fields [V:SEED2, VCR, SWNEW], Project fields [V:SEED2,
VCR]) with made-up values, nulls where the recordings show nulls.
"""

from __future__ import annotations

import copy
import datetime
import json
import logging
import pickle
from typing import Any

import attrs
import httpx
import pytest
from spec_tools import resolve, sample

from toggl_async._generated import decoding, models
from toggl_async._generated.api.me import get_me, list_my_workspaces
from toggl_async._generated.api.projects import list_projects
from toggl_async._generated.api.time_entries import list_time_entries
from toggl_async._generated.decoding import decode
from toggl_async._generated.errors import DefaultErrors
from toggl_async._generated.types import UNSET

MODEL_NAMES = [name for name in models.__all__ if hasattr(getattr(models, name), "from_dict")]

REAL_ME: dict[str, Any] = {
    "id": 9000001, "email": "ada@example.com", "fullname": "Ada", "timezone": "Europe/Berlin",
    "default_workspace_id": 8000000, "beginning_of_week": 1, "image_url": "https://assets.example/ada.png",
    "created_at": "2021-03-04T10:11:12.123456Z", "updated_at": "2024-12-09T08:00:00.000000Z",
    "at": "2024-12-09T08:00:00.000000Z", "api_token": "0123456789abcdef0123456789abcdef", "country_id": None,
    "has_password": True, "openid_email": None, "openid_enabled": False, "oauth_providers": ["google"],
    "intercom_hash": "abcdef", "authorization_updated_at": "2024-11-01T09:00:00.000000Z",
    "toggl_accounts_id": "uWGsHAeXZGhJvQ3XjdY63h", "2fa_enabled": False,
    "options": {"theme": "dark", "duration_format": "improved"},
}  # fmt: skip
REAL_WORKSPACE: dict[str, Any] = {
    "id": 8000000, "organization_id": 7000000, "name": "Ada's workspace", "premium": False, "business_ws": False,
    "admin": True, "role": "admin", "suspended_at": None, "server_deleted_at": None, "default_hourly_rate": None,
    "rate_last_updated": None, "default_currency": "USD", "only_admins_may_create_projects": False,
    "only_admins_may_create_tags": False, "only_admins_see_billable_rates": False,
    "only_admins_see_team_dashboard": False, "projects_billable_by_default": True,
    "projects_private_by_default": True, "projects_enforce_billable": False, "limit_public_project_data": False,
    "last_modified": "2024-12-09T08:00:00Z", "reports_collapse": True, "rounding": 1, "rounding_minutes": 0,
    "api_token": "fedcba9876543210fedcba9876543210", "at": "2024-12-09T08:00:00+00:00", "logo_url": None,
    "ical_url": "/ical/workspace_user/abc", "ical_enabled": True, "csv_upload": None, "subscription": None,
    "hide_start_end_times": False, "working_hours_in_minutes": None, "max_data_retention_days": None,
    "te_constraints": {"time_entry_constraints_enabled": False, "description_present": False,
                       "project_present": False},
    "permissions": None, "disable_approvals": False, "disable_expenses": False, "disable_timesheet_view": False,
}  # fmt: skip
REAL_PROJECT: dict[str, Any] = {
    "id": 201000001, "workspace_id": 8000000, "wid": 8000000, "client_id": None, "cid": None, "name": "Website",
    "is_private": True, "active": True, "at": "2024-12-09T08:00:00+00:00", "created_at": "2024-12-01T08:00:00+00:00",
    "server_deleted_at": None, "color": "#06aaf5", "billable": None, "template": None, "auto_estimates": None,
    "estimated_hours": None, "estimated_seconds": None, "rate": None, "rate_last_updated": None, "currency": None,
    "recurring": False, "template_id": None, "recurring_parameters": None, "current_period": None,
    "fixed_fee": None, "actual_hours": 12, "actual_seconds": 43200, "tasks_count": 0, "can_track_time": True,
    "start_date": "2024-12-01", "end_date": None, "status": "active", "is_shared": False, "pinned": False,
    "permissions": None, "shared_at": None, "shared_hash": None, "canSeeRates": True,
    "integration_ext_id": None, "integration_ext_type": None, "integration_provider": None,
}  # fmt: skip
ENTRY = sample(resolve({"$ref": "#/components/schemas/TimeEntry"}))


@pytest.fixture
def deviations(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The lenient decoder's WARNING lines from here on (its once-per-process memory starts empty)."""
    monkeypatch.setattr(decoding, "_logged", set())
    caplog.set_level(logging.WARNING, logger="toggl_async")

    class Lines(list[str]):
        def __iter__(self) -> Any:
            return iter([r.getMessage() for r in caplog.records if "decoded leniently" in r.getMessage()])

    return Lines()


def decoded(module: Any, body: Any) -> Any:
    response = httpx.Response(200, content=json.dumps(body).encode(), request=httpx.Request("GET", "https://t/x"))
    return decode(response, _response_type(module), module._from_data_1, DefaultErrors())


def _response_type(module: Any) -> Any:
    import typing

    return typing.get_type_hints(module._from_data_1)["return"]


# ---------------------------------------------------------------- attrs' own functions
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_every_model_is_an_attrs_slots_class(name: str) -> None:
    cls = getattr(models, name)
    assert attrs.has(cls)
    assert "__slots__" in vars(cls)
    assert cls.__module__.startswith("toggl_async._generated.models.")


def test_decoded_models_evolve_asdict_pickle_copy_and_compare() -> None:
    me = decoded(get_me, REAL_ME)
    assert isinstance(me, models.Me) and me.field_2fa_enabled is False
    renamed = attrs.evolve(me, fullname="Ada L.")
    assert renamed.fullname == "Ada L." and renamed.email == me.email and renamed != me
    as_dict = attrs.asdict(me)
    assert as_dict["options"] == {"additional_properties": {"theme": "dark", "duration_format": "improved"}}
    assert {f.name for f in attrs.fields(models.Me)} >= {"id", "email", "field_2fa_enabled"}
    assert pickle.loads(pickle.dumps(me)) == me
    assert copy.deepcopy(me) == me and copy.copy(me) == me
    assert decoded(get_me, REAL_ME) == me
    assert me.to_dict() == json.loads(json.dumps(REAL_ME)) | {
        "created_at": "2021-03-04T10:11:12.123456+00:00", "updated_at": "2024-12-09T08:00:00+00:00",
        "at": "2024-12-09T08:00:00+00:00", "authorization_updated_at": "2024-11-01T09:00:00+00:00",
    }  # fmt: skip


def test_repr_shows_the_fields_that_are_set_and_hides_credentials() -> None:
    me = decoded(get_me, REAL_ME)
    text = repr(me)
    assert "UNSET" not in text and "0123456789abcdef" not in text and "api_token=<hidden>" in text
    assert text.startswith("Me(id=9000001, email='ada@example.com'")
    start = datetime.datetime(2024, 12, 16, 9, 30, tzinfo=datetime.UTC)
    assert repr(models.TimeEntryCreate(created_with="x", workspace_id=1, start=start)) == (
        f"TimeEntryCreate(created_with='x', workspace_id=1, start={start!r})"
    )


# ---------------------------------------------------------------- the fast path on real bodies
@pytest.mark.parametrize(
    ("module", "body"),
    [(get_me, REAL_ME), (list_my_workspaces, [REAL_WORKSPACE]), (list_projects, [REAL_PROJECT] * 3)],
    ids=["me", "workspaces", "projects"],
)
def test_real_shaped_bodies_take_the_fast_path(module: Any, body: Any, deviations: list[str]) -> None:
    result = decoded(module, body)
    assert list(deviations) == []  # a silent fall-back to the lenient path would log here
    first = result[0] if isinstance(result, list) else result
    assert first.additional_properties is None
    assert first.to_dict().keys() == (body[0] if isinstance(body, list) else body).keys()


def test_project_json_names_map_to_python_names() -> None:
    (project,) = decoded(list_projects, [REAL_PROJECT])
    assert project.can_see_rates is True and project.to_dict()["canSeeRates"] is True
    assert project.start_date == datetime.date(2024, 12, 1)


# ---------------------------------------------------------------- one object at a time
def test_one_unknown_field_sends_only_its_object_to_the_lenient_path(deviations: list[str]) -> None:
    body = [dict(ENTRY, id=i) for i in range(2000)]
    body[1234] = dict(body[1234], brand_new_field={"nested": [1, 2]})
    entries = decoded(list_time_entries, body)
    assert [e.id for e in entries] == list(range(2000))
    assert entries[1234].additional_properties == {"brand_new_field": {"nested": [1, 2]}}
    assert all(e.additional_properties is None for i, e in enumerate(entries) if i != 1234)
    assert entries[1234].to_dict()["brand_new_field"] == {"nested": [1, 2]}
    (line,) = list(deviations)  # logged once, at WARNING
    assert "brand_new_field" in line


def test_unknown_fields_are_never_dropped_on_any_path() -> None:
    nested = dict(REAL_WORKSPACE, te_constraints={**REAL_WORKSPACE["te_constraints"], "new_rule": True})
    (workspace,) = decoded(list_my_workspaces, [nested])
    assert workspace.te_constraints.additional_properties == {"new_rule": True}
    me = decoded(get_me, dict(REAL_ME, unheard_of=1))
    assert me.additional_properties == {"unheard_of": 1}


def test_missing_optional_fields_read_as_unset() -> None:
    body = {k: v for k, v in ENTRY.items() if k not in ("duronly", "pid", "tid")}
    (entry,) = decoded(list_time_entries, [body])
    assert entry.duronly is UNSET and entry.pid is UNSET and entry.additional_properties is None


# ---------------------------------------------------------------- first-call cost
def test_decoding_me_creates_only_the_model_classes_the_body_holds() -> None:
    # A short script's first /me must not pay for the classes of everything /me can embed (workspaces,
    # projects, time entries, ...): the decoder is built from the wire forms alone (issue 11).
    import subprocess
    import sys

    script = f"""
import json, sys, httpx
from toggl_async._generated.api.me import get_me
from toggl_async._generated.decoding import decode
from toggl_async._generated.errors import DefaultErrors
body = {json.dumps(json.dumps(REAL_ME))}.encode()
response = httpx.Response(200, content=body, request=httpx.Request("GET", "https://t/x"))
import typing
me = decode(response, typing.get_type_hints(get_me._from_data_1)["return"], get_me._from_data_1, DefaultErrors())
assert me.email == "ada@example.com" and me.options.additional_properties["theme"] == "dark"
loaded = sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("toggl_async._generated.models."))
print(json.dumps(loaded))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == ["_wire", "me", "me_options"]


def test_a_nested_model_class_is_created_when_a_body_holds_one() -> None:
    body = REAL_ME | {"workspaces": [REAL_WORKSPACE], "projects": [REAL_PROJECT]}
    me = decoded(get_me, body)
    assert type(me.workspaces[0]) is models.Workspace and me.workspaces[0].name == "Ada's workspace"
    assert type(me.projects[0]) is models.Project and me.projects[0].can_see_rates is True


# ---------------------------------------------------------------- fields Toggl added, in bulk
def test_new_fields_on_several_objects_are_all_kept(deviations: list[str]) -> None:
    body = [dict(ENTRY, id=i) for i in range(300)]
    body[10] = dict(body[10], added_one=1)
    body[20] = dict(body[20], added_two=[2])
    body[30] = dict(body[30], added_one=None, added_two={"x": 3})
    entries = decoded(list_time_entries, body)
    assert [e.id for e in entries] == list(range(300))
    assert entries[10].additional_properties == {"added_one": 1}
    assert entries[20].additional_properties == {"added_two": [2]}
    assert entries[30].additional_properties == {"added_one": None, "added_two": {"x": 3}}
    assert sum(e.additional_properties is not None for e in entries) == 3
    assert all("added_" in line for line in deviations) and len(list(deviations)) == 2


def test_a_new_field_beside_a_wrong_type_still_keeps_both(deviations: list[str]) -> None:
    body = [dict(ENTRY, id=i) for i in range(50)]
    body[7] = dict(body[7], added=True, duration="long")
    entries = decoded(list_time_entries, body)
    assert entries[7].additional_properties == {"added": True} and entries[7].duration == "long"
    assert entries[8].duration == ENTRY["duration"] and entries[8].additional_properties is None


@pytest.mark.parametrize("name", ["` - at `$[1]`", "with\nnewline", "id", "", "ünïcode", "a" * 300])
def test_hostile_new_field_names_are_kept_as_sent(name: str) -> None:
    body = [dict(ENTRY, id=i) for i in range(5)]
    body[2] = {**body[2], name: "value"} if name != "id" else {**body[2], "id ": "value"}
    key = name if name != "id" else "id "
    entries = decoded(list_time_entries, body)
    assert entries[2].additional_properties == {key: "value"} and entries[2].id == 2
    assert [e.id for e in entries] == list(range(5))


def test_decoders_for_new_fields_are_bounded() -> None:
    for i in range(decoding._MAX_EXTENDED + 20):
        body = [dict(ENTRY, id=1), dict(ENTRY, id=2, **{f"invented_{i}": i})]
        assert decoded(list_time_entries, body)[1].additional_properties == {f"invented_{i}": i}
    assert len(decoding._extended) <= decoding._MAX_EXTENDED
