"""Where things are: positions from the list, county outlines, the stations' places (the map)."""
