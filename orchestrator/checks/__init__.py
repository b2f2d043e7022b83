"""Coverage check tasks (核查任务): a coverage run's findings sent through the response network to
the units that check them, and their answers, finding by finding."""
