# Two entry points (see README):
#   make demo   set up, generate the demo data, dbt build, publish, monitoring report, docs, print a summary
#   make test   set up, sqlfluff lint, pytest (unit tests and end-to-end dbt builds on the small dataset)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SCALE  ?= demo
SEED   ?= 42

.PHONY: demo test install lint pytest docs-serve clean bench bench-clustering serve dagster report

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --only-binary=:all: -c constraints.txt -r constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/python -m supplyseg.cli demo --scale $(SCALE) --seed $(SEED)

lint: install
	$(BIN)/sqlfluff lint models tests analyses snapshots

pytest: install
	$(BIN)/python -m pytest

test: lint pytest

docs-serve: install
	$(BIN)/dbt docs serve --port 8080

# The nightly flow at 100k, 1M and 10M order lines and a 1M-line thin CSV, beside a pandas baseline and a single
# DuckDB script (issue 19): data cached in build/bench/data; writes docs/benchmarks.md. About 40 minutes.
# BENCH_DATASETS=100k,1m limits the datasets.
BENCH_DATASETS ?= 100k,1m,1m-thin-csv,10m
bench: install
	$(BIN)/python -m supplyseg.bench.run --datasets $(BENCH_DATASETS) --out docs/benchmarks.md

# Clustering speed on 2 threads (issue 15): large scale and 100k rows; writes docs/benchmarks_clustering.md.
bench-clustering: install
	$(BIN)/python -m supplyseg.bench.clustering --threads 2 1 --out docs/benchmarks_clustering.md

# The read-only HTTP API (and planner page) over the published version (docs/serving.md).
HOST ?= 127.0.0.1
PORT ?= 8000
serve: install
	$(BIN)/python -m supplyseg.cli serve --host $(HOST) --port $(PORT)
# Dagster UI and daemon on http://127.0.0.1:3000: the dbt project as assets, the re-segmentation schedule and
# the early-review sensor (docs/orchestration.md). Optional: make, dbt and the CLI do not need Dagster.
dagster: install
	mkdir -p build/dagster_home
	DAGSTER_HOME=$(CURDIR)/build/dagster_home $(BIN)/dagster dev -m supplyseg.orchestration.definitions

clean:
	rm -rf build target logs

# Monitoring report of the current published version (make demo and supplyseg publish write it too).
report: install
	$(BIN)/python -m supplyseg.cli report
