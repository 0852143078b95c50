"""Names for the ids Toggl answers with, so tables show "Website (Acme)" rather than 1234 and 56.

Each kind is fetched once per workspace and command, and only when a table needs it.
"""

from __future__ import annotations

from typing import Any

from toggl_async.cli.failures import UsageError


def same_name(value: object, wanted: str) -> bool:
    """Case-insensitive equality; False for a name the server sent as null (or not as text)."""
    return isinstance(value, str) and value.casefold() == wanted.casefold()


class Names:
    """The projects, clients and users of workspaces, by id; archived ones included."""

    def __init__(self, toggl: Any) -> None:
        self.toggl = toggl
        self._cache: dict[tuple[str, int], dict[int, Any]] = {}

    async def projects(self, workspace_id: int) -> dict[int, Any]:
        """Every project of the workspace (archived too), by id."""
        key = ("projects", workspace_id)
        if key not in self._cache:
            from toggl_async.models import ListProjectsActive

            found = self.toggl.iter_projects(workspace_id, active=ListProjectsActive.BOTH)
            self._cache[key] = {p.id: p async for p in found}
        return self._cache[key]

    async def clients(self, workspace_id: int) -> dict[int, str]:
        """Client names (archived clients too), by id."""
        key = ("clients", workspace_id)
        if key not in self._cache:
            found = await self.toggl.clients.list_clients(workspace_id, status="both")
            self._cache[key] = {c.id: c.name for c in found}
        return self._cache[key]

    async def users(self, workspace_id: int) -> dict[int, str]:
        """Members' full names (their email when the name is empty), by user id; {} when Toggl refuses the list."""
        key = ("users", workspace_id)
        if key not in self._cache:
            from toggl_async.errors import ForbiddenError

            try:
                found = await self.toggl.workspaces.list_users_in_workspace(workspace_id)
            except ForbiddenError:
                found = []  # a member who may not list the others: the table keeps their ids
            self._cache[key] = {u.id: _text(u.fullname) or _text(u.email) for u in found}
        return self._cache[key]

    async def project_name(self, workspace_id: int, project_id: object) -> str:
        """The project's name, '' for no project, or '#id' when the project is not visible."""
        if not isinstance(project_id, int):
            return ""
        project = (await self.projects(workspace_id)).get(project_id)
        return _text(getattr(project, "name", None)) or f"#{project_id}"

    async def client_of(self, workspace_id: int, project_id: object) -> str:
        """The name of the project's client, '' when it has none."""
        project = (await self.projects(workspace_id)).get(project_id) if isinstance(project_id, int) else None
        return await self.client_name(workspace_id, getattr(project, "client_id", None))

    async def client_name(self, workspace_id: int, client_id: object) -> str:
        """The client's name, '' for no client, or '#id' when the client is not visible."""
        if not isinstance(client_id, int):
            return ""
        return _text((await self.clients(workspace_id)).get(client_id)) or f"#{client_id}"

    async def active_project_id(self, workspace_id: int, given: str) -> int:
        """An active project's id from an id or a case-insensitive name; UsageError when there is none.

        (Toggl refuses new time on an archived project, so names are looked up among active ones.)
        """
        if given.isdigit():
            return int(given)
        for project in (await self.projects(workspace_id)).values():
            if project.active is not False and same_name(project.name, given):
                return int(project.id)
        raise UsageError(f"no active project named {given!r} in workspace {workspace_id}")

    async def project_id(self, workspace_id: int, given: str) -> int:
        """A project id from an id or a case-insensitive name (archived projects too); UsageError when none."""
        if given.isdigit():
            return int(given)
        for project in (await self.projects(workspace_id)).values():
            if same_name(project.name, given):
                return int(project.id)
        raise UsageError(f"no project named {given!r} in workspace {workspace_id}")

    async def client_id(self, workspace_id: int, given: str) -> int:
        """A client id from an id or a case-insensitive name; UsageError when none."""
        if given.isdigit():
            return int(given)
        for client_id, name in (await self.clients(workspace_id)).items():
            if same_name(name, given):
                return client_id
        raise UsageError(f"no client named {given!r} in workspace {workspace_id}")


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
