"""Work expenses on the fake: `upload_expense` makes one from a receipt, `list_expenses` lists them.

A receipt comes in the form's `file` part: an image (JPEG, PNG, GIF, WebP, HEIC) or a PDF, at most 10 MiB
(400 for another type or no file, 413 for a larger one) [I: Toggl publishes no limits]. The fake reads
nothing from it: a new expense is `processing`, with the receipt's type and name, amounts 0 in the
workspace's currency and today's date in the uploader's time zone. The list holds the workspace's
expenses, newest first; members see their own, workspace admins everyone's [I]. Toggl's docs name no
plan for expenses, so no plan is refused [?]; a workspace whose `disable_expenses` is set refuses uploads and listings
with the 412 of Toggl's expense service [V:SWNEW disable_expenses; V:SW26 412; the pairing I].
The receipt is kept as base64 text (`_receipt`), so that a saved fake state (JSON) holds it.
"""

from __future__ import annotations

import base64
from typing import Any

from toggl_async.testing.http import ApiError, FakeRequest, Reply, bad_request, handles
from toggl_async.testing.routes.multipart import parse
from toggl_async.testing.routes.uploads import ASSETS, MAX_ATTACHMENT, file_part
from toggl_async.testing.store import Obj, Store, lazy_tables, public, stamp

TABLE = "expenses"
RECEIPT_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "application/pdf"}


# Declared like the other tables made on first use, so that a saved fake state holds them and loads back.
lazy_tables({TABLE: 610_000})


def expenses(store: Store) -> dict[int, Obj]:
    return store.lazy_table(TABLE)


def expense_view(expense: Obj) -> Obj:
    view = public(expense)
    view.pop("at", None)
    return view


def _today(request: FakeRequest) -> str:
    from zoneinfo import ZoneInfo

    zone = str(request.user.get("timezone") or "UTC")
    try:
        return request.fake.clock.now().astimezone(ZoneInfo(zone)).date().isoformat()
    except (KeyError, ValueError):
        return request.fake.clock.now().date().isoformat()


@handles("upload_expense")
def upload_expense(request: FakeRequest) -> Reply:
    store = request.store
    workspace = store.workspace_for(request.user_id, request.path_params["workspace_id"])
    if workspace.get("disable_expenses"):
        raise ApiError(412, "Expenses are disabled for this workspace")
    receipt = file_part(parse(request, max_size=MAX_ATTACHMENT))
    if receipt.content_type not in RECEIPT_TYPES:
        raise bad_request("Invalid content type for receipt: an image or a PDF is expected")
    if not receipt.data:
        raise bad_request("The receipt is empty")
    expenses(store)
    now = stamp(store.now())
    currency = str(workspace.get("default_currency") or "USD")
    values: dict[str, Any] = {
        "workspace_id": workspace["id"], "user_id": request.user_id, "state": "processing",
        "description": "", "original_description": "", "category": "", "comment": "", "currency": currency,
        "total_amount": 0, "total_amount_converted": 0, "tax_amount": 0, "tax_amount_converted": 0,
        "exchange_rate": 1.0, "exchange_rate_timestamp": None, "date_of_expense": _today(request),
        "timezone": str(request.user.get("timezone") or "UTC"), "receipt_no": "",
        "receipt_mime_type": receipt.content_type, "service_provider": "", "service_provider_address": "",
        "service_provider_country": "", "ocr_output": "", "chat_gpt_output": "", "rejection_reason": "",
        "update_reason": "", "trip_id": None, "approved_at": None, "approved_by": None, "updated_by": None,
        "created_at": now, "updated_at": now, "deleted_at": None, "_receipt": base64.b64encode(receipt.data).decode(),
    }  # fmt: skip
    expense = store.insert(TABLE, values)
    location = f"receipts/{workspace['id']}/{expense['id']}/{receipt.filename}"
    expense |= {"receipt_location": location, "original_receipt_location": location,
                "download_url": f"{ASSETS}/{location}"}  # fmt: skip
    return Reply(expense_view(expense))


@handles("list_expenses")
def list_expenses(request: FakeRequest) -> Reply:
    store, uid = request.store, request.user_id
    workspace = store.workspace_for(uid, request.path_params["workspace_id"])
    if workspace.get("disable_expenses"):  # the listing declares the same 412 as the upload [V:SW26]
        raise ApiError(412, "Expenses are disabled for this workspace")
    admin = store.is_workspace_admin(uid, workspace["id"])
    found = [
        e for e in expenses(store).values()
        if e["workspace_id"] == workspace["id"] and not e["deleted_at"] and (admin or e["user_id"] == uid)
    ]  # fmt: skip
    found.sort(key=lambda e: (e["created_at"], e["id"]), reverse=True)
    return Reply([expense_view(e) for e in found])
