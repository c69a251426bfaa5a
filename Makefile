# Two entry points on a fresh machine: `make run` (the main job) and `make test` (the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export BREWERY_LAKE_ROOT ?= $(CURDIR)/lake
export BREWERY_COMPUTE_LOGS_DIR ?= $(BREWERY_LAKE_ROOT)/logs
# The port of `make dev`'s UI: `make dev PORT=3001` (or PORT in the environment).
PORT ?= 3000

.PHONY: install run dev test lint bench replay-server clean

$(STAMP): setup.py constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# checkov lints deploy/terraform; its pins clash with ours, so it lives in a venv of its own.
CHECKOV := .venv-checkov/bin/checkov
$(CHECKOV): deploy/checkov-requirements.txt
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/pip install --quiet -r deploy/checkov-requirements.txt
	touch $(CHECKOV)

# Apache Spark 3.5 (what EMR 7.x ships) for the classic Spark test; PySpark 3.5 and 4 cannot share a venv.
SPARK35 := .venv-spark35/bin/python
SPARK35_STAMP := .venv-spark35/.installed
$(SPARK35_STAMP): deploy/spark35-requirements.txt
	$(PYTHON) -m venv .venv-spark35
	.venv-spark35/bin/pip install --quiet -r deploy/spark35-requirements.txt
	touch $(SPARK35_STAMP)

# The instance config is refreshed from the repo on every run.
$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

## The main job: today's (UTC) bronze snapshot, every silver location and gold, then a gold summary.
## A line per step; BREWERY_VERBOSE=1 prints Dagster's full log too. A day already ingested keeps its
## snapshot; REFETCH=1 ingests it again (after changing BREWERIES_SNAPSHOT, for instance).
run: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/brewery-lake run $(if $(REFETCH),--refetch)

## The Dagster UI on 127.0.0.1:$(PORT) with the same defaults as `make run`.
dev: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/brewery-lake dev --port $(PORT)

test: $(STAMP) $(CHECKOV) $(SPARK35_STAMP)
	$(BIN)/ruff check brewery_assets brewery_assets_tests benchmarks scripts
	$(BIN)/dg check defs
	CHECKOV=$(CURDIR)/$(CHECKOV) SPARK35_PYTHON=$(CURDIR)/$(SPARK35) $(BIN)/pytest -q --durations=10

# The production storage runs need Debian's postgresql-15 and pgbouncer (as `.ci/run` installs them).
bench: $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e ".[bench]"
	$(BIN)/python benchmarks/pipeline_benchmark.py
	if [ -x /usr/lib/postgresql/15/bin/initdb ] && [ -x /usr/sbin/pgbouncer ]; then \
		$(BIN)/python benchmarks/pipeline_benchmark.py --sizes 12k,500k --instance pgbouncer && \
		$(BIN)/python benchmarks/pipeline_benchmark.py --sizes 12k --instance postgres; \
	else echo "bench: no postgresql-15 or pgbouncer here; the production storage runs are skipped"; fi
	$(BIN)/python benchmarks/extraction_benchmark.py
	$(BIN)/python benchmarks/history_benchmark.py --sizes 12k,500k

replay-server: $(STAMP)
	$(BIN)/brewery-replay-server

clean:
	rm -rf $(VENV) .venv-checkov .venv-spark35 .dagster_home lake
