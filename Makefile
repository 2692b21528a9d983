# The two entry points of the README: `make example` and `make test`.
# Both set up everything they need on a fresh machine first.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CHECKPOINT_DISABLE := 1
# cdktf-cli would share ~/.terraform.d/plugin-cache between virtualenvs; kvmhost differs per virtualenv
export CDKTF_DISABLE_PLUGIN_CACHE_ENV := 1

.PHONY: setup example test test-cdktn bench clean

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

# The synth and stack tests again on CDK Terrain (cdktn), in a second virtualenv (constructs pins differ).
CDKTN_VENV ?= .venv-cdktn
CDKTN_TESTS := tests/test_cdk_runtime.py tests/test_stacks.py tests/test_app.py tests/test_bindings.py tests/test_bindings_synth.py \
	tests/test_state_backends.py

$(CDKTN_VENV)/.installed: pyproject.toml scripts/cdktn-venv
	bash scripts/cdktn-venv $(CDKTN_VENV)
	touch $@

test-cdktn: setup $(CDKTN_VENV)/.installed
	FGTHA_CDK=cdktn $(CDKTN_VENV)/bin/python -m pytest -q $(CDKTN_TESTS)

bench: setup $(CDKTN_VENV)/.installed
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) $(CDKTN_VENV) cdktf.out .pytest_cache
