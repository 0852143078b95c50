"""How callers use uploads, billing PDFs and redirects; only type-checked (mypy), never run."""

from __future__ import annotations

import io
from pathlib import Path

from toggl_async import Toggl
from toggl_async.models import Avatar, Expense, ExpenseUpload, FeedbackForm, File, ImageUpload


async def uploads(toggl: Toggl, workspace_id: int) -> None:
    avatar: Avatar = await toggl.avatars.upload_avatar(body=ImageUpload(file=File(Path("me.png"))))
    logo = await toggl.avatars.upload_workspace_logo(
        workspace_id, body=ImageUpload(file=File(b"...", filename="l.png"))
    )
    receipt: Expense = await toggl.expenses.upload_expense(
        workspace_id,
        body=ExpenseUpload(file=File(io.BytesIO(b"%PDF"), filename="r.pdf", content_type="application/pdf")),
    )
    expenses: list[Expense] = await toggl.expenses.list_expenses(workspace_id)
    await toggl.internal.send_feedback(
        body=FeedbackForm(toggl_version="1", date="2026-03-18", details="ok", files=File.from_path("log.txt"))
    )
    print(avatar.avatar_urls, logo.logo, receipt.total_amount, len(expenses))


async def documents_and_redirects(toggl: Toggl, organization_id: int, workspace_id: int) -> None:
    invoice = await toggl.billing.get_organization_invoice_pdf(organization_id, "in_1")
    content: bytes = invoice.content
    saved = await toggl.billing.get_workspace_payment_receipt_pdf_to_file("r.pdf", workspace_id, 1)
    consent: str = await toggl.calendar.get_calendar_setup_redirect(provider="google")
    login: str = await toggl.sso.get_desktop_login_redirect()
    print(content[:4], saved.size, consent, login)
