# The two commands a newcomer needs: `make run` and `make test`. Everything installs into .venv from setup.cfg.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run test spec bench lock lint clean

# Versions come from the lock files in requirements/ (what CI tested); `make lock` refreshes them from setup.cfg.
$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	touch $@

$(VENV)/.run-installed: $(VENV)/.created setup.cfg pyproject.toml requirements/run.txt
	$(BIN)/pip install --quiet -r requirements/run.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.run-installed requirements/test.txt
	$(BIN)/pip install --quiet -r requirements/test.txt
	touch $@

install: $(VENV)/.run-installed

## run: migrate the SQLite database in instance/, create the demo tenant, serve on 127.0.0.1:8000
run: $(VENV)/.run-installed
	$(BIN)/wms-service db upgrade
	$(BIN)/wms-service demo
	$(BIN)/gunicorn 'wms_service:create_app()'

## test: every test, on SQLite and on PostgreSQL (127.0.0.1:5432)
test: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2 --dist loadgroup

## spec: regenerate openapi.yaml from the code
spec: $(VENV)/.run-installed
	$(BIN)/wms-service openapi write --format=yaml openapi.yaml

## bench: the benchmarks in bench/ (see bench/README.md)
bench: $(VENV)/.test-installed
	$(BIN)/python bench/run.py

## lint: format the tree and fix what ruff can (make test checks both)
lint: $(VENV)/.test-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## lock: pin setup.cfg's dependencies again (needs uv: pip install uv)
lock:
	uv pip compile setup.cfg --python-version 3.11 --universal -q -o requirements/run.txt
	uv pip compile setup.cfg --python-version 3.11 --universal -q --extra test --extra bench -o requirements/test.txt

clean:
	rm -rf $(VENV) instance .pytest_cache build *.egg-info
