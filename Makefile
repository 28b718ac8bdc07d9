# subflowd — common tasks. Every target that needs Debian packages installs them first.
SWIFT      ?= swift
CONFIG     ?= release
BUILD_DIR  := $(shell $(SWIFT) build -c $(CONFIG) --show-bin-path 2>/dev/null)

.PHONY: all deps build test demo bench clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c $(CONFIG)

# Unit tests, codec golden tests, plugin-loader fixtures, and (as root) the real-kernel
# tests in network namespaces. The SDK package has its own small test suite.
test:
	scripts/test.sh

# Two network namespaces, two 100 Mbit/s paths, subflowd + fullmesh in the client namespace.
demo:
	scripts/demo.sh

bench: build
	bench/run.sh "$(BUILD_DIR)"

clean:
	rm -rf .build sdk/.build
