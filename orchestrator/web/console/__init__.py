"""The duty officers' console (server-rendered pages)."""
