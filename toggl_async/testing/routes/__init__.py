"""The fake's route handlers, one module per resource group; importing a module registers its handlers."""

from importlib import import_module

MODULES = (
    "me",
    "organizations",
    "workspaces",
    "clients_tags",
    "projects",
    "tasks",
    "time_entries",
    "reports",
    "reports_summary",
    "reports_search",
    "webhooks",
    "reports_exports",
    "saved_reports",
    "reports_insights",
    "timesheets",
    "rates",
    "track_bulk",
    "goals_reminders",
    "favorites",
    "org_extras",
    "preferences",
    "saved_reports_crud",
    "alerts",
    "user_invoices",
    "fixed",
    "data_exports",
    "ical",
    "time_entry_invitations",
    "project_extras",
    "uploads",
    "expenses",
    "documents",
)


def load_all() -> None:
    """Import every handler module that exists (each registers itself with `http.handles`)."""
    for name in MODULES:
        try:
            import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
