"""Delivery of every notice (outbox, channels, workers) and the receipts of the enterprises."""
