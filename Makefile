# otel-bi — the two commands: `make up` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(HOME)/.local/bin:$(PATH)
UV ?= uv
VAR ?= $(CURDIR)/var
DEMO_DIR ?= $(VAR)/demo
SEED ?= 42

.PHONY: help deps up test lint typecheck pytest frontend-test bench demo-data token openapi verify traces clean

help:
	@echo "make up         install, build demo data, start the whole stack on 127.0.0.1"
	@echo "                (AW_DATA_DIR=/WWI_DATA_DIR= serve Microsoft's sample files instead)"
	@echo "make test       install and run every check and test"
	@echo "make lint       ruff check + ruff format --check + mypy + import contracts; frontend eslint + tsc --noEmit"
	@echo "make bench      benchmarks, each printed beside a baseline measured in the same run"
	@echo "make demo-data  build the demo warehouses (AW_DATA_DIR=/WWI_DATA_DIR= load real files)"
	@echo "make token      print a bearer token for the demo user (needs make up running)"
	@echo "make openapi    regenerate the gateway's OpenAPI document (backend/services/api_gateway/openapi.json)"
	@echo "make verify     the eight-step checklist against a deployment (BASE_URL= TOKEN= TEMPO_URL=)"
	@echo "make traces     print the spans make up's services export (an OTLP receiver on :4318)"
	@echo "make clean      remove generated data, caches and the virtualenv"

deps:
	@bash scripts/ensure-system-deps.sh
	@$(UV) sync --frozen --quiet
	@bash scripts/ensure-node-deps.sh

lint: deps
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy backend/shared business-telemetry --exclude 'business-telemetry/tests'
	cd backend && PYTHONPATH=../business-telemetry $(UV) run --frozen lint-imports ../pyproject.toml --no-cache --no-logo
	cd frontend && npm run --silent lint && npm run --silent typecheck

pytest: deps
	$(UV) run --frozen pytest

# The SPA's unit tests (Vitest) and its production build; the browser tests run under pytest.
frontend-test: deps
	cd frontend && npm test --silent && npm run --silent build -- --logLevel warn

test: lint frontend-test pytest

demo-data: deps
	cd backend && $(UV) run --frozen python -m demo build --out $(abspath $(DEMO_DIR)) --seed $(SEED) \
		$(if $(AW_DATA_DIR),--aw-data-dir $(abspath $(AW_DATA_DIR))) $(if $(WWI_DATA_DIR),--wwi-data-dir $(abspath $(WWI_DATA_DIR)))

up: deps
	@$(if $(AW_DATA_DIR),AW_DATA_DIR=$(abspath $(AW_DATA_DIR))) $(if $(WWI_DATA_DIR),WWI_DATA_DIR=$(abspath $(WWI_DATA_DIR))) \
		$(UV) run --frozen python scripts/up.py

bench: deps
	$(UV) run --frozen python -m bench $(BENCH)

openapi:
	$(UV) run --frozen python -m devtools.openapi

token:
	@$(UV) run --frozen python scripts/token.py

clean:
	rm -rf $(VAR) .venv .mypy_cache .ruff_cache .pytest_cache frontend/dist test-output
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# The product docs' checklist against any deployment: make verify BASE_URL=… TOKEN=…
# [TEMPO_URL=…] [REPORT_DIR=…]. Without TOKEN, the demo user's token from the local provider.
verify:
	@BASE_URL="$(BASE_URL)" TOKEN="$(TOKEN)" TEMPO_URL="$(TEMPO_URL)" REPORT_DIR="$(REPORT_DIR)" \
		IDP_URL="$(IDP_URL)" $(UV) run --frozen python -m devtools.verify

# Traces without compose: an OTLP/HTTP receiver on 127.0.0.1:4318 (make up's default endpoint)
# printing each span; it also answers /api/traces/<id>, so make verify TEMPO_URL=… works with it.
traces:
	@$(UV) run --frozen python -m devtools.otlp_receiver $(if $(PORT),--port $(PORT))
