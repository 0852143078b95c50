# The example of docs/testing.md, verbatim (tests/fake/test_plugin.py checks that the page shows this file).
import pytest

from toggl_async import Toggl
from toggl_async.testing import FakeClock, FakeToggl, FakeUser


async def focus_block(toggl: Toggl, workspace_id: int, minutes: int, clock: FakeClock) -> int:
    """The code under test: run a timer for `minutes`, return the seconds Toggl recorded."""
    entry = await toggl.start_timer(workspace_id, "Focus", tags=["deep-work"])
    await clock.sleep(minutes * 60)  # FakeClock.sleep moves the fake's time; nothing really waits
    stopped = await toggl.stop_timer(entry)
    assert stopped is not None
    return stopped.duration


@pytest.mark.asyncio  # or @pytest.mark.anyio: the fixtures need no configuration either way
async def test_a_focus_block_records_25_minutes(
    toggl: Toggl, fake_toggl: FakeToggl, fake_toggl_user: FakeUser, fake_toggl_clock: FakeClock
) -> None:
    seconds = await focus_block(toggl, fake_toggl_user.default_workspace_id, 25, fake_toggl_clock)
    assert seconds == 25 * 60
    assert fake_toggl.request_count == 2  # start and stop, nothing more
    (entry,) = fake_toggl.store.tables["time_entries"].values()
    assert entry["tags"] == ["deep-work"]
