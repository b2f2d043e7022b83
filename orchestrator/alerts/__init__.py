"""Alert levels, rulesets as data and the ``decide`` rule with its trace."""

from orchestrator.alerts.decide import decide
from orchestrator.alerts.model import (
    AlertLevel,
    AqiSeries,
    Counting,
    DailyWindow,
    Decision,
    RegionalHint,
    Ruleset,
    RulesetNotFound,
    So2Reading,
    TraceStep,
    select_ruleset,
)

__all__ = [
    "AlertLevel",
    "AqiSeries",
    "Counting",
    "DailyWindow",
    "Decision",
    "RegionalHint",
    "Ruleset",
    "RulesetNotFound",
    "So2Reading",
    "TraceStep",
    "decide",
    "select_ruleset",
]
