"""Uploads on the fake: the user's avatar and the workspace logo (multipart/form-data images) and feedback.

An image must come in the form's `file` part, declared PNG, JPEG, GIF or WebP (400 "Invalid content type for
image" otherwise [V:SW26 post-avatars]), with bytes that are such an image (400 "We were unable to resize your
image..." otherwise [V:SW26]), at most 5 MiB (413 [I]). The fake keeps the image; its URL becomes the
profile's `image_url` / the workspace's `logo_url`, and the delete operations (routes/fixed.py) put the
defaults back. Feedback needs toggl_version, date and details [V:SW26]; the fake keeps what was sent in
`uploads_state(fake).feedback`, attachments included.
"""

from __future__ import annotations

import hashlib
import weakref
from typing import TYPE_CHECKING

import attrs

from toggl_async.testing.http import FakeRequest, Reply, bad_request, empty, forbidden, handles
from toggl_async.testing.routes.common import is_org_admin
from toggl_async.testing.routes.fixed import state as fixed_state
from toggl_async.testing.routes.multipart import Part, parse

if TYPE_CHECKING:
    from toggl_async.testing.app import FakeToggl

MiB = 1024 * 1024
MAX_IMAGE = 5 * MiB
MAX_ATTACHMENT = 10 * MiB
ASSETS = "https://assets.track.toggl.com"
# Declared type -> how such a file starts (WebP: "RIFF" <size> "WEBP").
IMAGE_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",), "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}  # fmt: skip


@attrs.define
class Stored:
    """An uploaded file as the fake keeps it."""

    url: str
    filename: str
    content_type: str
    data: bytes = attrs.field(repr=False)


@attrs.define
class UploadsState:
    """What was uploaded to one fake: avatars by user id, logos by workspace id, feedback in order."""

    avatars: dict[int, Stored] = attrs.field(factory=dict)
    logos: dict[int, Stored] = attrs.field(factory=dict)
    feedback: list[dict[str, object]] = attrs.field(factory=list)


_STATES: weakref.WeakKeyDictionary[FakeToggl, UploadsState] = weakref.WeakKeyDictionary()


def uploads_state(fake: FakeToggl) -> UploadsState:
    found = _STATES.get(fake)
    if found is None:
        found = _STATES[fake] = UploadsState()
    return found


def file_part(parts: dict[str, Part], name: str = "file") -> Part:
    part = parts.get(name)
    if part is None or part.filename is None:
        raise bad_request(f"No file was uploaded in the '{name}' form field")
    return part


def image(request: FakeRequest, folder: str) -> Stored:
    """The form's image, checked, with the URL the fake serves it under (content-addressed: a new image,
    a new URL)."""
    part = file_part(parse(request, max_size=MAX_IMAGE))
    if part.content_type not in IMAGE_MAGIC:
        raise bad_request("Invalid content type for image")
    if not part.data.startswith(IMAGE_MAGIC[part.content_type]) or (
        part.content_type == "image/webp" and part.data[8:12] != b"WEBP"
    ):
        raise bad_request(
            "We were unable to resize your image, please check your image and possibly convert it to a png or "
            "jpeg and try again"
        )
    digest, name = hashlib.sha256(part.data).hexdigest()[:16], part.filename or "upload"
    return Stored(f"{ASSETS}/{folder}/{digest}/{name}", name, part.content_type, part.data)


@handles("upload_avatar")
def upload_avatar(request: FakeRequest) -> Reply:
    stored = image(request, "avatars")
    uploads_state(request.fake).avatars[request.user_id] = stored
    fixed_state(request.fake).avatars[request.user_id] = stored.url
    request.user["image_url"] = stored.url
    sizes = {"small": f"{stored.url}?s=64", "medium": f"{stored.url}?s=128", "large": f"{stored.url}?s=256"}
    return Reply({"avatar_urls": sizes, "fileType": stored.content_type, "name": stored.filename})


@handles("upload_workspace_logo")
def upload_workspace_logo(request: FakeRequest) -> Reply:
    workspace = request.store.workspace_for(request.user_id, request.path_params["workspace_id"])
    if not is_org_admin(request.store, workspace["organization_id"], request.user_id):
        raise forbidden()
    stored = image(request, "logos")
    uploads_state(request.fake).logos[workspace["id"]] = stored
    fixed_state(request.fake).logos[workspace["id"]] = stored.url
    workspace["logo_url"] = stored.url
    request.store.touch(workspace)
    return Reply({"logo": stored.url})


@handles("send_feedback")
def send_feedback(request: FakeRequest) -> Reply:
    parts = parse(request, max_size=MAX_ATTACHMENT)
    values = {name: part.text for name, part in parts.items() if part.filename is None}
    if not values.get("toggl_version") or not values.get("date"):
        raise bad_request("Please specify the toggl_version and date when sending feedback.")
    if not values.get("details"):
        raise bad_request("Please specify the details of your feedback.")
    if "latest" in values and values["latest"] not in ("true", "false"):
        raise bad_request("latest must be true or false")
    files = [(p.name, p.filename, p.content_type, len(p.data)) for p in parts.values() if p.filename is not None]
    uploads_state(request.fake).feedback.append({"user_id": request.user_id, **values, "files": files})
    return empty()
