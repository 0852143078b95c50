"""Serve a seeded FakeToggl on loopback: `python -m toggl_async.testing --port 8765 --seed demo`.

Needs the `fake` extra (uvicorn): `pip install 'toggl-async[fake]'`. `--help` lists the options;
`toggl_async.testing.serve` documents them. Then, for example:
    curl -u TOKEN:api_token http://127.0.0.1:8765/api/v9/me
"""

from __future__ import annotations

from toggl_async.testing.serve import main

if __name__ == "__main__":
    raise SystemExit(main())
