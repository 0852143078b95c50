"""Billing PDFs through the client: real PDF files (pypdf opens them) for the ids the fake's billing knows.

Whole in memory, streamed to a file, with Toggl's content type and file name; 404 for an unknown id, 403 for
someone who is not an admin. Evidence: SW26 (get-organization-invoice, get-organization-purchase-order-pdf,
get-workspace-payment-receipts, get-workspace-purchase-order-pdf).
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pypdf
import pytest

from toggl_async import ForbiddenError, NotFoundError, Toggl
from toggl_async.testing import FakeToggl, FakeUser
from toggl_async.testing.routes.documents import PAYMENT_ID, PURCHASE_ORDER_ID


@pytest.fixture
async def toggl(fake: FakeToggl, user: FakeUser) -> AsyncIterator[Toggl]:
    async with Toggl(user.api_token, transport=fake.transport(), clock=fake.clock, rate=None) as client:
        yield client


def text_of(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


async def test_every_billing_document_is_a_pdf_a_reader_opens(toggl: Toggl, user: FakeUser) -> None:
    oid, wid = user.organization_id, user.default_workspace_id
    records = await toggl.billing.list_payment_records(oid)
    invoice = await toggl.billing.get_organization_invoice_pdf(oid, records[0].items[0].id)
    order = await toggl.billing.get_organization_purchase_order_pdf(oid, f"PO-{oid}-1")
    receipt = await toggl.billing.get_workspace_payment_receipt_pdf(wid, PAYMENT_ID)
    legacy = await toggl.billing.get_workspace_purchase_order_pdf(wid, PURCHASE_ORDER_ID)
    for document in (invoice, order, receipt, legacy):
        assert document.content_type == "application/pdf" and document.filename.endswith(".pdf")
    assert f"Invoice TGL-{oid}-0001" in text_of(invoice.content)
    assert f"Purchase order PO-{oid}-1" in text_of(order.content)
    assert f"Payment receipt {PAYMENT_ID}" in text_of(receipt.content)
    assert f"Workspace: {wid}" in text_of(legacy.content)


async def test_a_pdf_streams_to_a_file(toggl: Toggl, user: FakeUser, tmp_path: Path) -> None:
    saved = await toggl.billing.get_workspace_payment_receipt_pdf_to_file(
        tmp_path / "r.pdf", user.default_workspace_id, PAYMENT_ID
    )
    assert saved.size == saved.path.stat().st_size and saved.filename == f"receipt-{PAYMENT_ID}.pdf"
    assert "Amount" in text_of(saved.path.read_bytes())


async def test_unknown_ids_are_404_and_strangers_get_403(fake: FakeToggl, user: FakeUser, toggl: Toggl) -> None:
    oid, wid = user.organization_id, user.default_workspace_id
    with pytest.raises(NotFoundError, match="No invoice found"):
        await toggl.billing.get_organization_invoice_pdf(oid, "in_999_1")
    with pytest.raises(NotFoundError):
        await toggl.billing.get_organization_invoice_pdf(oid, "../../etc/passwd")
    with pytest.raises(NotFoundError, match="Purchase order not found"):
        await toggl.billing.get_workspace_purchase_order_pdf(wid, PURCHASE_ORDER_ID + 1)
    with pytest.raises(NotFoundError, match=f"Payment 1 not found for workspace {wid}"):
        await toggl.billing.get_workspace_payment_receipt_pdf(wid, 1)
    member = fake.add_user("member@example.com")
    workspace = fake.store.tables["workspaces"][wid]
    fake.store.add_workspace_member(workspace, fake.store.tables["users"][member.id])
    async with Toggl(member.api_token, transport=fake.transport(), clock=fake.clock, rate=None) as theirs:
        with pytest.raises(ForbiddenError):
            await theirs.billing.get_workspace_payment_receipt_pdf(wid, PAYMENT_ID)
        with pytest.raises(ForbiddenError):
            await theirs.billing.get_organization_invoice_pdf(oid, f"in_{oid}_1")
