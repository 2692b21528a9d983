# The two entry points of the README: `make example` and `make test`.
# Both set up everything they need on a fresh machine first.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CHECKPOINT_DISABLE := 1
# cdktf-cli would share ~/.terraform.d/plugin-cache between virtualenvs; kvmhost differs per virtualenv
export CDKTF_DISABLE_PLUGIN_CACHE_ENV := 1

.PHONY: setup example test bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

setup: $(VENV)/.installed node_modules/.installed
	bash scripts/debian-tools
	bash scripts/nmcli-offline
	bash scripts/libvirt-tools

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

example: setup
	$(PY) main.py
	@echo "synthesized examples/unicast-two-hosts.yaml into cdktf.out/stacks:" $$(ls cdktf.out/stacks)

test: setup
	$(PY) -m pytest

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) cdktf.out .pytest_cache
