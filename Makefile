# subflowd — common tasks. Every target that needs Debian packages installs them first.
SWIFT      ?= swift
CONFIG     ?= release
# Extra flags for every `swift build`, e.g. SWIFT_BUILD_FLAGS=--scratch-path=.build-pkg
SWIFT_BUILD_FLAGS ?=
# Evaluated only by the targets that use it (asking SwiftPM takes its build-folder lock).
BUILD_DIR   = $(shell $(SWIFT) build -c $(CONFIG) $(SWIFT_BUILD_FLAGS) --show-bin-path 2>/dev/null)

# Installation: `make install` (PREFIX=/usr/local), `make uninstall` with the same variables,
# `make deb` (PREFIX=/usr, into DEB_DIR). DESTDIR is honoured. See docs/install.md.
PREFIX        ?= /usr/local
DESTDIR       ?=
SYSCONFDIR    ?= /etc
UNITDIR       ?=
MANDIR        ?=
DOCDIR        ?=
SWIFT_RUNTIME ?= bundle
STRIP         ?= yes
INSTALL_TOOLS ?= yes
DEB_DIR       ?= $(CURDIR)/build
DEB_REVISION  ?= 1
DEB_MAINTAINER    ?=
DEB_COMPRESSION   ?= xz
# Install from this build folder. Without it, install and deb build a release first;
# with it (make install BIN_DIR=.build/release), nothing is built.
ifeq ($(origin BIN_DIR),undefined)
PRODUCTS := build
BIN_DIR   = $(BUILD_DIR)
else
PRODUCTS :=
endif
LAYOUT = DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" SYSCONFDIR="$(SYSCONFDIR)" UNITDIR="$(UNITDIR)" \
         MANDIR="$(MANDIR)" DOCDIR="$(DOCDIR)"

.PHONY: all deps build test test-under-load demo bench clean install uninstall deb

all: build

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c $(CONFIG) $(SWIFT_BUILD_FLAGS)

# Unit tests, codec golden tests, plugin-loader fixtures, and (as root) the real-kernel
# tests in network namespaces. The SDK package has its own small test suite.
test:
	scripts/test.sh

# The same while busy loops occupy every core: the suite must not depend on machine speed.
test-under-load:
	scripts/test-under-load.sh

# Two network namespaces, two 100 Mbit/s paths, subflowd + fullmesh in the client namespace.
demo:
	scripts/demo.sh

bench: build
	bench/run.sh "$(BUILD_DIR)"

install: $(PRODUCTS)
	$(LAYOUT) BIN_DIR="$(BIN_DIR)" SWIFT_RUNTIME="$(SWIFT_RUNTIME)" STRIP="$(STRIP)" \
	    INSTALL_TOOLS="$(INSTALL_TOOLS)" packaging/install.sh

uninstall:
	$(LAYOUT) packaging/uninstall.sh

# build/subflowd_VERSION-1_ARCH.deb: PREFIX=/usr, /etc/subflowd/subflowd.conf as a conffile,
# the unit in /lib/systemd/system, the Swift runtime in /usr/lib/subflowd/swift.
deb: $(PRODUCTS)
	BIN_DIR="$(BIN_DIR)" DEB_DIR="$(DEB_DIR)" DEB_REVISION="$(DEB_REVISION)" DEB_MAINTAINER="$(DEB_MAINTAINER)" \
	    DEB_COMPRESSION="$(DEB_COMPRESSION)" packaging/build-deb.sh

clean:
	rm -rf .build sdk/.build build
