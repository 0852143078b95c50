"""Billing documents (PDF files) and the browser redirects of the fake.

PDFs: real PDF 1.4 files (routes/report_files.py) for the ids the fake's billing data knows, 404 for any
other. An organization's invoice is the newest payment record `list_payment_records` lists (id
`in_<org id>_1`; its invoice number works too); its purchase order is `PO-<org id>-1`. Every workspace has
one payment receipt (PAYMENT_ID) and one purchase order (PURCHASE_ORDER_ID) of the older per-workspace
billing. Organization documents are for organization admins (403 otherwise), workspace ones for admins
of the workspace's organization.

Redirects answer 302 with an absolute Location on another host (the identity provider's result page,
the desktop login page, the calendar provider's consent page), as Toggl does [V:SW26]. A second Google
calendar integration on the Free plan is a 402, as the swagger's 402 text says [V:SW26].
"""

from __future__ import annotations

import base64
import binascii
import secrets
from urllib.parse import parse_qsl, urlencode

from toggl_async.testing.http import OPEN_OPERATIONS, ApiError, FakeRequest, Reply, bad_request, forbidden, handles
from toggl_async.testing.routes.common import is_org_admin, member_org, plan_of
from toggl_async.testing.routes.report_files import PDF, attachment, pdf_file

PAYMENT_ID = 5501
PURCHASE_ORDER_ID = 6601
WEB = "https://track.toggl.com"
CALENDAR_CONSENT = {
    "google": "https://accounts.google.com/o/oauth2/v2/auth",
    "outlook": "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
}


def _pdf(name: str, title: str, lines: list[str]) -> Reply:
    return Reply(content=pdf_file(title, lines), content_type=PDF, headers=attachment(name))


def _org_admin(request: FakeRequest) -> dict[str, object]:
    return member_org(request, admin=True, missing=403)


def _workspace_admin_org(request: FakeRequest) -> dict[str, object]:
    store = request.store
    workspace = store.workspace_for(request.user_id, request.path_params["workspace_id"])
    if not is_org_admin(store, workspace["organization_id"], request.user_id):
        raise forbidden()
    org: dict[str, object] = store.tables["organizations"][workspace["organization_id"]]
    return org


@handles("get_organization_invoice_pdf")
def get_organization_invoice_pdf(request: FakeRequest) -> Reply:
    org = _org_admin(request)
    uid = request.path_params["invoice_uid"]
    if uid not in (f"in_{org['id']}_1", f"TGL-{org['id']}-0001"):
        raise ApiError(404, "No invoice found")
    number = f"TGL-{org['id']}-0001"
    return _pdf(f"invoice-{number}.pdf", f"Invoice {number}", [
        f"Organization: {org['name']}", "Date: 2024-12-01", "Subscription", "Total: 18.00 USD", "Status: paid",
    ])  # fmt: skip


@handles("get_organization_purchase_order_pdf")
def get_organization_purchase_order_pdf(request: FakeRequest) -> Reply:
    org = _org_admin(request)
    if request.path_params["purchase_order_uid"] != f"PO-{org['id']}-1":
        raise ApiError(404, "Purchase order not found")
    return _pdf(f"purchase-order-PO-{org['id']}-1.pdf", f"Purchase order PO-{org['id']}-1", [
        f"Organization: {org['name']}", f"Plan: {org.get('pricing_plan_name', 'Free')}", "Seats: 1",
    ])  # fmt: skip


@handles("get_workspace_payment_receipt_pdf")
def get_workspace_payment_receipt_pdf(request: FakeRequest) -> Reply:
    org = _workspace_admin_org(request)
    wid, payment = request.path_params["workspace_id"], request.path_params["payment_id"]
    if payment != PAYMENT_ID:
        raise ApiError(404, f"Payment {payment} not found for workspace {wid}")
    return _pdf(f"receipt-{payment}.pdf", f"Payment receipt {payment}", [
        f"Workspace: {wid}", f"Organization: {org['name']}", "Amount: 9.00 USD", "Paid: 2024-11-01",
    ])  # fmt: skip


@handles("get_workspace_purchase_order_pdf")
def get_workspace_purchase_order_pdf(request: FakeRequest) -> Reply:
    _workspace_admin_org(request)
    wid, order = request.path_params["workspace_id"], request.path_params["purchase_order_id"]
    if order != PURCHASE_ORDER_ID:
        raise ApiError(404, "Purchase order not found")
    return _pdf(f"purchase-order-{order}.pdf", f"Purchase order {order}", [f"Workspace: {wid}", "Seats: 1"])


# ------------------------------------------------------------------------------------------- redirects
def redirect(location: str) -> Reply:
    return Reply(status=302, headers={"location": location}, empty=True)


OPEN_OPERATIONS.add("complete_saml2_login")  # the identity provider's form post carries no credentials


@handles("complete_saml2_login")
def complete_saml2_login(request: FakeRequest) -> Reply:
    if request.headers.get("content-type", "").split(";", 1)[0].strip() != "application/x-www-form-urlencoded":
        raise bad_request("Expected a form (application/x-www-form-urlencoded)")
    try:
        form = dict(parse_qsl(request.raw_body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise bad_request("Invalid form") from None
    assertion = form.get("SAMLResponse", "")
    try:
        decoded = base64.b64decode(assertion, validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if not decoded:
        raise bad_request("Invalid SAMLResponse")
    wid = request.path_params["workspace_id"]
    result = "success" if b"Success" in decoded else "failure"
    query = {"workspace_id": str(wid), "result": result}
    if "RelayState" in form:
        query["state"] = form["RelayState"]
    return redirect(f"{WEB}/sso/result?{urlencode(query)}")


@handles("get_desktop_login_redirect")
def get_desktop_login_redirect(request: FakeRequest) -> Reply:
    token = secrets.token_urlsafe(16)
    return redirect(f"{WEB}/desktop/login?{urlencode({'login_token': token})}")


@handles("get_calendar_setup_redirect")
def get_calendar_setup_redirect(request: FakeRequest) -> Reply:
    provider = request.query.get("provider", "")
    if provider not in CALENDAR_CONSENT:
        raise bad_request("invalid provider name")
    # Every user of the fake has one Google integration (routes/fixed.py); Free allows one per provider.
    workspace = request.store.tables["workspaces"].get(int(request.user.get("default_workspace_id") or 0))
    if provider == "google" and workspace is not None and plan_of(request.store, workspace) == "Free":
        raise ApiError(402, "user plan does not allow multiple integrations with the same provider")
    state = {"user_id": str(request.user_id), "return_to": request.query.get("return_to", f"{WEB}/integrations")}
    consent = urlencode({"client_id": "toggl-track", "state": urlencode(state)})
    return redirect(f"{CALENDAR_CONSENT[provider]}?{consent}")
