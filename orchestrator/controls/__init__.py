"""Recurring controls: the ozone-season VOCs window and the staggered-production calendar."""
