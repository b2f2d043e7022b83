"""Evidence that comes in as tables: CSV files and HTTP JSON sources of hourly readings (meters,
loads, CEMS outlets, truck gates), each record with the place an error names."""
