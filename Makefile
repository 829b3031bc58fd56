# Everything a newcomer or CI needs: `make run` serves the demo market, `make test` checks it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask
STAMP := $(VENV)/.installed
CATALOGS := $(wildcard */translations/*/LC_MESSAGES/messages.po */*/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
PYTEST_ARGS ?=

.PHONY: install run test test-sqlite test-postgres e2e lint format bench clean translations fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel

$(STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(COMPILED)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@


# Served by gunicorn, one process with threads (deploy/gunicorn.conf.py says why); PORT picks the port.
run: install
	$(FLASK) db upgrade
	$(FLASK) listings load-categories
	$(FLASK) seed-demo --if-empty
	$(FLASK) search worker --once
	$(BIN)/gunicorn --config deploy/gunicorn.conf.py wsgi:app

# The scale mode on this machine: PostgreSQL, Redis, WEB_WORKERS web processes, job and search
# workers, stopped together on Ctrl-C (deploy/scale.py).
.PHONY: run-scale
run-scale: install
	$(BIN)/python deploy/scale.py

test: install
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "TEST_DATABASE_URL not set: the PostgreSQL run is skipped."; fi

test-sqlite:
	TEST_DATABASE_URL= $(BIN)/pytest --ignore=tests/e2e -q $(PYTEST_ARGS)

test-postgres:
	$(BIN)/pytest --ignore=tests/e2e -q $(PYTEST_ARGS)

e2e: install
	$(BIN)/pytest tests/e2e -q $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	@for script in bench/*.py; do [ -f "$$script" ] || continue; echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Schemathesis over every API operation as two companies on a fresh served instance (SQLite;
# PostgreSQL with FUZZ_DATABASE_URL or TEST_DATABASE_URL). FUZZ_MAX_EXAMPLES=N for a longer run.
FUZZ_STAMP := $(VENV)/.installed-fuzz
$(FUZZ_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,dev,fuzz]'
	touch $(FUZZ_STAMP)

fuzz: install $(FUZZ_STAMP)
	$(BIN)/python fuzz/run_api_fuzz.py

clean:
	rm -rf $(VENV) instance test-results .pytest_cache .ruff_cache *.egg-info
	find . -name '__pycache__' -type d -prune -exec rm -rf {} +
	find . -name '*.mo' -delete
