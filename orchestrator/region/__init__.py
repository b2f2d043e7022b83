"""The administrative tiers: a province, its cities and their counties (GB/T 2260), and the area
an installation serves (one city, or a province with all its cities)."""
