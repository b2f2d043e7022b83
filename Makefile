# Everything a developer and CI run. `make check` is exactly what CI runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint format types contracts check bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

# The main job on the embedded default: score a sample day, then decide on the sample forecast
# and on a week of sample hourly observations.
demo: install
	$(BIN)/orchestrator aqi --mode daily --date 2026-01-07 --pm25 186 --pm10 240 --so2 22 --no2 71 --co 1.6 --o3-1h 40 --o3-8h 31
	$(BIN)/orchestrator --now 2026-01-04T16:00 assess samples/forecast_daily.csv
	$(BIN)/orchestrator --now 2026-01-04T16:00 assess samples/observed_hourly.csv

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

types: install
	$(BIN)/mypy

contracts: install
	$(BIN)/lint-imports

check: lint types contracts test

bench: install
	$(BIN)/python bench/aqi/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis data
