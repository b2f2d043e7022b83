"""The scheduler (an edge): APScheduler wiring and the per-slot run claims; job bodies call the
consultation and control use cases."""
