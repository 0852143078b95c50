"""`async for` helpers of the client, one per paginated route, generated from the spec's `x-pagination`.

The helpers live in `toggl_async._generated.iterators` (see `pagination` for the mechanisms); this module
keeps the name the client has always imported them by.
"""

from __future__ import annotations

from toggl_async._generated.iterators import PAGINATED, Iterators

__all__ = ["PAGINATED", "Iterators"]
