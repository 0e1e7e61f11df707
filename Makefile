# Everything a developer or CI runs. Only `python3` (3.10+) and `make` are needed:
# the first target that needs them installs uv into .tools/ and the locked
# dependencies into .venv/.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
export NO_MKDOCS_2_WARNING := 1
# Tools run straight from the synced virtualenv (not through `uv run`, which Ray would try to
# re-create in its workers).
RUN := .venv/bin/python -m
export RAY_ENABLE_UV_RUN_RUNTIME_ENV := 0
PACKAGE := langchain_azure_image_embeddings
# Tests may talk to loopback only (the emulator, test servers); anything else is refused.
PYTEST_NET := --allow-hosts=127.0.0.1,::1,localhost

.PHONY: help setup sdk-tests-source demo test lint format typecheck typing unit integration docs docs-serve bench cassettes build clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-groups --all-extras
	@touch $@

setup: .venv/.synced ## Install the package and every development dependency (locked)

demo: setup ## The main job: embed photos into a vector store, search by image and by text
	$(RUN) $(PACKAGE).demo

# azure-ai-inference's own tests (in its sdist) run live against the emulator as part of `make test`
# (tests/integration_tests/emulator/test_sdk_own_tests.py); downloaded once, before pytest, since
# tests may reach only the loopback.
SDK_SDIST := .tools/sdist/azure_ai_inference-1.0.0b9.tar.gz

$(SDK_SDIST): | $(UV)
	.tools/bin/python -m pip download --quiet --disable-pip-version-check --no-deps \
		--no-binary :all: azure-ai-inference==1.0.0b9 -d .tools/sdist

sdk-tests-source: $(SDK_SDIST) ## Download azure-ai-inference's sdist (its own tests run against the emulator)

test: setup lint typecheck typing sdk-tests-source ## Everything: lint, types, all tests, the docs site
	$(RUN) pytest $(PYTEST_NET) -p no:cacheprovider tests
	$(RUN) mkdocs build --strict --quiet --site-dir .site-check

lint: setup ## ruff check and format check, and the import layers (import-linter contracts)
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	.venv/bin/lint-imports

format: setup ## Format and fix what ruff can
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

typecheck: setup ## mypy --strict on the package
	$(RUN) mypy

typing: setup ## A user's script using every public name: mypy --strict and pyright strict, no pydantic plugin
	$(RUN) mypy --config-file tests/typing/mypy.ini tests/typing/user_script.py
	.venv/bin/basedpyright -p tests/typing/pyrightconfig.json

unit: setup ## Unit tests only
	$(RUN) pytest $(PYTEST_NET) tests/unit_tests

integration: setup sdk-tests-source ## Integration tests only (against the emulator on 127.0.0.1)
	$(RUN) pytest $(PYTEST_NET) tests/integration_tests

docs: setup ## Build the docs site into site/
	$(RUN) mkdocs build --strict

bench: setup ## Run every benchmark against the emulator; results in benchmarks/results/
	$(RUN) benchmarks

cassettes: setup ## Re-record the HTTP cassettes (emulator, or AZURE_INFERENCE_ENDPOINT when set)
	$(RUN) pytest $(PYTEST_NET) --record-mode=rewrite tests/integration_tests/test_recorded_http.py

build: setup ## Build wheel and sdist into dist/ and check them with twine
	rm -rf dist && $(UV) build --out-dir dist
	$(RUN) twine check --strict dist/*

clean: ## Remove caches and build output
	rm -rf dist site .site-check .mypy_cache .ruff_cache .pytest_cache .hypothesis
