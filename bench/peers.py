"""The other Toggl clients the benchmarks compare against, each installed into its own virtual environment.

    .venv/bin/python bench/peers.py          # create/refresh bench/.venv-peers/<peer>/ and print versions

One venv per peer, because their pins conflict (toggl-python needs httpx < 0.28, this project httpx 0.28).
Versions are pinned here, with the dependencies that shape speed (HTTP library, pydantic). A venv is
rebuilt only when its pins change (a stamp file holds them). Peers from peers-notes.md that are not
installed here are listed in NOT_RUN with the reason, and RESULTS.md repeats it.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

from common import BENCH

VENVS = BENCH / ".venv-peers"


@dataclasses.dataclass(frozen=True)
class Peer:
    """A peer client: its pinned requirements, the statement users write to import it, how it is pointed."""

    name: str
    requirements: tuple[str, ...]
    import_statement: str
    pointed: str

    @property
    def venv(self) -> Path:
        return VENVS / self.name

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


PEERS = {
    "toggl-python": Peer(
        "toggl-python",
        ("toggl-python==0.3.2", "httpx==0.27.2", "pydantic==2.14.3"),
        "import toggl_python",
        'constructor argument: `CurrentUser(auth=TokenAuth(token), base_url="http://127.0.0.1:P/api/v9")` '
        "(same for `Workspace`)",
    ),
    "lib-toggl": Peer(
        "lib-toggl",
        ("lib-toggl==0.1.9", "aiohttp==3.14.5", "pydantic==2.14.3"),
        "from lib_toggl.client import Toggl",
        'module patch before import: `lib_toggl.const.BASE = "http://127.0.0.1:P/api/v9"`, then '
        "`from lib_toggl.client import Toggl` (its submodules copy BASE at import time)",
    ),
}

NOT_RUN = {
    "toggl-api-wrapper 2.2.0": "its async API needs the `[async]` extra (SQLAlchemy + a cache object per "
    "endpoint) and its sync API is not async; not wired into this bench yet",
    "togglCli 4.0.1, python-toggl 1.1.0, skip-TogglPy 0.2.0, toggl-track 0.6.0, toggl-to-sqlite 0.9.0, "
    "tap-toggl 2.1.0": "synchronous, requests/urllib, new connection per call (peers-notes §1, §3); pointable by "
    "patch or a requests shim (peers-notes §6) but not wired in, to keep `make bench` under 10 minutes",
}


def ensure(peer: Peer) -> str | None:
    """Create or refresh the peer's venv; return None when ready, or why it could not be installed."""
    stamp = peer.venv / ".pins"
    wanted = "\n".join(peer.requirements)
    if peer.python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return None
    shutil.rmtree(peer.venv, ignore_errors=True)
    steps = [
        [sys.executable, "-m", "venv", str(peer.venv)],
        [str(peer.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *peer.requirements],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if "is ignored" not in line]
            return f"`{' '.join(step[-3:])}` failed: {(lines or ['?'])[-1][:200]}"
    stamp.write_text(wanted)
    return None


def versions(peer: Peer) -> dict[str, str]:
    """Every distribution installed in the peer's venv, name -> version."""
    code = (
        "import json, importlib.metadata as m; "
        "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
    )
    done = subprocess.run([str(peer.python), "-c", code], capture_output=True, text=True, timeout=60)
    return dict(sorted(json.loads(done.stdout).items())) if done.returncode == 0 else {}


def ensure_all() -> dict[str, str | None]:
    """Install every peer; name -> None (ready) or the reason it is unavailable."""
    return {name: ensure(peer) for name, peer in PEERS.items()}


def main() -> None:
    for name, problem in ensure_all().items():
        peer = PEERS[name]
        print(f"{name}: {'ready' if problem is None else problem}  ({peer.python})")
        if problem is None:
            wanted = {req.split("==")[0].lower() for req in peer.requirements}
            print("  " + ", ".join(f"{k}=={v}" for k, v in versions(peer).items() if k.lower() in wanted))


if __name__ == "__main__":
    main()
