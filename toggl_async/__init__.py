"""toggl-async: an async Python SDK for the Toggl Track API v9 and Reports API v3.

The operations are generated from spec/toggl.yaml into `toggl_async._generated`: one awaitable
function per operation (`toggl_async._generated.api.<tag>.<operation_id>`) and one namespace class
per tag (`toggl_async._generated.api.<tag>.<Tag>Api`). Importing this package loads nothing else;
everything is imported on first use.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
