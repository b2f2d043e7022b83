"""The one place where the web maps an error's kind to an HTTP status; the console's pages and
the API's JSON answers both ask it."""

from __future__ import annotations

from orchestrator.errors import Conflict, NotFound, OrchestratorError, Unavailable


def status_of(exc: OrchestratorError, *, action: bool = False) -> int:
    """503 for something outside that is not available, 409 for a write that lost a race; 404
    for what a page asks for and does not exist; else — and for every refusal of an action
    (``action``), whatever it names that is missing — 400."""
    if isinstance(exc, Unavailable):
        return 503
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, NotFound) and not action:
        return 404
    return 400
