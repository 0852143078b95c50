"""The SQLite mirror as its users query it: the `entries` and `entry_tags` views, the tables and example
queries, and the upgrade of a file written before the views existed."""

from __future__ import annotations

import contextlib
import datetime
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

from sync_world import act

from toggl_async import Toggl
from toggl_async.sync.engine import Sync
from toggl_async.sync.sqlite import SCHEMA_VERSION, SQLiteStore, migrate
from toggl_async.testing import FakeToggl, FakeUser

# The user docs page of the mirror (it was the README's section until the docs site).
MIRROR_DOC = Path(__file__).parents[2] / "docs" / "mirror.md"
DAY = "2024-12-16"
AT = "2024-12-16T18:00:00.000000Z"


def entry(entry_id: int, start: str, stop: str | None, duration: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": entry_id, "workspace_id": 1, "project_id": None, "task_id": None, "user_id": 7, "description": "Work",
        "start": start, "stop": stop, "duration": duration, "billable": False, "tags": [], "tag_ids": [], "at": AT,
        "server_deleted_at": None, **fields,
    }  # fmt: skip


def query(path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute(sql, params).fetchall()


async def test_a_days_sum_of_duration_leaves_running_entries_out(tmp_path: Path) -> None:
    """Toggl marks a running entry with `stop` null and a negative duration: -1 when started through the API,
    minus the start as UNIX seconds when started in Toggl's apps (toggl-api-reference.md, "Observed creation
    semantics" [V:VCR]). Either would make a plain SUM of the day negative or off by ~1.7e9 seconds."""
    app_start = datetime.datetime(2024, 12, 16, 15, 0, tzinfo=datetime.UTC)
    path = tmp_path / "mirror.db"
    async with SQLiteStore(path) as store:
        await store.apply("time_entries", [
            entry(1, f"{DAY}T08:00:00+00:00", f"{DAY}T08:30:00+00:00", 1800),
            entry(2, f"{DAY}T09:00:00+00:00", f"{DAY}T09:15:00+00:00", 900),
            entry(3, f"{DAY}T14:00:00+00:00", None, -1),  # started through the API
            entry(4, app_start.isoformat(), None, -int(app_start.timestamp())),  # started in Toggl's apps
            entry(5, f"{DAY}T10:00:00+00:00", f"{DAY}T11:00:00+00:00", 3600, server_deleted_at=AT),  # deleted
            entry(6, "2024-12-17T08:00:00+00:00", "2024-12-17T08:10:00+00:00", 600),  # the next day
        ])  # fmt: skip
    day = "WHERE start >= ? AND start < ?", DAY, "2024-12-17"
    assert query(path, f"SELECT sum(duration) FROM entries {day[0]}", *day[1:]) == [(2700,)]
    assert query(path, f"SELECT id, stop, duration FROM entries {day[0]} AND running = 1 ORDER BY id", *day[1:]) == [
        (3, None, None), (4, None, None),
    ]  # fmt: skip
    assert query(path, "SELECT id FROM entries WHERE running = 0 ORDER BY id") == [(1,), (2,), (6,)]
    # The table keeps Toggl's values as sent.
    assert query(path, "SELECT duration FROM time_entries WHERE id = 3") == [(-1,)]


async def test_entries_and_entry_tags_join_what_a_sync_brought(
    fake: FakeToggl, user: FakeUser, toggl: Toggl, recent: datetime.date, tmp_path: Path
) -> None:
    wid = user.default_workspace_id

    def call(operation: str, body: Any = None, **path: Any) -> Any:
        return act(fake, user, operation, body, workspace_id=wid, **path)

    client = call("create_client", {"name": "Acme"})
    project = call("create_project", {"name": "Website", "client_id": client["id"], "active": True})
    bare = call("create_project", {"name": "Internal", "active": True})
    task = call("create_task", {"name": "Design"}, project_id=project["id"])
    start = (fake.clock.now() - datetime.timedelta(hours=3)).replace(microsecond=0).isoformat()
    body = {"created_with": "tests", "workspace_id": wid, "start": start, "duration": 1200}
    full = call("create_time_entry", {**body, "description": "Mockups", "project_id": project["id"],
                                      "task_id": task["id"], "tags": ["deep-work", "billable-later"]})  # fmt: skip
    internal = call("create_time_entry", {**body, "description": "Standup", "project_id": bare["id"]})
    alone = call("create_time_entry", {**body, "description": "Email", "tags": ["deep-work"]})
    running = call("create_time_entry", {**body, "description": "Now", "duration": -1, "tags": ["deep-work"]})
    path = tmp_path / "mirror.db"
    async with SQLiteStore(path) as store:
        await Sync(toggl, store, history_start=recent).run()

    workspace = fake.store.tables["workspaces"][wid]["name"]
    assert query(path, "SELECT id, workspace_name, project_name, client_name, task_name, duration, running"
                       " FROM entries ORDER BY id") == [
        (full["id"], workspace, "Website", "Acme", "Design", 1200, 0),
        (internal["id"], workspace, "Internal", None, None, 1200, 0),
        (alone["id"], workspace, None, None, None, 1200, 0),
        (running["id"], workspace, None, None, None, None, 1),
    ]  # fmt: skip
    tags_sql = "SELECT time_entry_id, tag_name FROM entry_tags ORDER BY time_entry_id, tag_name"
    assert query(path, tags_sql) == [
        (full["id"], "billable-later"), (full["id"], "deep-work"), (alone["id"], "deep-work"),
        (running["id"], "deep-work"),
    ]  # fmt: skip
    per_tag = "SELECT t.tag_name, sum(e.duration) FROM entry_tags AS t JOIN entries AS e ON e.id = t.time_entry_id"
    assert query(path, per_tag + " GROUP BY t.tag_id ORDER BY t.tag_name") == [
        ("billable-later", 1200),
        ("deep-work", 2400),
    ]

    # Renames reach the joins through the ids, though the entries themselves did not change.
    deep = next(t for t in fake.store.live("tags") if t["name"] == "deep-work")
    fake.clock.advance(60)
    call("update_tag", {"name": "focus"}, tag_id=deep["id"])
    call("update_project", {"name": "Web site"}, project_id=project["id"])
    fake.clock.advance(60)
    async with SQLiteStore(path) as store:
        await Sync(toggl, store, history_start=recent).run()
    assert query(path, "SELECT project_name FROM entries WHERE id = ?", full["id"]) == [("Web site",)]
    assert ("focus",) in query(path, "SELECT tag_name FROM entry_tags WHERE time_entry_id = ?", alone["id"])


async def test_entry_tags_falls_back_to_names_for_a_copy_without_tag_ids(tmp_path: Path) -> None:
    path = tmp_path / "mirror.db"
    async with SQLiteStore(path) as store:
        await store.apply("tags", [{"id": 50, "workspace_id": 1, "name": "deep-work", "at": AT}])
        old_copy = entry(1, f"{DAY}T08:00:00+00:00", f"{DAY}T08:30:00+00:00", 1800, tags=["deep-work", "gone"])
        del old_copy["tag_ids"]
        await store.apply("time_entries", [old_copy])
    assert query(path, "SELECT tag_id, tag_name FROM entry_tags ORDER BY tag_name") == [
        (50, "deep-work"),
        (None, "gone"),
    ]


def readme_schema() -> dict[str, list[str]]:
    """The docs' table of tables and views: name -> columns, in order."""
    rows = re.findall(r"^\| (?:view )?`(\w+)` \| (.+) \|$", MIRROR_DOC.read_text(), re.MULTILINE)
    return {name: re.findall(r"`(\w+)`", columns) for name, columns in rows}


def readme_queries() -> list[str]:
    (block,) = re.findall(r"```sql\n(.*?)```", MIRROR_DOC.read_text(), re.DOTALL)
    return [statement.strip() for statement in block.split(";") if statement.strip()]


def test_the_readme_documents_every_table_and_view_with_its_columns(tmp_path: Path) -> None:
    with contextlib.closing(sqlite3.connect(tmp_path / "mirror.db")) as db:
        migrate(db)
        found = db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")
        schema = {name: [row[1] for row in db.execute(f"PRAGMA table_info({name})")] for (name,) in found.fetchall()}
    assert readme_schema() == schema


async def test_the_readme_example_queries_run_and_answer(tmp_path: Path) -> None:
    path = tmp_path / "mirror.db"
    async with SQLiteStore(path) as store:
        await store.apply("clients", [{"id": 9, "wid": 1, "name": "Acme", "at": AT}])
        await store.apply("projects", [{"id": 20, "workspace_id": 1, "client_id": 9, "name": "Website", "at": AT}])
        await store.apply("tags", [{"id": 50, "workspace_id": 1, "name": "deep-work", "at": AT}])
        await store.apply("time_entries", [
            entry(1, "2024-12-10T08:00:00+00:00", "2024-12-10T09:30:00+00:00", 5400, project_id=20,
                  tags=["deep-work"], tag_ids=[50]),
            entry(2, "2024-12-10T23:30:00+00:00", None, -1, project_id=20),
        ])  # fmt: skip
    queries = readme_queries()
    assert len(queries) == 4
    answers = [query(path, sql) for sql in queries]
    assert answers[0] == [("Website", "Acme", 1.5)]
    assert answers[1] == [("deep-work", 1.5)]
    assert answers[2] == [("2024-12-10", 1.5), ("2024-12-11", None)]  # the running entry starts 00:30 at UTC+1
    assert [row[:2] for row in answers[3]] == [("Work", "Website")]


async def test_a_version_2_mirror_with_data_upgrades_and_keeps_syncing(tmp_path: Path) -> None:
    """A file as the release before the views wrote it: the tables at version 2, rows in them."""
    path = tmp_path / "v2.db"
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        migrate(db, 2)
        db.execute("INSERT INTO projects (id, name, workspace_id, active, at, json) VALUES (20, 'Website', 1, 1, ?,"
                   " '{\"id\": 20, \"name\": \"Website\", \"workspace_id\": 1}')", (AT,))  # fmt: skip
        db.execute("INSERT INTO tags (id, name, workspace_id, at, json) VALUES (50, 'deep-work', 1, ?, '{\"id\": 50}')",
                   (AT,))  # fmt: skip
        for entry_id, stop, duration in ((1, f"{DAY}T08:30:00Z", 1800), (2, None, -1)):
            obj = entry(entry_id, f"{DAY}T08:00:00+00:00", stop, duration, project_id=20, tags=["deep-work"],
                        tag_ids=[50])  # fmt: skip
            db.execute(
                "INSERT INTO time_entries (id, workspace_id, project_id, start, stop, duration, tags, billable, at,"
                " json) VALUES (?, 1, 20, ?, ?, ?, '[\"deep-work\"]', 0, ?, ?)",
                (entry_id, f"{DAY}T08:00:00Z", stop, duration, AT, json.dumps(obj)),
            )
        db.execute("INSERT INTO sync_state VALUES ('cursor:time_entries', '1734372000')")
    async with SQLiteStore(path) as store:
        assert await store.get_state("cursor:time_entries") == "1734372000"
        later = entry(3, f"{DAY}T12:00:00+00:00", f"{DAY}T12:10:00+00:00", 600, project_id=20)
        assert [c.action for c in await store.apply("time_entries", [later])] == ["created"]
    assert query(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert query(path, "SELECT id, project_name, duration, running FROM entries ORDER BY id") == [
        (1, "Website", 1800, 0), (2, "Website", None, 1), (3, "Website", 600, 0),
    ]  # fmt: skip
    assert query(path, "SELECT sum(duration) FROM entries WHERE start >= ? AND start < ?", DAY, "2024-12-17") == [
        (2400,)
    ]
    assert query(path, "SELECT time_entry_id, tag_name FROM entry_tags ORDER BY 1") == [
        (1, "deep-work"),
        (2, "deep-work"),
    ]
