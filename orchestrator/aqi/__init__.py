"""AQI after HJ 633: breakpoint tables as data, exact IAQI arithmetic, rolling daily values."""

from orchestrator.aqi.model import (
    AqiStandard,
    Category,
    Metric,
    Pollutant,
    StandardNotFound,
    select_standard,
)
from orchestrator.aqi.scoring import AqiResult, Concentrations, Mode, score

__all__ = [
    "AqiResult",
    "AqiStandard",
    "Category",
    "Concentrations",
    "Metric",
    "Mode",
    "Pollutant",
    "StandardNotFound",
    "score",
    "select_standard",
]
