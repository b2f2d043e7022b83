"""Heavy-pollution emergency response orchestrator (重污染天气应急响应)."""

__version__ = "0.1.0"
