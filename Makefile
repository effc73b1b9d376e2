# Smart Embassy — two commands: `make run` and `make test`.
# `python3` if it is 3.11 or newer, else the first python3.1x on PATH that is.
PY ?= $(shell for p in python3 python3.13 python3.12 python3.11; do $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
$(if $(PY),,$(error Python 3.11 or newer is required (python3 on PATH is older or missing)))
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Test processes (pytest-xdist); the browser tests start a server per file, so more than the cores only waits.
TEST_WORKERS ?= 2
export DJANGO_SETTINGS_MODULE := config.settings
DEMO_CITIZENS ?= 20000
HOST ?= 127.0.0.1
PORT ?= 8000
BENCH ?=

.PHONY: run test lint types pytest bench cluster faults install messages clean

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@DEBUG=1 $(BIN)/python manage.py migrate --noinput -v0
	@DEBUG=1 $(BIN)/python manage.py load_reference
	@DEBUG=1 $(BIN)/python manage.py load_advisories
	@DEBUG=1 $(BIN)/python manage.py seed_demo --citizens $(DEMO_CITIZENS) --seed 1
	@DEBUG=1 $(BIN)/python manage.py social_demo
	@DEBUG=1 $(BIN)/python manage.py consular_demo
	@DEBUG=1 $(BIN)/python manage.py applications_demo
	@DEBUG=1 $(BIN)/python manage.py listening_demo
	@DEBUG=1 $(BIN)/python manage.py complaints_demo
	@DEBUG=1 $(BIN)/python manage.py shelters_demo
	@DEBUG=1 $(BIN)/python manage.py timeline_demo
	@DEBUG=1 $(BIN)/python manage.py enquiries_demo
	@DEBUG=1 $(BIN)/python manage.py performance_demo
	@DEBUG=1 HOST=$(HOST) PORT=$(PORT) $(BIN)/python manage.py serve_all

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	DEBUG=1 $(BIN)/mypy .
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile

# BENCH_POSTGRES_URL: a PostgreSQL server for the benchmarks that also measure on it (seed); cluster starts its own.
BENCH_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test
bench: $(STAMP)
	@DEBUG=1 BENCH_POSTGRES_URL=$(BENCH_POSTGRES_URL) $(BIN)/python -m benchmarks.run $(BENCH)

# Several app nodes behind HAProxy, PostgreSQL, Redis queues, two workers, a scheduler, S3 (moto): scripts/cluster.py.
cluster: $(STAMP)
	@$(BIN)/python -m scripts.cluster $(CLUSTER_ARGS)

# Faults injected into the cluster, and what it did (benchmarks/faults.py; docs/operations.md).
faults: $(STAMP)
	@$(BIN)/python -m benchmarks.faults $(FAULTS)

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l id -l en --no-obsolete -i "$(VENV)/*" -i "var/*" -i "static/*" -i "benchmarks/*" -i "data/*" -i "deploy/*" -i "docs/*"
	$(BIN)/python manage.py compile_catalogues

clean:
	rm -rf $(VENV) var
