"""`toggl-async demo`: the SDK's main job with no account needed."""

from __future__ import annotations

import argparse
import datetime
import tempfile
from pathlib import Path
from typing import Any

from toggl_async.cli.failures import UsageError
from toggl_async.cli.output import Output, duration, hours
from toggl_async.cli.sync_command import print_changes, sync_into

SEED = {"seed": "demo", "users": 3, "projects": 12, "time_entries": 3000, "days": 90}


async def demo(args: argparse.Namespace, out: Output) -> int:
    """Seed a FakeToggl in process, sync it into SQLite, start and stop a timer, print a weekly report."""
    from toggl_async.cli.app import Session
    from toggl_async.client import Toggl
    from toggl_async.testing import FakeToggl, SystemClock

    if out.format in ("json", "csv", "tsv"):
        raise UsageError("demo is a walkthrough for people: it prints tables and sentences, not --json/--format")
    if out.format == "plain":
        out.format = "table"  # a walkthrough for people: titled tables even when piped into a file
    fake = FakeToggl.seeded(**SEED, clock=SystemClock(), quotas=True)  # type: ignore[arg-type]
    out.line(f"FakeToggl (in process): {SEED['users']} users, {SEED['projects']} projects, "
             f"{SEED['time_entries']:,} time entries over {SEED['days']} days; hourly quotas on.")  # fmt: skip
    async with Toggl(fake.users[0].api_token, transport=fake.transport(), rate=None) as toggl:
        session = Session(toggl, out, fake)
        with tempfile.TemporaryDirectory() as folder:
            database = Path(folder) / "toggl.sqlite"
            print_changes(session, await sync_into(session, database), f"1. First sync into {database.name}")
            before = fake.request_count
            print_changes(session, await sync_into(session, database), "2. Incremental sync (nothing changed)")
            out.line(f"   the incremental sync cost {fake.request_count - before} requests")
        await _timer(session)
        await _weekly(session)
    counted = [entry for entry in fake.log if entry.status != 401]
    out.line(f"5. Requests sent: {len(counted)} in all; quota left: {toggl.quota.remaining} "
             f"(resets in {duration(toggl.quota.resets_in)})")  # fmt: skip
    return 0


async def _timer(session: Any) -> None:
    toggl, out = session.toggl, session.out
    me = await session.me()
    project = await anext(aiter(toggl.iter_projects(me.default_workspace_id)), None)
    started = await toggl.start_timer(
        me.default_workspace_id, "Trying toggl-async", project_id=project.id if project else None,
        start=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=25),
    )  # fmt: skip
    on = repr(project.name) if project else "no project"
    out.line(f"3. Started a timer on {on} (backdated 25 min), id {started.id}")
    stopped = await toggl.stop_timer(started)
    out.line(f"   stopped it after {duration(stopped.duration if stopped else None)}")


async def _weekly(session: Any) -> None:
    from toggl_async.models import ReportFilters

    me = await session.me()
    # Last week: complete, and full of the seeded history.
    today = datetime.date.today()
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    rows = await session.toggl.reports.get_weekly_report(
        me.default_workspace_id, body=ReportFilters(start_date=monday, end_date=monday + datetime.timedelta(days=6))
    )
    days = [(monday + datetime.timedelta(days=i)).strftime("%a") for i in range(7)]
    table = [(r.user_name, r.project_name or "(no project)", *(hours(s) for s in (r.seconds or [0] * 7)))
             for r in rows]  # fmt: skip
    session.out.table(f"4. Weekly report, week of {monday}", ["user", "project", *days], table, raw=rows)


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("demo", parents=[common], help="the walkthrough against a built-in fake Toggl")
    parser.set_defaults(handler=demo)
