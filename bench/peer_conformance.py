"""Peer conformance: outside Toggl clients run their main jobs against FakeToggl over loopback (issue 12).

    .venv/bin/python bench/peer_conformance.py               # venvs, run, print the table, rewrite bench/PEERS.md
    .venv/bin/python bench/peer_conformance.py --no-write    # the same without touching bench/PEERS.md
    .venv/bin/python bench/peer_conformance.py --peer toggl-python --reports raw.json   # one peer, every exchange

Not part of `make test` (the peers' pins clash with ours and with each other) nor of `make bench`.

What it does:
1. Installs toggl-python 0.3.2 and toggl-api-wrapper 2.2.0, each into its own venv under
   bench/.venv-peers/ (`peers.ensure`: pinned, rebuilt only when the pins change; the first run needs
   PyPI and about a minute, later runs nothing).
2. Per peer, serves a fresh FakeToggl with uvicorn on 127.0.0.1 (a free port, in a thread, on the wall
   clock, pacing and quotas off as `python -m toggl_async.testing` serves it) and adds one user.
3. Runs `bench/peer_jobs/job_<peer>.py` with the peer's venv. That script points the peer at the fake (the
   recipes of /work/shared/peers-notes.md §6), does every job of `peer_jobs/catalog.py` the peer can do
   and prints, per job, works / fails / unsupported with the HTTP exchanges it caused. A job works when
   the peer's call returns and the checks its own live-API tests make against the real Toggl hold.
   Nothing leaves loopback: the job process refuses (and reports) any request, DNS lookup or connect to
   another host, and its HTTP(S)_PROXY points at an unroutable address (see peer_jobs/harness.py).
4. Judges each failure with `peer_verdicts.JUDGEMENTS` (whose fault, on what evidence) and prints the
   job x peer table, the deviations of the fake (route, what the peer sent, what the fake answered, what
   the real Toggl answers, evidence), the failures that are the peers' and any not judged yet; writes them
   to bench/PEERS.md.
   A failure no judgement explains shows as "fails (not judged yet)": judge it before trusting the table.

Takes 10-20 s on this 2-core machine once the venvs exist (two peers, 31 jobs each, four 1 s sleeps).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from common import BENCH, Result, Table, Target, finish, parser, run_json, verdict as verdict_of
from peer_verdicts import Verdict, explained, judge
from peers import PEERS, Peer, ensure

sys.path.insert(0, str(BENCH / "peer_jobs"))
from catalog import JOBS

JOB_SCRIPTS = BENCH / "peer_jobs"
PEERS_MD = BENCH / "PEERS.md"
COMMAND = ".venv/bin/python bench/peer_conformance.py"
JOB_TIMEOUT = 120.0
# RFC 5737 TEST-NET-1: never routed, so a proxied request that escaped the guard still reaches nobody.
UNROUTABLE_PROXY = "http://192.0.2.1:9"


@dataclasses.dataclass(frozen=True)
class ConformancePeer:
    """A peer under test: its venv (shared with the other benchmarks where it is the same) and its job script."""

    peer: Peer
    script: str

    @property
    def name(self) -> str:
        return self.peer.name


CONFORMANCE_PEERS = {
    "toggl-python": ConformancePeer(PEERS["toggl-python"], "job_toggl_python.py"),
    "toggl-api-wrapper": ConformancePeer(
        Peer(
            "toggl-api-wrapper",
            ("toggl-api-wrapper==2.2.0", "httpx==0.28.1"),
            "import toggl_api",
            "class attributes: `TogglEndpoint.BASE_ENDPOINT = 'http://127.0.0.1:P/api/v9/'`, "
            "`ReportEndpoint.BASE_ENDPOINT = 'http://127.0.0.1:P/reports/api/v3/'`",
        ),
        "job_toggl_api_wrapper.py",
    ),
}


def use_fake_from(root: Path) -> str:
    """Import toggl_async (so FakeToggl) from this checkout, not whichever one the venv has installed."""
    sys.path.insert(0, str(root))
    import toggl_async

    return str(Path(toggl_async.__file__).parent)


@contextlib.contextmanager
def served_fake(peer: str) -> Iterator[dict[str, str]]:
    """A fresh FakeToggl on a free loopback port with one user; yields the job script's environment."""
    from toggl_async.testing import FakeToggl, SystemClock
    from toggl_async.testing.serve import serve_in_thread

    fake = FakeToggl(clock=SystemClock(), rate=None, quotas=False)
    user = fake.add_user(f"{peer}@example.com", fullname=f"{peer} conformance")
    with serve_in_thread(fake, log_level="error") as base_url:
        yield {
            "CONFORMANCE_BASE_URL": base_url,
            "CONFORMANCE_TOKEN": user.api_token,
            "CONFORMANCE_USER_ID": str(user.id),
            "CONFORMANCE_WORKSPACE_ID": str(user.default_workspace_id),
            "CONFORMANCE_ORGANIZATION_ID": str(user.organization_id),
            **{
                name: UNROUTABLE_PROXY
                for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
            },
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }


def run_peer(peer: ConformancePeer) -> dict[str, Any]:
    """The job script's report for one peer (or {"error": ...} when it could not be installed or run)."""
    problem = ensure(peer.peer)
    if problem is not None:
        return {"error": f"not installed: {problem}"}
    with served_fake(peer.name) as env:
        report: dict[str, Any] = run_json([str(JOB_SCRIPTS / peer.script)], peer.peer.python, JOB_TIMEOUT, env)
    return report


def verdicts(reports: dict[str, dict[str, Any]]) -> dict[str, dict[str, Verdict]]:
    """peer -> job -> verdict, for every job of the catalog."""
    table: dict[str, dict[str, Verdict]] = {}
    for peer, report in reports.items():
        outcomes = {outcome["job"]: outcome for outcome in report.get("jobs", [])}
        # A script that could not run at all is one note, not one failure per job.
        missing = {"status": "not_run" if "error" in report else "fails", "detail": "no outcome reported",
                   "exchanges": []}  # fmt: skip
        table[peer] = {job: judge(peer, job, outcomes.get(job, {"job": job, **missing})) for job in JOBS}
    return table


def build_result(reports: dict[str, dict[str, Any]]) -> Result:
    """The tables, the target and the notes of one run, from the job scripts' reports."""
    judged = verdicts(reports)
    fake = Table("Deviations of the fake that the peers ran into", DEVIATION_COLUMNS)
    fake.rows = [entry.deviation_row() for entry in explained(judged, ["fake"], JOBS)]
    others = Table("Failures that are not the fake's", ["id", "whose", "seen in", "what happens", "real Toggl",
                                                       "evidence"])  # fmt: skip
    others.rows = [entry.peer_row() for entry in explained(judged, ["peer", "toggl"], JOBS)]
    unjudged = Table("Failures not judged yet (judge them in bench/peer_verdicts.py)", ["peer", "job", "problem"])
    for peer, jobs in judged.items():
        for job, verdict in jobs.items():
            unjudged.rows += [[peer, JOBS[job], verdict.unjudged_what(problem)] for problem in verdict.unjudged]
    tables = [matrix(reports, judged), fake, others, unjudged]
    result = Result("peer_conformance", "Peer conformance: outside clients against FakeToggl", COMMAND,
                    tables=tables, targets=[target(judged)], notes=notes(reports))  # fmt: skip
    return result


DEVIATION_COLUMNS = ["id", "seen in", "route", "what the fake does", "the peer sent", "the fake answered",
                     "real Toggl answers", "evidence", "known?"]  # fmt: skip


def matrix(reports: dict[str, dict[str, Any]], judged: dict[str, dict[str, Verdict]]) -> Table:
    """The job x peer table, with one summary line per peer."""
    heading = [f"{peer} {reports[peer].get('version', '')}".strip() for peer in judged]
    table = Table("Jobs x peers against FakeToggl on loopback", ["job", *heading])
    table.rows = [[title, *(judged[peer][job].cell for peer in judged)] for job, title in JOBS.items()]
    table.notes = [f"{peer}: {summary(jobs.values())}" for peer, jobs in judged.items()]
    return table


def target(judged: dict[str, dict[str, Verdict]]) -> Target:
    """Issue 12's acceptance: no job fails on the fake's account, and no failure is left unexplained."""
    verdicts_ = [verdict for jobs in judged.values() for verdict in jobs.values()]
    ids = {j.id for verdict in verdicts_ for j in verdict.judgements if j.fault == "fake"}
    failing = sum(any(j.fault == "fake" for j in verdict.judgements) for verdict in verdicts_)
    unexplained = sum(bool(verdict.unjudged) for verdict in verdicts_)
    listed = ", ".join(sorted(ids, key=lambda i: int(i[1:]))) or "none"
    return Target(
        "every job a peer supports and the real Toggl answers works against the fake (issue 12)",
        f"{failing} job(s) fail on the fake's account ({listed}), {unexplained} not judged yet",
        verdict_of(failing == 0 and unexplained == 0),
    )


def notes(reports: dict[str, dict[str, Any]]) -> list[str]:
    """What the loopback guard saw in each job process, and any peer that could not run."""
    out = []
    for peer, report in reports.items():
        if report.get("guard"):
            out.append(f"{peer} loopback guard self-test: {report['guard']}")
        if report.get("off_loopback"):
            out.append(f"{peer} tried to leave loopback (refused): {report['off_loopback']}")
        if "error" in report:
            out.append(f"{peer}: {report['error']}")
    left = any(report.get("off_loopback") for report in reports.values())
    out.append("SOME REQUESTS TRIED TO LEAVE LOOPBACK (refused by the guard)" if left else "no request left loopback")
    return out


def summary(verdicts_of_peer: Iterable[Verdict]) -> str:
    """`25 work, 2 fail on the fake's account, 1 on the peer's, 3 n/a` for one peer's column."""
    counts: dict[str, int] = {}
    for verdict in verdicts_of_peer:
        if verdict.status != "fails":
            kind = {"works": "work", "unsupported": "n/a"}.get(verdict.status, "not run")
        elif verdict.unjudged:
            kind = "not judged yet"
        elif any(j.fault == "fake" for j in verdict.judgements):
            kind = "fail on the fake's account"
        else:
            kind = "fail on the peer's (or real Toggl's) account"
        counts[kind] = counts.get(kind, 0) + 1
    return ", ".join(f"{n} {kind}" for kind, n in counts.items())


def markdown(result: Result) -> str:
    """bench/PEERS.md: the tables of one run, regenerated whole by this script."""
    out = [
        "# Peer conformance: outside Toggl clients against FakeToggl",
        "",
        f"Generated by `{result.command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} "
        f"in {result.seconds:.0f} s; do not edit by hand. How it works: the docstring of "
        "`bench/peer_conformance.py`. A job works when the peer's call returns and the checks the peer's own "
        "live-API tests make against the real Toggl hold; each failure is judged in `bench/peer_verdicts.py`.",
    ]
    for table in result.tables:
        out += ["", f"## {table.title}", ""]
        if not table.rows:
            out.append("(none)")
            continue
        out.append("| " + " | ".join(table.columns) + " |")
        out.append("|" + "---|" * len(table.columns))
        out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
        out += [""] + [f"{note}" for note in table.notes] if table.notes else []
    out += ["", "## Target", ""] + [f"- **{t.status}**: {t.goal}: {t.measured}" for t in result.targets]
    out += ["", "## Notes", ""] + [f"- {note}" for note in result.notes]
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main() -> None:
    args = parser(__doc__)
    args.add_argument("--peer", action="append", choices=sorted(CONFORMANCE_PEERS), help="only this peer")
    args.add_argument("--no-write", action="store_true", help="do not rewrite bench/PEERS.md")
    args.add_argument("--reports", type=Path, help="also write each peer's raw report (every job's exchanges) here")
    args.add_argument("--fake-root", type=Path, default=BENCH.parent,
                      help="checkout whose toggl_async serves the fake (default: this one)")  # fmt: skip
    options = args.parse_args()
    started = time.perf_counter()
    fake_from = use_fake_from(options.fake_root.resolve())
    names = options.peer or list(CONFORMANCE_PEERS)
    reports = {name: run_peer(CONFORMANCE_PEERS[name]) for name in names}
    result = build_result(reports)
    result.notes.insert(0, f"FakeToggl served from {Path(fake_from).relative_to(options.fake_root.resolve().parent)}")
    if options.reports is not None:
        options.reports.write_text(json.dumps(reports, indent=1))
    finish(result, started, options.json)
    if not options.no_write:
        PEERS_MD.write_text(markdown(result))
        print(f"wrote {PEERS_MD.relative_to(BENCH.parent)}")


if __name__ == "__main__":
    main()
