# Common jobs. `make test` and `make demo` install what they need first (Debian 12, root).
SHELL := /bin/bash
SWIFT ?= swift
BUILD_DIR ?= $(CURDIR)/build
SWIFT_BUILD_FLAGS ?=

# Every Debian package the project needs, for building, testing and the demo.
APT_PACKAGES := pkg-config libssl-dev libseccomp-dev libcap-ng-dev libsystemd-dev \
	qemu-system-x86 ovmf containerd protobuf-compiler busybox-static crun cpio xz-utils \
	zstd python3-venv

.PHONY: all deps build test demo lint format clean

all: build

# Idempotent: only calls apt when a package is missing.
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
		| grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	else echo "deps: all $(words $(APT_PACKAGES)) packages present"; fi

build: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

test: build
	$(SWIFT) test $(SWIFT_BUILD_FLAGS)

demo: build
	$$($(SWIFT) build $(SWIFT_BUILD_FLAGS) --show-bin-path)/kata-runtime check \
	  --config configuration/configuration-qemu.toml
	$$($(SWIFT) build $(SWIFT_BUILD_FLAGS) --show-bin-path)/kata-runtime env \
	  --config configuration/configuration-qemu.toml

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests

clean:
	rm -rf .build $(BUILD_DIR)

format:
	$(SWIFT) format format --in-place --recursive Package.swift Sources Tests
