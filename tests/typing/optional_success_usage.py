"""What a body-or-204 operation and the 412/413 errors look like to a type checker; only type-checked, never run."""

from __future__ import annotations

from typing import assert_type

from toggl_async import PayloadTooLargeError, PreconditionFailedError, Toggl, TogglAPIError
from toggl_async.models import ExpenseUpload, Favorite, File, OrganizationSegmentation


async def optional_successes(toggl: Toggl, workspace_id: int, organization_id: int) -> None:
    suggested = await toggl.favorites.create_favorite_suggestions(workspace_id)
    assert_type(suggested, list[Favorite] | None)
    segmentation = await toggl.organizations.get_organization_segmentation(organization_id)
    assert_type(segmentation, OrganizationSegmentation | None)
    if segmentation is not None:
        print(segmentation)


async def refused_upload(toggl: Toggl, workspace_id: int, receipt: bytes) -> None:
    try:
        await toggl.expenses.upload_expense(workspace_id, body=ExpenseUpload(file=File(receipt)))
    except PreconditionFailedError as disabled:
        assert_type(disabled.status, int)
    except PayloadTooLargeError as too_big:
        error: TogglAPIError = too_big
        print(error.messages)
