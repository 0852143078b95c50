"""User invoices on the fake, through the public client: made from items and taxes, listed, deleted, and as PDF.

Evidence: Toggl's 2026 Track v9 swagger ("SW26") for routes, fields, "Invoice not found" and the PDF answer;
amounts, checks and who sees which are the fake's choices (toggl_async/testing/routes/user_invoices.py).
"""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import pypdf
import pytest
from spec_validation import assert_matches_spec

from toggl_async import BadRequestError, ForbiddenError, NotFoundError, Toggl
from toggl_async.models import UserInvoiceCreate, UserInvoiceItemInput, UserInvoiceTaxInput
from toggl_async.testing import FakeClock, FakeToggl, FakeUser

DAY = datetime.date(2024, 12, 16)


def setup() -> tuple[FakeToggl, FakeUser, FakeUser]:
    fake = FakeToggl(clock=FakeClock(datetime.datetime(2024, 12, 16, 9, tzinfo=datetime.UTC)), rate=None, quotas=False)
    owner = fake.add_user("owner@example.com", fullname="Owner")
    other = fake.add_user("member@example.com", fullname="Member")
    workspace = fake.store.tables["workspaces"][owner.default_workspace_id]
    fake.store.add_workspace_member(workspace, fake.store.tables["users"][other.id])
    return fake, owner, other


def client_of(fake: FakeToggl, user: FakeUser) -> Toggl:
    return Toggl(user.api_token, transport=fake.transport(), clock=fake.clock, rate=None)


def invoice(number: str = "2024-017", **changes: Any) -> UserInvoiceCreate:
    values: dict[str, Any] = {
        "document_id": number, "date": DAY, "due_date": DAY + datetime.timedelta(days=14), "currency": "eur",
        "items": [UserInvoiceItemInput(description="Website design", quantity=12.5, amount=1250.004),
                  UserInvoiceItemInput(description="Hosting (December)", quantity=1, amount=30)],
        "taxes": [UserInvoiceTaxInput(name="VAT 22%", amount=281.6)], "billing_address": "Acme Ltd, Tallinn",
        "message": "Thank you!",
    }  # fmt: skip
    return UserInvoiceCreate(**(values | changes))


async def test_an_invoice_is_computed_listed_and_its_pdf_holds_its_lines(tmp_path: Path) -> None:
    fake, owner, _ = setup()
    wid = owner.default_workspace_id
    async with client_of(fake, owner) as toggl:
        (made,) = await toggl.user_invoices.create_workspace_invoice(wid, body=invoice())
        due = datetime.date(2024, 12, 30)
        assert (made.user_id, made.currency, made.document_id, made.due_date) == (owner.id, "EUR", "2024-017", due)
        assert [(i.item_id, i.amount) for i in made.items] == [(1, 1250.0), (2, 30.0)]  # to cents
        number = made.user_invoice_id
        assert [i.user_invoice_id for i in await toggl.user_invoices.list_workspace_invoices(wid)] == [number]
        pdf = await toggl.user_invoices.get_workspace_invoice_pdf(wid, number)
        saved = await toggl.user_invoices.get_workspace_invoice_pdf_to_file(tmp_path / "i.pdf", wid, number)
    assert pdf.content_type == "application/pdf" and pdf.filename == "invoice_2024-017.pdf"
    assert saved.path.read_bytes() == pdf.content and saved.size == len(pdf.content)
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    for line in ("Invoice 2024-017", "Website design | 12.5 | 1250.00 EUR", "Hosting (December) | 1 | 30.00 EUR",
                 "Subtotal: 1280.00 EUR", "VAT 22% | 281.60 EUR", "Total: 1561.60 EUR", "Bill to: Acme Ltd, Tallinn",
                 "Due: 2024-12-30", "Thank you!"):  # fmt: skip
        assert line in text, line


async def test_a_deleted_invoice_is_gone_from_the_list_and_its_pdf_is_404() -> None:
    fake, owner, _ = setup()
    wid = owner.default_workspace_id
    async with client_of(fake, owner) as toggl:
        (made,) = await toggl.user_invoices.create_workspace_invoice(wid, body=invoice())
        assert await toggl.user_invoices.delete_workspace_invoice(wid, made.user_invoice_id)
        assert await toggl.user_invoices.list_workspace_invoices(wid) == []
        with pytest.raises(NotFoundError, match="Invoice not found"):
            await toggl.user_invoices.get_workspace_invoice_pdf(wid, made.user_invoice_id)
        with pytest.raises(NotFoundError):
            await toggl.user_invoices.delete_workspace_invoice(wid, made.user_invoice_id)


async def test_members_see_their_own_invoices_admins_everyone_s() -> None:
    fake, owner, other = setup()
    wid = owner.default_workspace_id
    async with client_of(fake, owner) as toggl, client_of(fake, other) as theirs:
        (mine,) = await toggl.user_invoices.create_workspace_invoice(wid, body=invoice("A-1"))
        (their,) = await theirs.user_invoices.create_workspace_invoice(wid, body=invoice("B-1"))
        assert [i.document_id for i in await theirs.user_invoices.list_workspace_invoices(wid)] == ["B-1"]
        with pytest.raises(ForbiddenError):
            await theirs.user_invoices.get_workspace_invoice_pdf(wid, mine.user_invoice_id)
        with pytest.raises(ForbiddenError):
            await theirs.user_invoices.delete_workspace_invoice(wid, mine.user_invoice_id)
        listed = await toggl.user_invoices.list_workspace_invoices(wid, sort_field="document_id", sort_order="DESC")
        assert [i.document_id for i in listed] == ["B-1", "A-1"]
        their_pdf = await toggl.user_invoices.get_workspace_invoice_pdf(wid, their.user_invoice_id)
        assert their_pdf.content.startswith(b"%PDF")
        assert [i.document_id async for i in toggl.iter_workspace_invoices(wid, per_page=1)] == ["A-1", "B-1"]


async def test_an_invoice_without_a_number_gets_one_and_odd_numbers_make_safe_file_names() -> None:
    fake, owner, _ = setup()
    wid = owner.default_workspace_id
    async with client_of(fake, owner) as toggl:
        body = UserInvoiceCreate(date=DAY, currency="USD", items=[UserInvoiceItemInput(description="x", quantity=1,
                                                                                       amount=1)])  # fmt: skip
        (made,) = await toggl.user_invoices.create_workspace_invoice(wid, body=body)
        (odd,) = await toggl.user_invoices.create_workspace_invoice(wid, body=invoice('"../2024"; x=1'))
        pdf = await toggl.user_invoices.get_workspace_invoice_pdf(wid, odd.user_invoice_id)
    assert made.document_id == f"INV-{made.user_invoice_id}" and made.taxes == []
    assert pdf.filename == "invoice__.._2024___x_1.pdf"


async def test_bad_invoices_are_400_through_the_client() -> None:
    fake, owner, _ = setup()
    wid = owner.default_workspace_id
    item = UserInvoiceItemInput(description="x", quantity=1, amount=1)
    cases = {
        "at least one item": invoice(items=[]),
        "amount must be between": invoice(items=[UserInvoiceItemInput(description="x", quantity=1, amount=-5)]),
        "quantity must be between": invoice(items=[UserInvoiceItemInput(description="x", quantity=1e300, amount=1)]),
        "item description can't be blank": invoice(items=[UserInvoiceItemInput(description=" ", quantity=1, amount=1)]),
        "due_date must not be before": invoice(items=[item], due_date=DAY - datetime.timedelta(days=1)),
        "ISO 4217": invoice(items=[item], currency="euro"),
        "tax name can't be blank": invoice(items=[item], taxes=[UserInvoiceTaxInput(name="", amount=1)]),
    }
    async with client_of(fake, owner) as toggl:
        for message, body in cases.items():
            with pytest.raises(BadRequestError, match=message):
                await toggl.user_invoices.create_workspace_invoice(wid, body=body)
        with pytest.raises(BadRequestError):
            await toggl.user_invoices.list_workspace_invoices(wid, page=0)
        with pytest.raises(NotFoundError):
            await toggl.user_invoices.get_workspace_invoice_pdf(wid, 2**62)
        assert await toggl.user_invoices.list_workspace_invoices(wid) == []


async def test_hostile_bodies_are_400_on_the_wire() -> None:
    fake, owner, _ = setup()
    path = f"/api/v9/workspaces/{owner.default_workspace_id}/invoices"
    line = {"description": "x", "quantity": 1, "amount": 1}
    bodies: list[Any] = [
        {"date": "16.12.2024", "currency": "EUR", "items": [line]},
        {"date": "2024-12-16T00:00:00Z", "currency": "EUR", "items": [line]},
        {"date": 20241216, "currency": "EUR", "items": [line]},
        {"date": "2024-12-16", "currency": "EUR", "items": [line | {"amount": "1"}]},
        {"date": "2024-12-16", "currency": "EUR", "items": [line | {"quantity": True}]},
        {"date": "2024-12-16", "currency": "EUR", "items": [line] * 501},
        {"date": "2024-12-16", "currency": "EUR", "items": ["one"]},
        {"date": "2024-12-16", "currency": "EUR"},
        {"currency": "EUR", "items": [line]},
    ]
    async with fake.http_client(owner) as http:
        for body in bodies:
            response = await http.post(path, json=body)
            assert response.status_code == 400, body
            assert_matches_spec("create_workspace_invoice", response)
        for raw in (b"{", b'{"date": "2024-12-16", "currency": "EUR", "items": [{"description": "x", "quantity": NaN,'
                    b' "amount": Infinity}]}'):  # fmt: skip
            response = await http.post(path, content=raw, headers={"content-type": "application/json"})
            assert response.status_code == 400, raw
        assert (await http.get(path)).json() == []
