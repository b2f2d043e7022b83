"""The root of every error the orchestrator raises on purpose, and its four kinds.

Every deliberate error is an :class:`OrchestratorError` whose message is Chinese and names the
place (``file:sheet:row:column: what is wrong``, the field, the alert). The core says what kind
of error it is by the class it raises; only the edges translate the kind — the command line to
an exit code (``orchestrator.cli``), the console and the API to an HTTP status
(``orchestrator.web.errors``), each in one place.
"""


class OrchestratorError(Exception):
    """Base of all deliberate errors: a rule or a state refuses what was asked (exit 1, HTTP
    400) unless a subclass below says otherwise."""


class InputInvalid(OrchestratorError):
    """Raised when user input (a file, a CLI value, a form field, a JSON body) cannot be used
    (exit 2, HTTP 400).

    The message names the place as ``file:row:column: what is wrong``.
    """


class NotFound(OrchestratorError):
    """Raised when what was asked for does not exist: an alert, a list revision, a round, a
    consultation (exit 1, HTTP 404)."""


class ConfigInvalid(OrchestratorError):
    """Raised by the config loaders when a data file (standard, ruleset, city) is malformed
    (exit 1).

    The message names the file and the key, so a reviewer can fix the data without reading code.
    """


class Unavailable(OrchestratorError):
    """Raised when something outside the orchestrator that a step needs is not there: the PDF
    engine, a data source (exit 1, HTTP 503)."""


class Conflict(OrchestratorError):
    """Raised by a store when what is written exists already under its unique key (another
    process wrote it a moment ago); the use case decides whether that one stands (HTTP 409)."""
