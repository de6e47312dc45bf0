# MyelomaCDS developer commands. `make run` and `make test` work on a fresh machine with Python 3.11.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint format bench browser-deps pdf-deps clean help

help:
	@echo "make run    - set up .venv, migrate SQLite, load the catalog and demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test   - install the test tools and run the whole suite (unit, integration, browser)"
	@echo "make lint   - ruff check, ruff format --check and mypy"
	@echo "make bench  - print engine and page benchmarks"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamp files: requirements are reinstalled only when their files change.
$(VENV)/.runtime-installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

run: $(VENV)/.runtime-installed pdf-deps
	DEBUG=true $(PY) manage.py migrate --no-input
	DEBUG=true $(PY) manage.py load_catalog --keep-edits
	DEBUG=true $(PY) manage.py load_demo_data
	@echo
	@echo "MyelomaCDS is starting on http://$(HOST):$(PORT)/ (Ctrl+C stops it). Log in with a demo login above."
	DEBUG=true $(PY) manage.py runserver $(HOST):$(PORT)

# Browser tests drive Debian's Chromium; install it when it is missing and we may (root).
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	  else \
	    echo "Chromium is missing: install Debian's 'chromium' package (browser tests need /usr/bin/chromium)."; exit 1; \
	  fi; \
	fi

# The board's PDFs: WeasyPrint lays them out with Debian's Pango and DejaVu fonts; poppler-utils (pdftoppm) turns
# them into pictures to look at. Install what is missing when we may (root).
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils
pdf-deps:
	@missing=""; \
	for pkg in $(PDF_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$pkg" 2>/dev/null | grep -q "ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "The PDFs need Debian's packages$$missing: install them (apt-get install$$missing)."; exit 1; \
	  fi; \
	fi

test: $(VENV)/.dev-installed browser-deps pdf-deps
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

# mypy reads its files and strictness from [tool.mypy] in pyproject.toml; DEBUG=true lets the settings import.
lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=true $(VENV)/bin/mypy

format: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(VENV)/.dev-installed
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache test-artifacts
