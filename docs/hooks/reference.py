"""mkdocs hook: the API reference pages of the generated code, written at build time from the package.

One page per namespace (a tag of spec/toggl.yaml: `toggl.time_entries`, ...) and one per group of
models, each a list of mkdocstrings `:::` blocks, added to the nav under "API reference". Built from
the package's own registries (the namespaces' modules, `toggl_async._generated.models._MODULES`), so a
namespace or model added to the spec is in the docs at the next build with nothing to edit here.
"""

from __future__ import annotations

import pkgutil
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

# Model groups by class-name prefix, first match wins; the rest go to "Other models".
MODEL_GROUPS = (
    ("Time entries", ("TimeEntry",)),
    ("Projects", ("Project",)),
    ("Clients", ("Client",)),
    ("Tags", ("Tag",)),
    ("Tasks", ("Task",)),
    ("Workspaces", ("Workspace", "SimpleWorkspace")),
    ("Organizations", ("Organization",)),
    ("Invitations", ("Invitation",)),
    ("Reports", ("Report", "Summary", "Detailed", "Weekly")),
    ("Me", ("Me", "Quota", "Location")),
    ("Groups", ("Group",)),
)
OTHER = "Other models"
REFERENCE_HEADING = "API reference"
_PAGES: dict[str, str] = {}


def _slug(title: str) -> str:
    return title.lower().replace(" ", "-")


def namespace_pages() -> dict[str, tuple[str, str]]:
    """{tag: (page path, markdown)} for every namespace of the generated client."""
    from toggl_async._generated import api

    pages = {}
    for module in sorted(info.name for info in pkgutil.iter_modules(api.__path__)):
        title = f"toggl.{module}"
        target = f"toggl_async._generated.api.{module}.{''.join(p.title() for p in module.split('_'))}Api"
        body = (
            f"# `{title}`\n\nThe `{module}` operations: `await toggl.{module}.<operation>(...)`. Each method has a twin"
            f" on `toggl.{module}.raw` that returns the whole `Response` instead.\n\n::: {target}\n"
        )
        pages[title] = (f"reference/namespaces/{module}.md", body)
    return pages


def model_pages() -> dict[str, tuple[str, str]]:
    """{group title: (page path, markdown)} covering every name of `toggl_async.models`."""
    from toggl_async._generated.models import _MODULES

    grouped: dict[str, list[str]] = {title: [] for title, _ in MODEL_GROUPS} | {OTHER: []}
    for name in sorted(_MODULES):
        title = next((t for t, prefixes in MODEL_GROUPS if name.startswith(prefixes)), OTHER)
        grouped[title].append(f"::: toggl_async._generated.models{_MODULES[name]}.{name}")
    pages = {}
    for title, blocks in grouped.items():
        if blocks:
            intro = f"# Models: {title.lower().removesuffix(' models')}\n\nImport them from `toggl_async.models`.\n\n"
            pages[title] = (f"reference/models/{_slug(title)}.md", intro + "\n\n".join(blocks) + "\n")
    return pages


def on_config(config: MkDocsConfig, **_: Any) -> MkDocsConfig:
    namespaces, models = namespace_pages(), model_pages()
    _PAGES.clear()
    _PAGES.update({path: body for path, body in [*namespaces.values(), *models.values()]})
    for entry in config.nav or []:
        if isinstance(entry, dict) and REFERENCE_HEADING in entry:
            entry[REFERENCE_HEADING] += [
                {"Namespaces": [{title: path} for title, (path, _) in namespaces.items()]},
                {"Models": [{title: path} for title, (path, _) in models.items()]},
            ]
    return config


def on_files(files: Files, config: MkDocsConfig, **_: Any) -> Files:
    for path, body in _PAGES.items():
        files.append(File.generated(config, path, content=body))
    return files
