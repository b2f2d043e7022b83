"""The effect assessment (效果评估) of an episode, with electricity as compliance evidence."""
