# semwb — the two commands a new user needs are `make demo` and `make test`; both install first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint system-deps clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@echo "semwb: installing semwb and its dependencies (semopy, numpy, scipy, pandas, dask, ...) into $(VENV)/ -- a minute or two the first time"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Debian packages the browser tests need (Chromium, a CJK font). Installs only what is missing.
system-deps:
	@bash scripts/system-deps.sh

demo: install
	@echo "semwb: fitting every model in models/ on the example data (surveys/examples/) into reports/"
	$(BIN)/semwb demo --out reports
	@echo "semwb: done. Open reports/index.html in a browser (every model links to its report)."

test: install system-deps
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache
