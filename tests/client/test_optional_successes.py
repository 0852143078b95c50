"""An operation answering a body or a 204 returns the decoded body or None, as its `X | None` type says."""

from __future__ import annotations

from toggl_async import Toggl
from toggl_async.models import Favorite, TimeEntryCreate
from toggl_async.testing import FakeToggl, FakeUser


async def test_favorite_suggestions_are_a_list_once_then_none(fake: FakeToggl, user: FakeUser) -> None:
    wid = user.default_workspace_id
    async with Toggl(user.api_token, transport=fake.transport(), clock=fake.clock, rate=None) as toggl:
        for hour, description in ((8, "Email"), (9, "Review"), (10, "Email")):
            await toggl.time_entries.create_time_entry(
                wid,
                body=TimeEntryCreate(
                    created_with="t", workspace_id=wid, start=f"2024-12-13T{hour:02d}:00:00Z", duration=600,
                    description=description,
                ),
            )  # fmt: skip
        made = await toggl.favorites.create_my_favorite_suggestions()
        assert isinstance(made, list) and all(isinstance(f, Favorite) for f in made)
        assert [f.description for f in made] == ["Email", "Review"]
        assert await toggl.favorites.create_favorite_suggestions(wid) is None  # the 204: made once per user
        raw = await toggl.favorites.raw.create_favorite_suggestions(wid)
        assert (raw.status_code, raw.parsed, raw.content) == (204, None, b"")
