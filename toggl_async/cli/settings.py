"""The config file, where `login` keeps the token, and the `login` / `logout` commands.

The file is `$XDG_CONFIG_HOME/toggl-async/config.toml` (default `~/.config/toggl-async/config.toml`):

    token_source = "keyring"   # where `login` stored the token: "keyring" or "file"
    workspace = 1234567        # default workspace id
    format = "table"           # table, plain, json, csv or tsv
    base_url = "https://api.track.toggl.com"

Flags win over environment variables (TOGGL_API_TOKEN, TOGGL_BASE_URL, TOGGL_WORKSPACE_ID,
TOGGL_FORMAT), which win over the file. The token itself is never in the file: it is in the OS
keyring when the optional `keyring` package is installed and has a backend, otherwise in a `token`
file beside the config that only its owner may read (mode 0600).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

from toggl_async.cli.failures import UsageError
from toggl_async.cli.output import FORMATS, Output

KEYRING_SERVICE, KEYRING_USER = "toggl-async", "api-token"
KEYS: dict[str, type] = {"token_source": str, "workspace": int, "format": str, "base_url": str}
TOKEN_SOURCES = ("keyring", "file")


def config_dir() -> Path:
    """`$XDG_CONFIG_HOME/toggl-async`, or `~/.config/toggl-async` when XDG_CONFIG_HOME is unset or relative."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".config") / "toggl-async"


def config_path() -> Path:
    return config_dir() / "config.toml"


def load_config() -> dict[str, Any]:
    """The settings in the config file ({} when there is none); UsageError naming the problem otherwise."""
    path = config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read {path}: {error.__class__.__name__}") from None
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path} is not valid TOML: {error}") from None
    for key, value in values.items():
        kind = KEYS.get(key)
        if kind is None:
            raise UsageError(f"{path}: unknown setting {key!r} (known: {', '.join(KEYS)})")
        if not isinstance(value, kind) or isinstance(value, bool):
            raise UsageError(f"{path}: {key} must be {'a number' if kind is int else 'text'}")
    if values.get("format", "table") not in FORMATS:
        raise UsageError(f"{path}: format must be one of {', '.join(FORMATS)}")
    if values.get("token_source", "keyring") not in TOKEN_SOURCES:
        raise UsageError(f"{path}: token_source must be one of {', '.join(TOKEN_SOURCES)}")
    return values


def save_config(values: dict[str, Any]) -> Path:
    """Write `values` (flat text and numbers) as the config file; returns its path."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# toggl-async settings; flags and TOGGL_* environment variables win over these."]
    lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml_value(value: Any) -> str:
    if isinstance(value, int):
        return str(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def token_file() -> Path:
    return config_dir() / "token"


def _keyring() -> Any:
    """The keyring module when it is installed, else None (it is optional: not a dependency)."""
    try:
        import keyring  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    return keyring


def stored_token(config: dict[str, Any]) -> str | None:
    """The token `login` stored, from where the config says it is; None when there is none."""
    source = config.get("token_source")
    if source == "keyring":
        keyring = _keyring()
        if keyring is None:
            raise UsageError("the token is in the OS keyring, but the keyring package is not installed: "
                             "pip install keyring, or run toggl-async login again")  # fmt: skip
        token = keyring.get_password(KEYRING_SERVICE, KEYRING_USER)
        return token or None
    if source == "file":
        with contextlib.suppress(FileNotFoundError):
            return token_file().read_text(encoding="utf-8").strip() or None
    return None


def store_token(token: str) -> str:
    """Keep `token` in the OS keyring when one works, else in the 0600 token file; returns where ("keyring"/"file")."""
    keyring = _keyring()
    if keyring is not None:
        try:
            keyring.set_password(KEYRING_SERVICE, KEYRING_USER, token)
        except Exception:  # no usable backend (keyring.errors.KeyringError and friends): use the file
            pass
        else:
            with contextlib.suppress(FileNotFoundError):
                token_file().unlink()  # an older copy must not outlive the move
            return "keyring"
    path = token_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        os.fchmod(file.fileno(), 0o600)  # a file that existed keeps its mode through O_CREAT
        file.write(token + "\n")
    return "file"


def forget_token() -> list[str]:
    """Remove the stored token from the keyring and the token file; returns where one was removed."""
    removed = []
    keyring = _keyring()
    if keyring is not None:
        with contextlib.suppress(Exception):
            keyring.delete_password(KEYRING_SERVICE, KEYRING_USER)
            removed.append("the OS keyring")
    with contextlib.suppress(FileNotFoundError):
        token_file().unlink()
        removed.append(str(token_file()))
    return removed


def _read_token(args: argparse.Namespace) -> str:
    if getattr(args, "token", None):
        return str(args.token)
    if sys.stdin.isatty():
        token = getpass.getpass("Toggl API token (Profile settings > API Token; not shown): ")
    else:
        token = sys.stdin.readline()
    token = token.strip()
    if not token:
        raise UsageError("no token given: paste it at the prompt, pipe it in, or pass --token")
    return token


async def login(args: argparse.Namespace, out: Output) -> int:
    """Check a token against Toggl (one /me request), then store it for later commands."""
    from toggl_async.cli.app import open_session

    if args.fake or args.fake_state:
        raise UsageError("login stores a token for the real Toggl; --fake needs none")
    args.token = _read_token(args)
    async with open_session(args, out) as session:
        me = await session.me()
    where = store_token(args.token)
    config = {**load_config(), "token_source": where}
    path = save_config(config)
    place = "the OS keyring" if where == "keyring" else f"{token_file()} (readable by you only)"
    out.line(f"Logged in as {me.email}; the token is in {place}; settings in {path}.",
             raw={"email": me.email, "token_source": where, "config": str(path)})  # fmt: skip
    return 0


async def logout(args: argparse.Namespace, out: Output) -> int:
    """Forget the stored token."""
    removed = forget_token()
    config = load_config()
    if config.pop("token_source", None) is not None:
        save_config(config)
    if not removed:
        out.line("No stored token to forget.", raw={"removed": []})
        return 0
    out.line(f"Forgot the token stored in {' and '.join(removed)}.", raw={"removed": removed})
    return 0


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    text = "check an API token and store it (OS keyring if available, else a 0600 file)"
    sub.add_parser("login", parents=[common], help=text, description=text).set_defaults(handler=login)
    text = "forget the stored API token"
    sub.add_parser("logout", parents=[common], help=text, description=text).set_defaults(handler=logout)
