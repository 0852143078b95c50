"""User invoices of the fake (`/workspaces/{wid}/invoices*`): made from items and taxes, listed, deleted, as PDF.

An invoice belongs to the member who made it; they list, delete and download their own, and workspace
admins everyone's [I]. Amounts are rounded to cents; the total is the items' amounts plus the taxes'
[V:SW26 fields; the arithmetic I]; texts have bounds (LONGEST_LINE, LONGEST_TEXT) [I]. The PDF is a real one
(report_files.pdf_file) holding the invoice number, dates, addresses, one line per item and tax, and the total.
Not plan-gated: SW26 lists no 402.
"""

from __future__ import annotations

import datetime
import math
import re
from typing import Any

from toggl_async.testing.http import ApiError, FakeRequest, Reply, bad_request, forbidden, handles
from toggl_async.testing.routes import report_files
from toggl_async.testing.routes.common import fields
from toggl_async.testing.routes.params import page_params, page_slice
from toggl_async.testing.routes.track_tables import insert, live, member_workspace, table
from toggl_async.testing.store import Obj, Store, lazy_tables, stamp

lazy_tables({"user_invoices": 150_000})
TEXTS = ("document_id", "billing_address", "workspace_address", "message", "payment_terms", "purchase_number")
INVOICE_FIELDS = {"date": "str", "due_date": "str", "currency": "str", "items": "objs", "taxes": "objs"} | {
    name: "str" for name in TEXTS
}
MAX_LINES, MAX_AMOUNT = 500, 1e12
# Longest item description or tax name, and longest other text (addresses, message, terms): one invoice must
# not hold megabytes that every listing and PDF then carries [I: Toggl publishes no limits].
LONGEST_LINE, LONGEST_TEXT = 1_000, 3_000
SORTS = ("created_at", "date", "due_date", "document_id")


def _amount(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise bad_request(f"Invalid value for {field}")
    if not 0 <= value <= MAX_AMOUNT:
        raise bad_request(f"{field} must be between 0 and {MAX_AMOUNT:.0f}")
    return round(float(value), 2)


def _text(value: Any, field: str, limit: int = LONGEST_LINE) -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"{field} can't be blank")
    if len(value.strip()) > limit:
        raise bad_request(f"{field} must be at most {limit} characters")
    return value.strip()


def _date(value: Any, field: str) -> str:
    if isinstance(value, str) and len(value) == 10:
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise bad_request(f"Invalid date for {field}, expected YYYY-MM-DD")


def _lines(values: Obj, name: str, counter: str) -> list[Obj]:
    given = values.get(name) or []
    if len(given) > MAX_LINES:
        raise bad_request(f"at most {MAX_LINES} {name}")
    lines = []
    for number, line in enumerate(given, start=1):
        if name == "items":
            lines.append({counter: number, "description": _text(line.get("description"), "item description"),
                          "quantity": _amount(line.get("quantity"), "quantity"),
                          "amount": _amount(line.get("amount"), "amount")})  # fmt: skip
        else:
            lines.append({counter: number, "name": _text(line.get("name"), "tax name"),
                          "amount": _amount(line.get("amount"), "tax amount")})  # fmt: skip
    return lines


def _invoice(request: FakeRequest, wid: int) -> Obj:
    """The invoice a create body describes (400 on each problem)."""
    values = fields(request.body_object(), INVOICE_FIELDS)
    items = _lines(values, "items", "item_id")
    if not items:
        raise bad_request("an invoice needs at least one item")
    currency = values.get("currency")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise bad_request("currency must be an ISO 4217 code such as EUR")
    date = _date(values.get("date"), "date")
    due = _date(values["due_date"], "due_date") if "due_date" in values else None
    if due is not None and due < date:
        raise bad_request("due_date must not be before date")
    texts = {name: values.get(name) for name in TEXTS}
    if texts["document_id"] is not None and not texts["document_id"].strip():
        raise bad_request("document_id can't be blank")
    for name, text in texts.items():
        if text is not None and len(text) > (
            LONGEST_LINE if name in ("document_id", "purchase_number") else LONGEST_TEXT
        ):
            raise bad_request(f"{name} is too long")
    now = stamp(request.store.now())
    return texts | {
        "workspace_id": wid, "user_id": request.user_id, "date": date, "due_date": due, "currency": currency.upper(),
        "items": items, "taxes": _lines(values, "taxes", "tax_id"), "workspace_logo": None,
        "integration_provider": None, "integration_ext_id": None, "integration_ext_type": None,
        "created_at": now, "updated_at": now, "deleted_at": None,
    }  # fmt: skip


def invoice_view(invoice: Obj) -> Obj:
    view = {k: v for k, v in invoice.items() if k not in ("id", "at") and not k.startswith("_")}
    return view | {"user_invoice_id": invoice["id"]}


def total(invoice: Obj) -> float:
    amounts: list[float] = [i["amount"] for i in invoice["items"]] + [t["amount"] for t in invoice["taxes"] or []]
    return round(sum(amounts), 2)


def pdf_lines(invoice: Obj) -> list[str]:
    """The text of the invoice's PDF, line by line."""
    money = invoice["currency"]
    head = [f"Date: {invoice['date']}", f"Due: {invoice['due_date'] or '-'}"]
    labels = (("billing_address", "Bill to"), ("workspace_address", "From"), ("purchase_number", "PO"),
              ("payment_terms", "Terms"))  # fmt: skip
    head += [f"{label}: {invoice[key]}" for key, label in labels if invoice[key]]
    items = [f"{i['description']} | {i['quantity']:g} | {i['amount']:.2f} {money}" for i in invoice["items"]]
    taxes = [f"{t['name']} | {t['amount']:.2f} {money}" for t in invoice["taxes"] or []]
    subtotal = sum(i["amount"] for i in invoice["items"])
    tail = [f"Subtotal: {subtotal:.2f} {money}", *taxes, f"Total: {total(invoice):.2f} {money}"]
    note = [invoice["message"]] if invoice["message"] else []
    return [*head, "", "Description | Quantity | Amount", *items, "", *tail, *note]


def _visible(request: FakeRequest, store: Store, wid: int) -> list[Obj]:
    admin = store.is_workspace_admin(request.user_id, wid)
    return [i for i in live(store, "user_invoices")
            if i["workspace_id"] == wid and (admin or i["user_id"] == request.user_id)]  # fmt: skip


def _one(request: FakeRequest, wid: int, invoice_id: int) -> Obj:
    store = request.store
    invoice = table(store, "user_invoices").get(invoice_id)
    if invoice is None or store.is_deleted(invoice) or invoice["workspace_id"] != wid:
        raise ApiError(404, "Invoice not found")  # [V:SW26]
    if invoice["user_id"] != request.user_id and not store.is_workspace_admin(request.user_id, wid):
        raise forbidden()
    return invoice


@handles("list_workspace_invoices")
def list_workspace_invoices(request: FakeRequest) -> Reply:
    workspace = member_workspace(request)
    field, order = request.query.get("sort_field") or "created_at", (request.query.get("sort_order") or "ASC").upper()
    if field not in SORTS or order not in ("ASC", "DESC"):
        raise bad_request("Invalid sort_field or sort_order")
    found = sorted(_visible(request, request.store, workspace["id"]), key=lambda i: (i[field] or "", i["id"]),
                   reverse=order == "DESC")  # fmt: skip
    page, per_page = page_params(request, 50)
    return Reply([invoice_view(i) for i in page_slice(found, page, per_page)])


@handles("create_workspace_invoice")
def create_workspace_invoice(request: FakeRequest) -> Reply:
    workspace = member_workspace(request)
    invoice = insert(request.store, "user_invoices", _invoice(request, workspace["id"]))
    invoice["document_id"] = invoice["document_id"] or f"INV-{invoice['id']}"
    return Reply([invoice_view(invoice)])


@handles("delete_workspace_invoice")
def delete_workspace_invoice(request: FakeRequest) -> Reply:
    workspace = member_workspace(request)
    invoice = _one(request, workspace["id"], request.path_params["user_invoice_id"])
    invoice["deleted_at"] = stamp(request.store.now())
    request.store.touch(invoice)
    return Reply("OK")


@handles("get_workspace_invoice_pdf")
def get_workspace_invoice_pdf(request: FakeRequest) -> Reply:
    workspace = member_workspace(request)
    invoice = _one(request, workspace["id"], request.path_params["invoice_id"])
    content = report_files.pdf_file(f"Invoice {invoice['document_id']}", pdf_lines(invoice))
    name = f"invoice_{re.sub(r'[^A-Za-z0-9._-]', '_', invoice['document_id'])}.pdf"  # safe in the header
    return Reply(content=content, content_type=report_files.PDF, headers=report_files.attachment(name))
