# Tutor Studio: `make studio` installs and starts the studio; `make test` installs and runs the tests.
# Every target builds .venv on first use: torch 2.13.0 first (CPU build where one is on disk),
# then the project, so that no other torch spec can pull a different build.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH_SPEC ?= torch==2.13.0
HOST ?= 127.0.0.1
PORT ?= 7860

.PHONY: studio test test-fast bench lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.torch: | $(BIN)/python
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.torch
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

studio: $(VENV)/.installed
	$(BIN)/tutor-studio serve --host $(HOST) --port $(PORT)

test: $(VENV)/.dev
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False $(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.dev
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False $(BIN)/python -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

bench: $(VENV)/.dev
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False $(BIN)/python -m tests.bench $(BENCH_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check core studio tests
	$(BIN)/ruff format --check core studio tests
	$(BIN)/mypy

format: $(VENV)/.dev
	$(BIN)/ruff format core studio tests
	$(BIN)/ruff check --fix core studio tests

clean:
	rm -rf $(VENV) tests/artifacts .pytest_cache .mypy_cache .ruff_cache
