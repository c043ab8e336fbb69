# breachtracker: `make run` starts the app with demo data, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install run worker test lint bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "breachtracker needs Python 3.11 or newer")'
	@bash scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) scripts/run_dev.py

worker: install
	$(VENV)/bin/celery -A breachtracker worker -B -l info

test: install
	bash scripts/test.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy breachtracker incidents notifications reporting accounts

bench: install
	$(PY) manage.py benchmark all

clean:
	bash scripts/services.sh down || true
	rm -rf $(VENV) var
