# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test bench chaos check clean openapi-snapshot

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

## run: the whole product on SQLite with demo data, web server and scheduler together
run: install
	HOST=$(HOST) PORT=$(PORT) bash scripts/run.sh

## test: the whole suite (set DATABASE_URL / REDIS_URL to include PostgreSQL and Redis)
test: install
	bash scripts/test-deps.sh
	$(PY) -m pytest $(PYTEST_ARGS)

## bench: the benchmarks of BENCHMARKS.md
bench: install
	bash scripts/bench.sh

## chaos: dispatch processes killed at random against a faulty fake Twilio, at scale
## (PostgreSQL + Redis: BENCH_POSTGRES_URL, REDIS_URL); figures in BENCHMARKS.md
chaos: install
	$(PY) scripts/chaos.py $(CHAOS_ARGS)
	$(PY) scripts/chaos.py --throughput

check: install
	$(PY) manage.py check

## openapi-snapshot: rewrite tests/api/openapi.snapshot.json after an intended, additive API change
openapi-snapshot: install
	$(PY) manage.py export_openapi_schema --api api.api.api --indent 1 --sorted \
		--output tests/api/openapi.snapshot.json

clean:
	rm -rf $(VENV) var
