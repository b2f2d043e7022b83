"""Negotiated reductions (协商减排): cuts an enterprise agrees with the command office for one alert
revision, on top of (or, for A-grade enterprises, instead of) its list measures."""
