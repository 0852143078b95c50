"""Whose fault each peer-conformance failure is, on what evidence (used by bench/peer_conformance.py).

A judgement names the peer(s) and job(s) it covers, a regex that the failure must show (searched in the
failure message and in the `METHOD path -> status` lines of the job's exchanges), whose fault it is and
the evidence. Faults:
- "fake": FakeToggl answers differently from the real Toggl; `real` says what the real one answers.
- "peer": the peer is simply wrong; the real Toggl would fail it too (or not accept what it sends).
- "toggl": the real Toggl refuses this too (plan limits and the like), so "fails" is the right answer.
A failure that no judgement covers is "not judged yet". A judgement that stops matching (the fake got
fixed) simply no longer applies: the job then shows "works" and its deviation leaves the list.

Evidence tags name the source: a peer's live-API test (file::test at the installed version's tag),
Toggl's published swagger (SW24 / SWNEW, see /work/shared/toggl-api-reference.md §0), recorded traffic
(VCR), or an issue thread (owner/repo#N).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from typing import Any

FAULT_TEXT = {
    "fake": "fake deviates",
    "peer": "peer bug",
    "toggl": "real Toggl refuses too",
    "unjudged": "not judged yet",
}


@dataclasses.dataclass(frozen=True)
class Judgement:
    """One explained failure: which peer/jobs, the regex it must show, whose fault, what real Toggl does.

    `route` (with `{placeholders}`) picks the exchange shown as evidence; `shown_by`, a regex on that
    exchange's request body, picks among several on the same route.
    """

    id: str
    fault: str
    peers: tuple[str, ...]
    jobs: tuple[str, ...]
    signature: str
    route: str
    what: str
    real: str
    evidence: str
    known: str = ""
    shown_by: str = ""

    def covers(self, peer: str, job: str, failure: str) -> bool:
        return peer in self.peers and job in self.jobs and re.search(self.signature, failure, re.S) is not None

    def route_pattern(self) -> re.Pattern[str]:
        """`GET /api/v9/workspaces/{wid}` -> a regex for `METHOD path?query` lines of the exchanges."""
        method, _, path = self.route.partition(" ")
        body = re.sub(r"\\\{[^}]*\\\}", "[^/?]+", re.escape(path))
        return re.compile(f"^{re.escape(method)} {body}(\\?|$)")


@dataclasses.dataclass(frozen=True)
class Verdict:
    """The table cell for one job of one peer: its status and, for a failure, the judgement of each problem."""

    peer: str
    job: str
    status: str
    outcome: Mapping[str, Any]
    judgements: tuple[Judgement, ...] = ()
    unjudged: tuple[str, ...] = ()

    @property
    def cell(self) -> str:
        if self.status == "works":
            return "works"
        if self.status == "unsupported":
            return "n/a: peer has no such call"
        if self.status == "not_run":
            return "not run (see notes)"
        return "fails: " + self.fault_text

    @property
    def fault_text(self) -> str:
        """`fake deviates (F1, F2); peer bug (P1)`, plus `not judged yet` for problems nothing explains."""
        parts = []
        for fault, label in FAULT_TEXT.items():
            ids = [j.id for j in self.judgements if j.fault == fault]
            if ids:
                parts.append(f"{label} ({', '.join(ids)})")
        if self.unjudged:
            parts.append(FAULT_TEXT["unjudged"])
        return "; ".join(parts)

    def unjudged_what(self, problem: str) -> str:
        """A problem nothing explains, with the last exchange of the job (status and the start of the body)."""
        last = [e for e in self.outcome.get("exchanges", []) if not e.get("setup")][-1:]
        if not last:
            return problem
        body = str(last[0].get("response", ""))[:300]
        return f"{problem} (last exchange: {exchange_line(last[0])} {body})".strip()


def request_line(exchange: Mapping[str, Any]) -> str:
    return f"{exchange['method']} {exchange['path']}"


def exchange_line(exchange: Mapping[str, Any]) -> str:
    return f"{request_line(exchange)} -> {exchange.get('status')}"


def failure_text(problem: str, outcome: Mapping[str, Any]) -> str:
    """What judgements search: one problem and every exchange of the job as `METHOD path -> status`."""
    lines = [problem] + [exchange_line(e) for e in outcome.get("exchanges", []) if not e.get("setup")]
    return "\n".join(lines)


def judge(peer: str, job: str, outcome: Mapping[str, Any], judgements: Iterable[Judgement] | None = None) -> Verdict:
    """The verdict on one job's outcome: works / unsupported pass through; each problem of a failure is judged."""
    status = outcome.get("status", "fails")
    if status != "fails":
        return Verdict(peer, job, status, outcome)
    candidates = list(JUDGEMENTS if judgements is None else judgements)
    found: list[Judgement] = []
    unjudged: list[str] = []
    for problem in outcome.get("problems") or [str(outcome.get("detail", "failed"))]:
        text = failure_text(problem, outcome)
        matches = [j for j in candidates if j.covers(peer, job, text)]
        found += [j for j in matches if j not in found]
        if not matches:
            unjudged.append(problem)
    return Verdict(peer, job, status, outcome, tuple(found), tuple(unjudged))


@dataclasses.dataclass
class Explained:
    """One judgement behind failures of this run: the jobs it explains and the exchange that shows it."""

    judgement: Judgement
    seen_in: list[str]
    exchange: Mapping[str, Any] | None

    ANSWER_EXCERPT = 400

    @property
    def sent(self) -> str:
        if self.exchange is None:
            return "-"
        body = self.exchange.get("request") or ""
        return request_line(self.exchange) + (f" body {body}" if body else "")

    @property
    def answered(self) -> str:
        if self.exchange is None:
            return "-"
        body = str(self.exchange.get("response", ""))
        body = body if len(body) <= self.ANSWER_EXCERPT else body[: self.ANSWER_EXCERPT] + " ..."
        return f"{self.exchange.get('status')} {body}".strip()

    def deviation_row(self) -> list[str]:
        j = self.judgement
        return [j.id, ", ".join(self.seen_in), j.route, j.what, self.sent, self.answered, j.real, j.evidence,
                j.known or "new"]  # fmt: skip

    def peer_row(self) -> list[str]:
        j = self.judgement
        return [j.id, FAULT_TEXT[j.fault], ", ".join(self.seen_in), j.what, j.real, j.evidence]


def explained(
    judged: Mapping[str, Mapping[str, Verdict]], faults: Iterable[str], titles: Mapping[str, str] | None = None
) -> list[Explained]:
    """The judgements of these faults behind this run's failures, once each, with the first exchange showing them.

    `titles` turns job keys into the table's job names in "seen in".
    """
    wanted = set(faults)
    found: dict[str, Explained] = {}
    for peer, jobs in judged.items():
        for job, verdict in jobs.items():
            for judgement in verdict.judgements:
                if judgement.fault not in wanted:
                    continue
                entry = found.setdefault(judgement.id, Explained(judgement, [], None))
                entry.seen_in.append(f"{peer}: {(titles or {}).get(job, job)}")
                if entry.exchange is None:
                    entry.exchange = _showing(judgement, verdict.outcome)
    return sorted(found.values(), key=lambda e: (e.judgement.id[0], int(e.judgement.id[1:])))


def _showing(judgement: Judgement, outcome: Mapping[str, Any]) -> Mapping[str, Any] | None:
    pattern = judgement.route_pattern()
    hits = [e for e in outcome.get("exchanges", []) if not e.get("setup") and pattern.match(request_line(e))
            and re.search(judgement.shown_by, str(e.get("request", "")))]  # fmt: skip
    return hits[-1] if hits else None


TP, TAW = "toggl-python", "toggl-api-wrapper"
TP_TESTS = "toggl-python live tests (tests/integration/, tag v0.3.2)"
TAW_TESTS = "toggl-api-wrapper live tests (tag v2.2.0; publish.yaml runs them against the real API)"

JUDGEMENTS: list[Judgement] = [
    Judgement(
        id="F1",
        fault="fake",
        peers=(TP,),
        jobs=("me", "me_related"),
        signature=(
            r"toggl_accounts_id\s+Field required|authorization_updated_at\s+Field required"
            r"|image_url\s+Input should be a valid URL"
            r"|/me.*lacks \[[^]]*'(toggl_accounts_id|authorization_updated_at|intercom_hash|image_url)'"
        ),
        route="GET /api/v9/me",
        what=(
            '/me lacks toggl_accounts_id, authorization_updated_at and intercom_hash, and image_url is ""; '
            "toggl-python's MeResponse cannot decode it"
        ),
        real=(
            "a user object with toggl_accounts_id (22 chars), authorization_updated_at, intercom_hash (64 hex), "
            "oauth_providers, and image_url a URL"
        ),
        evidence=(
            f"{TP_TESTS}: test_user.py::test_me__ok asserts every MeResponse field is present on the live /me; "
            "docs (SEED2) list these user fields; recorded traffic (VCR) shows toggl_accounts_id"
        ),
        known="issue 12, item 3",
    ),
    Judgement(
        id="F2",
        fault="fake",
        peers=(TP,),
        jobs=("workspace_get", "me_related", "workspaces_list"),
        signature=r"logo_url\s+Input should be a valid string",
        route="GET /api/v9/workspaces/{wid}",
        what="workspaces carry logo_url null; toggl-python's WorkspaceResponse (logo_url: str) cannot decode them",
        real="logo_url is a string: Toggl's default logo image URL when none was uploaded",
        evidence=(
            f"{TP_TESTS}: test_workspace.py::test_get_workspace_by_id decodes the live workspace with "
            "`logo_url: str` and asserts every field is present"
        ),
        known="issue 12, item 3",
    ),
    Judgement(
        id="F3",
        fault="fake",
        peers=(TP,),
        jobs=("workspaces_list",),
        signature=r"GET /api/v9/workspaces -> 404",
        route="GET /api/v9/workspaces",
        what='GET /api/v9/workspaces answers 404 (plain text "404 page not found")',
        real="200 with the user's workspaces (every WorkspaceResponse field) when no search term is given",
        evidence=(
            f"{TP_TESTS}: test_workspace.py::test_get_workspaces__without_query_params (Workspace.list() -> "
            "GET /workspaces, live); the operation is in Toggl's published swagger (SW24 `search-workspace`)"
        ),
        known="issue 12, item 4",
    ),
    Judgement(
        id="F4",
        fault="fake",
        peers=(TP,),
        jobs=("project_create",),
        signature=r"create answer .*carries \[[^]]*'status'",
        route="POST /api/v9/workspaces/{wid}/projects",
        what="the create answer carries `status`",
        real="the create answer has no `status` (it is set from the first read on)",
        evidence=(
            f"{TP_TESTS}: test_project.py::test_create_project__without_query_params (`optional_fields = "
            '{"end_date", "status"}`, "Field `status` is not set until first fetch request", compared with '
            "model_fields_set)"
        ),
        known="issue 12, item 9",
    ),
    Judgement(
        id="F5",
        fault="fake",
        peers=(TP,),
        jobs=("project_create", "project_get", "project_list", "project_update", "me_related"),
        signature=r"carries \[[^]]*'end_date'",
        route="GET /api/v9/workspaces/{wid}/projects/{pid}",
        what="project objects carry `end_date: null` when no end date is set",
        real="`end_date` is omitted while unset",
        evidence=(
            f"{TP_TESTS}: test_project.py::test_get_project_by_id, ::test_get_projects__without_query_params and "
            '::test_update_project expect every field but end_date ("`end_date` is still absent")'
        ),
        known="issue 12, items 9 and 11",
    ),
    Judgement(
        id="F6",
        fault="fake",
        peers=(TP,),
        jobs=("project_get",),
        signature=r"created without `active` reads back active=True",
        route="GET /api/v9/workspaces/{wid}/projects/{pid}",
        what='a project created without `active` (POST .../projects {"name": ...}) reads back active, status "active"',
        real='it is created archived: active false, status "archived"',
        evidence=(
            f'{TP_TESTS}: test_project.py ("Field `status` is set to `archived` after first fetch request"; '
            "::test_get_projects__with_statuses_query_params finds it under statuses=archived); "
            "bokub/wakatime-to-toggl#7 (2025-01: new projects archived unless active is sent)"
        ),
        known="issue 12, item 1",
    ),
    Judgement(
        id="F7",
        fault="fake",
        peers=(TP, TAW),
        jobs=("project_create_client_name",),
        signature=r"isn't present in workspace|POST /api/v9/workspaces/\d+/projects -> 400",
        route="POST /api/v9/workspaces/{wid}/projects",
        what="a create with an unknown `client_name` is refused with 400 \"Client '...' isn't present in workspace\"",
        real="the client is created and the project belongs to it",
        evidence=(
            f"{TP_TESTS}: test_project.py::test_create_project__all_params sends a random `client_name` half the "
            'time and expects success; toggl-api-wrapper docs/README.md "Project Endpoint" example '
            '(client_name="My First Client" answers client=65298912)'
        ),
        known="issue 12, item 5",
    ),
    Judgement(
        id="F8",
        fault="fake",
        peers=(TP,),
        jobs=("project_list_by_clients",),
        signature=r"the two clients' projects are.*\n.*client_ids=\d+&client_ids=\d+",
        route="GET /api/v9/workspaces/{wid}/projects",
        what="`client_ids=A&client_ids=B` (the form toggl-python sends, httpx list params) filters on B only",
        real="projects of both clients",
        evidence=(
            "issue 12, item 8 (the lead's finding); Toggl's published swagger declares client_ids a query array "
            "(SW24). The stores hold no recorded live request in the repeated form: the weakest evidence here"
        ),
        known="issue 12, item 8",
    ),
    Judgement(
        id="F9",
        fault="fake",
        peers=(TAW,),
        jobs=("entries_bulk_edit",),
        signature=r"has no offset",
        route="PATCH /api/v9/workspaces/{wid}/time_entries/{ids}",
        what='a bulk PATCH replacing /start with a date only ("2026-11-28") fails per id: "Invalid date ... no offset"',
        real="success for every id",
        evidence=(
            f"{TAW_TESTS}: tests/test_trackers/test_trackers.py::test_tracker_bulk_edit (TrackerBody(start=now) "
            "goes out as a date-only /start, TrackerBody._format_bulk_edit; asserts every id in successes)"
        ),
        known="issue 12, item 6",
    ),
    Judgement(
        id="F10",
        fault="fake",
        peers=(TP,),
        jobs=("me_update",),
        signature=r"UpdateMeResponse.*((toggl_accounts_updated_at|toggl_accounts_id)\s+Field required|image_url)",
        route="PUT /api/v9/me",
        what=(
            "the PUT /me answer lacks toggl_accounts_updated_at (and the /me fields of F1); toggl-python's "
            "UpdateMeResponse cannot decode it"
        ),
        real="the updated user object, with toggl_accounts_id, toggl_accounts_updated_at and image_url a URL",
        evidence=(
            f"{TP_TESTS}: test_user.py::test_update_me__ok decodes the live answer as UpdateMeResponse "
            "(toggl_accounts_updated_at: datetime, required)"
        ),
        known="issue 12, item 3",
        shown_by="fullname",
    ),
    Judgement(
        id="F11",
        fault="fake",
        peers=(TP,),
        jobs=("me_update",),
        signature=r"refused with .*User does not have access|PUT /api/v9/me -> 403",
        route="PUT /api/v9/me",
        what=(
            'PUT /me with a default_workspace_id the user is not in answers 403 "User does not have access to '
            'this resource"'
        ),
        real='400 "Invalid default_workspace_id"',
        evidence=(
            f"{TP_TESTS}: test_user.py::test_update_me__unavailable_default_workspace_id "
            '(BadRequest matching "Invalid default_workspace_id")'
        ),
        known="issue 12, item 7",
        shown_by="default_workspace_id",
    ),
    Judgement(
        id="F12",
        fault="fake",
        peers=(TP,),
        jobs=("me_related",),
        signature=r"with_related_data=true .*lacks \[[^]]*'(projects|tags|time_entries|workspaces)'",
        route="GET /api/v9/me",
        what="/me?with_related_data=true leaves out related collections (projects, tags, time_entries) it has none of",
        real="every related collection is there, null when empty; only `clients` may be missing",
        evidence=(
            f"{TP_TESTS}: test_user.py::test_me__with_related_data expects every MeResponseWithRelatedData field but "
            'clients ("Clients fields is present if at least 1 client exists"); docs (SEED2): the related arrays are '
            "null when absent"
        ),
        shown_by="",
    ),
    Judgement(
        id="P1",
        fault="peer",
        peers=(TAW,),
        jobs=("project_list_by_clients",),
        signature=r"the two clients' projects are.*\nGET /api/v9/workspaces/\d+/projects -> ",
        route="GET /api/v9/workspaces/{wid}/projects",
        what=(
            "ProjectEndpoint.collect puts the filters (client_ids, since, statuses, ...) in a JSON body, and "
            "TogglEndpoint._build_request drops bodies of GET requests: no filter is sent, every project comes back"
        ),
        real="the filters are query parameters of GET /workspaces/{wid}/projects: the real Toggl lists everything too",
        evidence=(
            'toggl_api/_project.py (collect -> body.format("collect")) and toggl_api/meta/_base_endpoint.py '
            "(`json=body if requires_body else None`, GET excluded); Toggl's published swagger (SW24) lists the "
            "filters as parameters of the GET"
        ),
    ),
]
