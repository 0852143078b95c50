"""What can go wrong at the command line, and the one line and exit code each failure prints."""

from __future__ import annotations

import re

from toggl_async.errors import (
    AuthenticationError,
    FeatureNotAvailableError,
    ForbiddenError,
    NotFoundError,
    QuotaExceededError,
    RateLimitedError,
    TogglAPIError,
    TogglError,
    TogglNetworkError,
)

EXIT_CODES = """exit codes: 0 ok, 1 Toggl refused the request (e.g. no access to a workspace), 2 bad usage or
unknown name, 3 credentials refused, 4 quota or rate limit, 5 network failure, 6 the --db file cannot be used
(missing folder, read-only, not SQLite, newer schema, disk full)"""
# "/workspaces/123", "/workspace/123" (Reports), "/projects/5": the resources a path names, outermost first.
_RESOURCE = re.compile(r"/([a-z_]+)/(\d+)(?=/|\?|$)")


class CommandError(Exception):
    """A failure the command line reports in one line with its own exit code."""

    exit_code = 1


class UsageError(CommandError):
    """Bad input from the person at the keyboard (exit code 2)."""

    exit_code = 2


class MirrorError(CommandError):
    """The SQLite file given to `sync --db` cannot be used (exit code 6)."""

    exit_code = 6


def is_user_level(path: str) -> bool:
    """Whether `path` is about the signed-in user (/api/v9/me...), where a 403 means the credentials are wrong."""
    return re.match(r"/api/v9/me(?:[/?]|$)", path) is not None


def explain(error: TogglError) -> tuple[str, int]:
    """One readable line and an exit code for a failure."""
    if isinstance(error, QuotaExceededError):
        minutes = f"{(error.resets_in or 0) / 60:.0f} min" if error.resets_in is not None else "less than an hour"
        return f"Toggl's hourly request quota is spent; it resets in {minutes}.", 4
    if isinstance(error, RateLimitedError):
        return "Toggl is rate limiting this token (429); wait a few seconds and retry.", 4
    if isinstance(error, ForbiddenError) and not is_user_level(error.path):
        # The credentials work elsewhere (the CLI asks /me before blaming them), so this is about access.
        return f"no access to {_resource(error.path)} ({error.status}){_details(error)}", 1
    if isinstance(error, AuthenticationError):
        return f"Toggl refused the credentials ({error.status}); check --token / TOGGL_API_TOKEN.", 3
    if isinstance(error, FeatureNotAvailableError):
        return f"this needs a higher Toggl plan: {'; '.join(error.messages)}", 1
    if isinstance(error, NotFoundError):
        return f"not found: {error.method} {error.path}", 1
    if isinstance(error, TogglNetworkError):
        return f"could not reach Toggl: {error}", 5
    if isinstance(error, TogglAPIError):
        return f"Toggl answered {error.status}: {'; '.join(error.messages) or 'no details'}", 1
    return str(error), 1


def _resource(path: str) -> str:
    """'workspace 123', 'project 5 of workspace 123', or the path itself when it names no id."""
    named = [f"{_singular(kind)} {number}" for kind, number in _RESOURCE.findall(path)]
    if not named:
        return path
    return named[-1] if len(named) == 1 else f"{named[-1]} of {named[0]}"


def _singular(kind: str) -> str:
    word = kind[:-3] + "y" if kind.endswith("ies") else kind.removesuffix("s")
    return word.replace("_", " ")


def _details(error: TogglAPIError) -> str:
    return f": {'; '.join(error.messages)}" if error.messages else ""
