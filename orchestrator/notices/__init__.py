"""Notices: frozen template contexts (the documented contracts) and rendering."""
