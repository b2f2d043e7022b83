# Everything a developer and CI run. `make check` is exactly what CI runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install system-deps demo test lint format types contracts check bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

# Debian packages the PDFs need (a CJK font; pango comes with the machine). Root or sudo.
system-deps:
	@fc-list :lang=zh | grep -q . || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q fonts-wqy-zenhei >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q fonts-wqy-zenhei >/dev/null; }; }

# The main job on the embedded default (SQLite in data/, sample data, files in out/): score a sample
# day, decide on the sample forecast and a week of observations, import the sample emission list,
# check it against the reduction targets and print its notice boards.
demo: install
	$(BIN)/orchestrator aqi --mode daily --date 2026-01-07 --pm25 186 --pm10 240 --so2 22 --no2 71 --co 1.6 --o3-1h 40 --o3-8h 31
	$(BIN)/orchestrator --now 2026-01-04T16:00 assess samples/forecast_daily.csv
	$(BIN)/orchestrator --now 2026-01-04T16:00 assess samples/observed_hourly.csv
	$(BIN)/orchestrator list import emission_lists/sample_list.xlsx --effective-from 2025-10-01 2>/dev/null
	$(BIN)/orchestrator list check
	$(BIN)/orchestrator list board --out out/boards

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
	$(BIN)/python bench/list_import/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis data out
