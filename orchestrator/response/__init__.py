"""The alert as the command office runs it: its lifecycle, the office that drafts, approves and issues it, and who acts."""
