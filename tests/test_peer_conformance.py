"""The verdict and table logic of bench/peer_conformance.py, without the peers' venvs or a server.

The conformance run itself is not part of the suite (the peers' pins clash); these tests keep its
judging honest: a failure is pinned on the fake only by a judgement whose evidence matches it, a
failure nothing explains shows as such, the evidence shown is the peer's own request, and every job
the catalog lists is handled by every peer's job script.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path[:0] = [str(BENCH), str(BENCH / "peer_jobs")]

import peer_conformance  # noqa: E402
import peer_verdicts  # noqa: E402
from catalog import JOBS  # noqa: E402
from harness import mask  # noqa: E402

WORKSPACES_404 = {"method": "GET", "path": "/api/v9/workspaces", "status": 404, "request": "",
                  "response": "404 page not found", "setup": False}  # fmt: skip


def failed(*problems: str, exchanges: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"status": "fails", "detail": "; ".join(problems), "problems": list(problems),
            "exchanges": exchanges or []}  # fmt: skip


def test_a_failure_its_evidence_explains_is_the_fakes() -> None:
    verdict = peer_verdicts.judge(
        "toggl-python", "workspaces_list", failed("BadRequest: 404", exchanges=[WORKSPACES_404])
    )

    assert verdict.cell == "fails: fake deviates (F3)"
    assert [j.id for j in verdict.judgements] == ["F3"]


def test_the_same_symptom_on_another_peer_or_job_is_not_judged() -> None:
    # F3 is judged on toggl-python's workspace listing only; elsewhere the same 404 needs its own judgement.
    other_peer = peer_verdicts.judge("toggl-api-wrapper", "workspaces_list", failed("404", exchanges=[WORKSPACES_404]))
    other_job = peer_verdicts.judge("toggl-python", "workspace_get", failed("404", exchanges=[WORKSPACES_404]))

    assert other_peer.cell == other_job.cell == "fails: not judged yet"


def test_every_problem_of_a_job_is_judged_on_its_own() -> None:
    outcome = failed("check failed: create answer [\"carries ['end_date', 'status'] (absent on the real API)\"]",
                     "check failed: something nobody has looked at")  # fmt: skip

    verdict = peer_verdicts.judge("toggl-python", "project_create", outcome)

    assert verdict.cell == "fails: fake deviates (F4, F5); not judged yet"
    assert verdict.unjudged == ("check failed: something nobody has looked at",)


def test_works_and_unsupported_pass_through() -> None:
    works = peer_verdicts.judge("toggl-python", "me", {"status": "works", "detail": "", "exchanges": []})
    absent = peer_verdicts.judge("toggl-python", "tag_list", {"status": "unsupported", "detail": "no tags API"})

    assert (works.cell, absent.cell) == ("works", "n/a: peer has no such call")


def test_a_peer_bug_is_listed_apart_from_the_fakes_deviations() -> None:
    listing = {"method": "GET", "path": "/api/v9/workspaces/1/projects", "status": 200, "setup": False}
    outcome = failed("check failed: listed [1, 2, 3], the two clients' projects are [1, 2]", exchanges=[listing])
    judged = {"toggl-api-wrapper": {"project_list_by_clients": peer_verdicts.judge(
        "toggl-api-wrapper", "project_list_by_clients", outcome)}}  # fmt: skip

    assert judged["toggl-api-wrapper"]["project_list_by_clients"].cell == "fails: peer bug (P1)"
    assert peer_verdicts.explained(judged, ["fake"]) == []
    assert [e.judgement.id for e in peer_verdicts.explained(judged, ["peer"])] == ["P1"]


def test_the_exchange_shown_is_the_peers_request_on_the_judged_route() -> None:
    setup = {"method": "PUT", "path": "/api/v9/me", "status": 200, "request": '{"fullname": "x"}', "setup": True}
    update = {"method": "PUT", "path": "/api/v9/me", "status": 200, "request": '{"fullname": "Peer"}', "setup": False}
    refused = {"method": "PUT", "path": "/api/v9/me", "status": 403, "request": '{"default_workspace_id": 9}',
               "response": '"User does not have access to this resource"', "setup": False}  # fmt: skip
    outcome = failed(
        "ValidationError: 1 validation error for UpdateMeResponse toggl_accounts_updated_at Field required",
        'check failed: refused with "User does not have access to this resource"',
        exchanges=[setup, update, refused],
    )
    judged = {"toggl-python": {"me_update": peer_verdicts.judge("toggl-python", "me_update", outcome)}}

    shown = {e.judgement.id: e.exchange for e in peer_verdicts.explained(judged, ["fake"])}

    assert shown == {"F10": update, "F11": refused}


def test_route_patterns_match_the_route_and_nothing_longer() -> None:
    listing = next(j for j in peer_verdicts.JUDGEMENTS if j.id == "F3").route_pattern()
    one = next(j for j in peer_verdicts.JUDGEMENTS if j.id == "F2").route_pattern()

    assert listing.match("GET /api/v9/workspaces") and listing.match("GET /api/v9/workspaces?name=x")
    assert not listing.match("GET /api/v9/workspaces/8000000")
    assert one.match("GET /api/v9/workspaces/8000000") and not one.match("GET /api/v9/workspaces/8000000/projects")


def test_judgements_name_real_peers_jobs_and_unique_ids() -> None:
    ids = [j.id for j in peer_verdicts.JUDGEMENTS]

    assert len(ids) == len(set(ids))
    for judgement in peer_verdicts.JUDGEMENTS:
        assert set(judgement.peers) <= set(peer_conformance.CONFORMANCE_PEERS), judgement.id
        assert set(judgement.jobs) <= set(JOBS), judgement.id
        assert judgement.fault in ("fake", "peer", "toggl") and judgement.evidence, judgement.id
        re.compile(judgement.signature)


@pytest.mark.parametrize("peer", sorted(peer_conformance.CONFORMANCE_PEERS))
def test_every_job_script_handles_every_catalog_job(peer: str) -> None:
    source = (BENCH / "peer_jobs" / peer_conformance.CONFORMANCE_PEERS[peer].script).read_text()
    handled = set(re.findall(r'jobs\.(?:run|unsupported)\("(\w+)"', source))
    handled |= {key for loop in re.findall(r"for key in \(([^)]*)\)", source) for key in re.findall(r'"(\w+)"', loop)}

    assert handled == set(JOBS)


def test_the_markdown_table_keeps_its_columns_whatever_the_cells_hold() -> None:
    reports = {"toggl-python": {"version": "0.3.2", "jobs": [
        {"job": "me", "status": "fails", "detail": "a | b", "problems": ["a | b"], "exchanges": []}]}}  # fmt: skip

    text = peer_conformance.markdown(peer_conformance.build_result(reports))

    rows = [line for line in text.splitlines() if line.startswith("| toggl-python | me: who am I |")]
    assert len(rows) == 1
    cells = re.split(r"(?<!\\)\|", rows[0])[1:-1]
    assert [c.strip() for c in cells] == ["toggl-python", "me: who am I", "a \\| b"]


def test_a_script_that_could_not_run_is_one_note_not_a_failure_per_job() -> None:
    reports = {"toggl-python": {"error": "exit 1: ImportError: nope"}}

    result = peer_conformance.build_result(reports)

    cells = {row[1] for row in result.tables[0].rows}
    assert cells == {"not run (see notes)"}
    assert any("ImportError: nope" in note for note in result.notes)


def test_tokens_are_masked_in_what_the_job_scripts_report(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFORMANCE_TOKEN", "0123456789abcdef0123456789abcdef")

    text = mask('{"api_token":"feedfacefeedfacefeedfacefeedface","x":"0123456789abcdef0123456789abcdef"}')

    assert "feedface" not in text and "0123456789abcdef" not in text
    assert text == '{"api_token":"<token>","x":"<token>"}'
