"""The root of every error the orchestrator raises on purpose."""


class OrchestratorError(Exception):
    """Base of all deliberate errors; edges translate it to exit codes or HTTP answers."""


class ConfigInvalid(OrchestratorError):
    """Raised by the config loaders when a data file (standard, ruleset) is malformed.

    The message names the file and the key, so a reviewer can fix the data without reading code.
    """


class InputInvalid(OrchestratorError):
    """Raised when user input (a CSV or JSON file, a CLI value) cannot be used.

    The message names the place as ``file:row:column: what is wrong``.
    """
