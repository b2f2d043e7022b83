# Everything a developer and CI run. `make check` is exactly what CI runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install system-deps locale demo demo-province drill test test-hostile lint format types contracts check bench bench-small clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

# Debian packages: the free CJK fonts the documents' font roles fall back to (config/documents.toml:
# Noto Serif/Sans CJK for 宋/仿宋 and 黑体, AR PL UKai for 楷体; pango comes with the machine) and
# Chromium for the console's browser tests (Playwright drives /usr/bin/chromium; no browser
# download). Root or sudo.
system-deps:
	@SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); PKGS=""; \
	fc-list | grep -q "Noto Serif CJK" || PKGS="$$PKGS fonts-noto-cjk"; \
	fc-list | grep -q "AR PL UKai" || PKGS="$$PKGS fonts-arphic-ukai"; \
	[ -x /usr/bin/chromium ] || PKGS="$$PKGS chromium chromium-driver"; \
	[ -z "$$PKGS" ] || $$SUDO apt-get install -y -q $$PKGS >/dev/null 2>&1 || \
	{ $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q $$PKGS >/dev/null; }

# The main job on the embedded default (a fresh SQLite file in data/, sample data, notices in
# out/demo/): the sample list imported, the sample forecast decided, an alert drafted, approved by a
# second person and issued, every notice written, a summary printed.
demo: install
	$(BIN)/orchestrator demo

# The provincial flow on the sample province (示例省 and its three cities, data/demo-province*.db,
# notices in out/demo-province/): a 调度令 to every city, each city's alert issued with its orders
# and task notices, the cities' report-backs and the province's view of them.
demo-province: install
	$(BIN)/orchestrator demo --province --out out/demo-province

# A drill (应急演练) of the sample scenario: five simulated days through the real pipeline in its
# own database (data/drill.db), every message to the folder out/drill, every notice marked 演练.
drill: install
	$(BIN)/orchestrator drill

test: install
	$(BIN)/pytest -q

# The hostile-input corpus (tests marked hostile) again, under a limit of 4 GB of address space:
# a reader that allocates by what a file declares, not by what it holds, fails here instead of
# exhausting the machine.
test-hostile: install
	ulimit -v 4194304 && $(BIN)/pytest -q -m hostile

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

check: lint types contracts test test-hostile bench-small

# Every benchmark at a small size: the scripts keep working (the recorded results are untouched).
# click's messages in Chinese: compile orchestrator/cli/locale/zh_CN/LC_MESSAGES/messages.po
locale: install
	$(BIN)/python -c "from orchestrator.cli.locale import COMPILED, compiled; COMPILED.write_bytes(compiled())"

bench-small: install
	$(BIN)/python bench/small.py

bench: install
	$(BIN)/python bench/startup/run.py
	$(BIN)/python bench/aqi/run.py
	$(BIN)/python bench/list_import/run.py
	$(BIN)/python bench/dispatch/run.py
	$(BIN)/python bench/deliver/run.py
	$(BIN)/python bench/web/run.py
	$(BIN)/python bench/replay/run.py
	$(BIN)/python bench/province/run.py
	$(BIN)/python bench/inspection/run.py --postgres "postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dorc_bench_inspection"
	$(BIN)/python bench/report.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis data out
