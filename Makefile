# recbench: the two commands a newcomer needs.
#   make quickstart   install what is missing, build everything, run experiments/quickstart.toml,
#                     write reports/quickstart/
#   make test         install what is missing, build, run every test
#
# Data: RECBENCH_DATA_DIR if set, else ../shared/datasets if it exists, else ~/.cache/recbench/datasets.

SHELL := /bin/bash
.DEFAULT_GOAL := help

ifeq ($(strip $(RECBENCH_DATA_DIR)),)
  ifneq ($(wildcard ../shared/datasets/ml-100k/u.data),)
    export RECBENCH_DATA_DIR := $(abspath ../shared/datasets)
  endif
endif

BIN := .build/release
# Plugins built outside the main package (examples/) land here and are put on the plugin path.
EXTERNAL_PLUGINS := .build-plugins
CFLAGS_PLUGIN := -std=c11 -O2 -Wall -Wextra -shared -fPIC -I Sources/RecPluginABI/include

.PHONY: help deps build plugins quickstart report test clean

help:
	@echo "make quickstart  build everything and run the quickstart experiment (writes reports/quickstart/)"
	@echo "make test        build and run every test"
	@echo "make build       swift build -c release: the recbench host and every in-tree plugin"
	@echo "make plugins     build the out-of-tree example plugins into $(EXTERNAL_PLUGINS)/"
	@echo "make report      regenerate reports/quickstart/ from the ledger"

deps:
	@scripts/install-deps.sh

build: deps
	swift build -c release

# The example plugins are built the way a third party would: their own package / a plain cc call,
# against the contract only. The host is not rebuilt.
plugins: build
	swift build -c release --package-path examples/swift-plugin --scratch-path .build-examples
	@mkdir -p $(EXTERNAL_PLUGINS)
	cp .build-examples/release/libCoOccurrence.so $(EXTERNAL_PLUGINS)/
	cc $(CFLAGS_PLUGIN) examples/c-plugin/damped_mean.c -o $(EXTERNAL_PLUGINS)/libDampedMean.so

quickstart: plugins
	RECBENCH_PLUGIN_PATH=$(EXTERNAL_PLUGINS) $(BIN)/recbench run experiments/quickstart.toml

report:
	$(BIN)/recbench report quickstart

test: deps
	swift build --build-tests
	swift test --skip-build

clean:
	rm -rf .build .build-examples .build-tests-examples $(EXTERNAL_PLUGINS)
