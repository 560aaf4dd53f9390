# The two commands a newcomer needs: `make run` and `make test`. Everything installs into .venv from setup.cfg.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run test test-sqlite spec bench check clean

$(BIN)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

install: $(BIN)/.installed

## run: migrate the SQLite database in instance/, create the demo tenant, serve on 127.0.0.1:8000
run: install
	$(BIN)/wms-service db upgrade
	$(BIN)/wms-service demo
	$(BIN)/gunicorn 'wms_service:create_app()'

## test: every test, on SQLite and on PostgreSQL (127.0.0.1:5432)
test: install
	$(BIN)/pytest -n 2 --dist loadgroup

## spec: regenerate openapi.yaml from the code
spec: install
	$(BIN)/wms-service openapi write --format=yaml openapi.yaml

## bench: the benchmarks in bench/ (see bench/README.md)
bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) instance .pytest_cache build *.egg-info
