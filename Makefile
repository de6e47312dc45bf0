# MyelomaCDS developer commands. `make run` and `make test` work on a fresh machine with Python 3.11.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint format bench browser-deps clean help

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

run: $(VENV)/.runtime-installed
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

test: $(VENV)/.dev-installed browser-deps
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
