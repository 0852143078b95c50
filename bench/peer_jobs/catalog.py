"""The jobs every peer is asked to do, in table order: key -> what a user of the peer wants done.

Pure data, imported both by `bench/peer_conformance.py` (project venv) and by the job scripts in
this folder (each peer's own venv), so both sides name the jobs the same way.
"""

from __future__ import annotations

JOBS: dict[str, str] = {
    "me": "me: who am I",
    "me_related": "me with related data",
    "me_update": "me: update my profile",
    "workspaces_list": "list my workspaces",
    "workspace_get": "get a workspace",
    "client_create": "client: create",
    "client_get": "client: get",
    "client_list": "client: list",
    "client_update": "client: update",
    "client_delete": "client: delete",
    "tag_create": "tag: create",
    "tag_list": "tag: list",
    "tag_update": "tag: update",
    "tag_delete": "tag: delete",
    "project_create": "project: create",
    "project_create_client_name": "project: create with a new client by name",
    "project_get": "project: get",
    "project_list": "project: list",
    "project_list_by_clients": "project: list of some clients",
    "project_update": "project: update",
    "project_delete": "project: delete",
    "project_bulk_edit": "project: bulk edit",
    "timer_start": "timer: start",
    "timer_current": "timer: current",
    "timer_stop": "timer: stop",
    "entries_range": "time entries by date range",
    "entries_since": "time entries changed since",
    "entries_bulk_edit": "time entries: bulk edit",
    "report_detailed": "Reports: detailed",
    "report_summary": "Reports: summary",
    "report_weekly": "Reports: weekly",
}
