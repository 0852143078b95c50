"""`python -m toggl_async.cli`: the same as the `toggl-async` command."""

from toggl_async.cli import main

raise SystemExit(main())
