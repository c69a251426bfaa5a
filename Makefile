# Two entry points on a fresh machine: `make run` (the main job) and `make test` (the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: install run dev test lint bench replay-server clean

$(STAMP): setup.py constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

$(DAGSTER_HOME):
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml

## The main job: today's bronze snapshot, every silver location and gold, then a gold summary.
run: $(STAMP) $(DAGSTER_HOME)
	$(BIN)/brewery-lake run

## The Dagster UI on 127.0.0.1:3000 with the same defaults as `make run`.
dev: $(STAMP) $(DAGSTER_HOME)
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

test: $(STAMP)
	$(BIN)/ruff check brewery_assets brewery_assets_tests benchmarks
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/pipeline_benchmark.py

replay-server: $(STAMP)
	$(BIN)/brewery-replay-server

clean:
	rm -rf $(VENV) .dagster_home lake
