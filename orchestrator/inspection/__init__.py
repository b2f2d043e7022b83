"""Inspection (帮扶/执法): the evidence of each enterprise's day fused into a compliance score
with its reasons, and the day's inspection queue drawn from it (the highest scores, and a random
share of each county so that low scores are checked too)."""
