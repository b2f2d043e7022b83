"""Drills (应急演练): a scenario run on a simulated clock through the real pipeline, marked 演练."""
