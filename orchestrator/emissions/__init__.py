"""The emergency emission list (应急减排清单): its values, parsing and validation, plans, and the import."""
