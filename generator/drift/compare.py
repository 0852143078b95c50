"""What differs between Toggl's published swagger 2.0 files and our OpenAPI 3.1 spec.

Operations match by method and path, with `{...}` placeholders compared by position, not by name.
Schemas are matched through the operations, never by name (ours say `TimeEntry`, Toggl's
`models.TimeEntry`, and one of ours may stand for several of theirs): from each operation both sides
have, the request bodies are compared with each other, and so are the success (first 2xx) response
bodies; wherever both sides have an object, their fields are compared, and fields both have are
followed into their own schemas. A pair of named schemas reached from several operations is reported
once, under `ours ~ theirs`, and remembers the operations that lead to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from .shapes import Pointer, Schema, Shape, describe, ours_shape, published_shape

HTTP_METHODS = ("get", "put", "post", "patch", "delete")
PLACEHOLDER = re.compile(r"\{[^}]*\}")


@dataclass(frozen=True)
class Difference:
    """One difference. `added` means the published files have it and we do not; `removed` the reverse.

    kind: operation | parameter | body | field; change: added | removed | retyped | nullability |
    enum | location | required. `where` is the operation or the schema pair; `name` the operation,
    parameter, body or field path. `own`, `scopes` and `subjects` are what the explanation rule
    (comments.py) looks at; `via` holds the operations whose bodies lead to a schema pair.
    """

    kind: str
    change: str
    where: str
    name: str
    published: str
    ours: str
    own: tuple[Pointer, ...] = ()
    scopes: tuple[Pointer, ...] = ()
    subjects: tuple[str, ...] = ()
    via: frozenset[Pointer] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Operation:
    """One operation of either side; `path` has the full prefix (/api/v9/...)."""

    method: str
    path: str
    operation: Schema
    path_parameters: tuple[Schema, ...]
    pointer: Pointer

    @property
    def key(self) -> tuple[str, str]:
        return self.method, PLACEHOLDER.sub("{}", self.path)

    @property
    def label(self) -> str:
        operation_id = self.operation.get("operationId")
        return f"{self.method} {self.path}" + (f" ({operation_id})" if self.pointer and operation_id else "")


def operations(doc: Schema, prefix: str = "", ours: bool = False) -> Iterator[Operation]:
    """Every operation of a document; published paths get `prefix` (the file's basePath)."""
    for path, item in doc.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                pointer: Pointer = ("paths", path, method) if ours else ()
                shared = tuple(item.get("parameters", []))
                yield Operation(method.upper(), prefix + path, item[method], shared, pointer)


def compare_operations(spec: Schema, published: list[tuple[Schema, Operation]]) -> list[Difference]:
    """All differences between our spec and the published operations (each with its document)."""
    ours = {operation.key: operation for operation in operations(spec, ours=True)}
    theirs = {operation.key: (doc, operation) for doc, operation in published}
    found: list[Difference] = []
    for key in sorted(theirs.keys() - ours.keys()):
        operation = theirs[key][1]
        summary = str(operation.operation.get("summary", ""))
        found.append(Difference("operation", "added", operation.label, operation.label, summary, "", ()))
    for key in sorted(ours.keys() - theirs.keys()):
        operation = ours[key]
        subjects = (str(operation.operation.get("operationId", operation.path)),)
        own, scopes = (operation.pointer,), (operation.pointer[:2],)
        found.append(
            Difference("operation", "removed", operation.label, operation.label, "", "", own, scopes, subjects)
        )
    for key in sorted(ours.keys() & theirs.keys()):
        doc, operation = theirs[key]
        walker = Walker(spec, doc, ours[key])
        found += walker.parameters(operation)
        found += walker.bodies(operation)
    return merge(found)


def merge(found: list[Difference]) -> list[Difference]:
    """One line per difference: a schema pair reached from several operations keeps them all in `via`."""
    merged: dict[tuple[str, str, str, str], Difference] = {}
    for difference in found:
        key = (difference.kind, difference.change, difference.where, difference.name)
        if key in merged:
            difference = replace(merged[key], via=merged[key].via | difference.via)
        merged[key] = difference
    return list(merged.values())


class Walker:
    """Compares one operation both sides have: its parameters, then its bodies and the schemas they lead to."""

    def __init__(self, spec: Schema, doc: Schema, ours: Operation) -> None:
        self.spec, self.doc, self.ours = spec, doc, ours
        self.scopes: tuple[Pointer, ...] = (ours.pointer, ours.pointer[:2])
        self.seen: set[tuple[str, str]] = set()

    def parameters(self, theirs: Operation) -> Iterator[Difference]:
        """Parameters added, removed, moved (query vs formData), retyped, re-enumerated or made (not) required."""
        mine = self._our_parameters()
        placeholders = zip(PLACEHOLDER.findall(theirs.path), PLACEHOLDER.findall(self.ours.path), strict=True)
        renamed = {published[1:-1]: ours[1:-1] for published, ours in placeholders}
        published: dict[str, Schema] = {}
        for parameter in (*theirs.path_parameters, *theirs.operation.get("parameters", [])):
            parameter = self._published_ref(parameter)
            name = str(parameter.get("name"))
            if parameter.get("in") == "path":
                name = renamed.get(name, name)
            if parameter.get("in") != "body":
                published[name] = parameter
        where, scopes = self.ours.label, self.scopes
        for name in sorted(published.keys() | mine.keys()):
            if name not in published:
                ours_p, own = mine[name]
                shown = f"{ours_p.get('in')} {describe(ours_shape(self.spec, ours_p.get('schema', {}), ()))}"
                yield Difference("parameter", "removed", where, name, "", shown, own, scopes, (name,))
            elif name not in mine:
                shown = f"{published[name].get('in')} {describe(published_shape(self.doc, published[name]))}"
                yield Difference("parameter", "added", where, name, shown, "", (), scopes, (name,))
            else:
                yield from self._parameter(name, published[name], *mine[name])

    def _parameter(self, name: str, theirs: Schema, ours: Schema, own: tuple[Pointer, ...]) -> Iterator[Difference]:
        where, scopes = self.ours.label, self.scopes
        if theirs["in"] != ours["in"]:
            yield Difference("parameter", "location", where, name, theirs["in"], ours["in"], own, scopes, (name,))
        if bool(theirs.get("required")) != bool(ours.get("required")):
            yield Difference(
                "parameter", "required", where, name, str(bool(theirs.get("required"))).lower(),
                str(bool(ours.get("required"))).lower(), own, scopes, (name,),
            )  # fmt: skip
        pointer = (*own[0], "schema") if own else ()
        mine = ours_shape(self.spec, ours.get("schema", {}), pointer)
        place = Place(where, "parameter", "", own[0] if own else (), self.scopes)
        yield from self._compare(mine, published_shape(self.doc, theirs), name, own, place, follow=False)

    def _our_parameters(self) -> dict[str, tuple[Schema, tuple[Pointer, ...]]]:
        """Our parameters by name, each with its pointers: the list entry and, for a `$ref`, the component."""
        found: dict[str, tuple[Schema, tuple[Pointer, ...]]] = {}
        lists = [((*self.ours.pointer[:2], "parameters"), self.ours.path_parameters)]
        lists.append(((*self.ours.pointer, "parameters"), tuple(self.ours.operation.get("parameters", []))))
        for base, entries in lists:
            for index, parameter in enumerate(entries):
                own: tuple[Pointer, ...] = ((*base, index),)
                if "$ref" in parameter:
                    component = str(parameter["$ref"]).rsplit("/", 1)[-1]
                    own += (("components", "parameters", component),)
                    parameter = self.spec["components"]["parameters"][component]
                found[str(parameter["name"])] = (parameter, own)
        return found

    def _published_ref(self, parameter: Schema) -> Schema:
        if "$ref" in parameter:
            return dict(self.doc.get("parameters", {}).get(str(parameter["$ref"]).rsplit("/", 1)[-1], {}))
        return parameter

    def bodies(self, theirs: Operation) -> Iterator[Difference]:
        """The request bodies compared, then the success response bodies."""
        parameters = [self._published_ref(p) for p in theirs.operation.get("parameters", [])]
        body = next((p for p in parameters if p.get("in") == "body"), None)
        request = _followed(self.spec, self.ours.operation.get("requestBody"))
        own = (*self.ours.pointer, "requestBody")
        schema = None if body is None else body.get("schema", {})
        yield from self._body("request body", schema, _content(request), own, ("request body",))
        code, response = _success(self.ours.operation.get("responses", {}))
        response = _followed(self.spec, response)
        published = _followed(self.doc, _success(theirs.operation.get("responses", {}))[1]) or {}
        own = (*self.ours.pointer, "responses", code)
        subjects = ("response body", f"{code} body")
        yield from self._body("response body", published.get("schema"), _content(response), own, subjects)

    def _body(
        self, name: str, theirs: Schema | None, ours: tuple[Schema, str] | None, own: Pointer, subjects: tuple[str, ...]
    ) -> Iterator[Difference]:
        """One body: present on one side only, or compared position by position (kind `body` at its root)."""
        where, scopes = self.ours.label, self.scopes
        if theirs is None and ours is None:
            return
        if ours is None or theirs is None:
            change = "added" if ours is None else "removed"
            theirs_text = "" if theirs is None else describe(published_shape(self.doc, theirs))
            ours_text = "" if ours is None else describe(ours_shape(self.spec, ours[0], (*own, *_path(ours[1]))))
            yield Difference("body", change, where, name, theirs_text, ours_text, (own,), scopes, subjects)
            return
        mine = ours_shape(self.spec, ours[0], (*own, *_path(ours[1])))
        place = Place(where, "body", "", own, scopes, subjects=subjects)
        yield from self._compare(mine, published_shape(self.doc, theirs), name, (own,), place, follow=True)

    def _compare(
        self, ours: Shape, theirs: Shape, name: str, own: tuple[Pointer, ...], place: Place, follow: bool
    ) -> Iterator[Difference]:
        """Type, nullability and enum of one position; then, if `follow`, its items or fields."""
        line = place.line(name, own)
        if "any" not in (ours.type, theirs.type) and ours.type != theirs.type:
            yield line("retyped", describe(theirs), describe(ours))
            return
        if theirs.nullable is not None and bool(ours.nullable) != theirs.nullable:
            yield line("nullability", "nullable" if theirs.nullable else "not nullable",
                       "nullable" if ours.nullable else "not nullable")  # fmt: skip
        if ours.enum != theirs.enum and ours.type != "boolean":
            yield line("enum", _enum(theirs.enum), _enum(ours.enum))
        if not follow:
            return
        if ours.type == "array" and ours.items is not None and theirs.items is not None:
            items = ours_shape(self.spec, ours.items, ours.items_pointer or ())
            yield from self._compare(items, published_shape(self.doc, theirs.items), f"{name}[]", own, place, True)
        elif ours.properties and theirs.properties:
            yield from self._fields(ours, theirs, name, place)

    def _fields(self, ours: Shape, theirs: Shape, name: str, place: Place) -> Iterator[Difference]:
        """Fields of two objects; a named schema of ours starts a pair of its own (`Me ~ models.Me`)."""
        if ours.label is not None or place.kind == "body":
            mine = ours.label or f"{self.ours.operation.get('operationId', self.ours.label)} {name}"
            pair = f"{mine} ~ {theirs.label or 'inline'}"
            if (pair, "") in self.seen:
                return
            self.seen.add((pair, ""))
            place = Place(pair, "field", "", ours.pointer or (), (), frozenset({self.ours.pointer}))
        else:
            place = replace(place, prefix=f"{place.prefix}{name}.")
        # A comment at this object, or at any object enclosing it up to the pair's schema, may name the field.
        container = ours.pointer or ()
        chain = tuple(container[:length] for length in range(len(container), len(place.root) - 1, -1))
        place = replace(place, scopes=chain + place.scopes)
        for field_name in sorted(ours.properties.keys() | theirs.properties.keys()):
            mine_s, pointer = ours.properties.get(field_name, (None, None))
            theirs_s = theirs.properties.get(field_name, (None, None))[0]
            own = () if pointer is None else (pointer,)
            line = place.line(field_name, own)
            if mine_s is None and theirs_s is not None:
                yield line("added", describe(published_shape(self.doc, theirs_s)), "")
            elif theirs_s is None and mine_s is not None:
                yield line("removed", "", describe(ours_shape(self.spec, mine_s, pointer or ())))
            elif mine_s is not None and theirs_s is not None:
                shape = ours_shape(self.spec, mine_s, pointer or ())
                yield from self._compare(shape, published_shape(self.doc, theirs_s), field_name, own, place, True)


@dataclass(frozen=True)
class Place:
    """Where a comparison stands: the report group, the kind of its lines, and the scopes a comment may name."""

    where: str
    kind: str
    prefix: str
    root: Pointer
    scopes: tuple[Pointer, ...]
    via: frozenset[Pointer] = frozenset()
    subjects: tuple[str, ...] = ()

    def line(self, name: str, own: tuple[Pointer, ...]) -> Callable[[str, str, str], Difference]:
        """A function making this position's Difference from (change, published, ours)."""
        scopes = self.scopes
        subjects = self.subjects if self.kind == "body" and not self.prefix else (name.removesuffix("[]"),)

        def make(change: str, published: str, ours: str) -> Difference:
            kind = "field" if self.prefix or self.kind == "field" else self.kind
            full = self.prefix + name
            return Difference(kind, change, self.where, full, published, ours, own, scopes, subjects, self.via)

        return make


def _success(responses: Schema) -> tuple[str, Schema | None]:
    """The first 2xx response (code and response object), or ("", None)."""
    for code in sorted(responses, key=str):
        if str(code).startswith("2"):
            return str(code), responses[code]
    return "", None


def _followed(doc: Schema, node: Schema | None) -> Schema | None:
    """A request body or response with its `$ref` followed (`#/components/responses/X`, `#/responses/X`)."""
    if node is not None and "$ref" in node:
        target: Any = doc
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return target if isinstance(target, dict) else {}
    return node


def _content(body: Schema | None) -> tuple[Schema, str] | None:
    """The JSON schema of one of our request bodies or responses and its media type, or None without one."""
    content = (body or {}).get("content") or {}
    media = "application/json" if "application/json" in content else next(iter(content), None)
    if media is None or "schema" not in content[media]:
        return None
    return content[media]["schema"], media


def _path(media: str) -> Pointer:
    return ("content", media, "schema")


def _enum(values: frozenset[Any] | None) -> str:
    return "free" if values is None else "enum " + ",".join(sorted(map(str, values)))
