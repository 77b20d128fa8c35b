# Common jobs. `make test` and `make demo` install what they need first (Debian 12, root).
SHELL := /bin/bash
SWIFT ?= swift
BUILD_DIR ?= $(CURDIR)/build
SWIFT_BUILD_FLAGS ?=

# Every Debian package the project needs, for building, testing and the demo.
APT_PACKAGES := pkg-config libssl-dev libseccomp-dev libcap-ng-dev libsystemd-dev \
	qemu-system-x86 ovmf containerd protobuf-compiler busybox-static crun cpio xz-utils \
	zstd python3-venv

.PHONY: all deps build test demo lint format clean measure-venv bench-measure

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

# sev-snp-measure, the reference the measurement tests cross-check against (PyPI, pinned).
MEASURE_VENV := $(BUILD_DIR)/venv
SEV_SNP_MEASURE_VERSION := 0.0.13

measure-venv: deps
	@if ! $(MEASURE_VENV)/bin/python3 -c 'import sevsnpmeasure.cli as c; assert c.VERSION == "$(SEV_SNP_MEASURE_VERSION)"' \
		2>/dev/null; then \
		python3 -m venv $(MEASURE_VENV) && \
		$(MEASURE_VENV)/bin/pip install -q sev-snp-measure==$(SEV_SNP_MEASURE_VERSION); \
	else echo "measure-venv: sev-snp-measure $(SEV_SNP_MEASURE_VERSION) present"; fi

test: build measure-venv
	$(SWIFT) test $(SWIFT_BUILD_FLAGS)

# SNP measurement of the distro kernel + a 512 MiB initrd: ours vs sev-snp-measure (not a test).
bench-measure: deps measure-venv
	$(SWIFT) build -c release --product kata-runtime
	$(MEASURE_VENV)/bin/python3 bench/measure_bench.py \
		--kata $$($(SWIFT) build -c release --show-bin-path)/kata-runtime \
		--sev-snp-measure $(MEASURE_VENV)/bin/sev-snp-measure --work $(BUILD_DIR)/bench

demo: build
	$$($(SWIFT) build $(SWIFT_BUILD_FLAGS) --show-bin-path)/kata-runtime check; \
	  rc=$$?; echo "kata-runtime check exited $$rc"
	$$($(SWIFT) build $(SWIFT_BUILD_FLAGS) --show-bin-path)/kata-runtime env

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests

clean:
	rm -rf .build $(BUILD_DIR)

format:
	$(SWIFT) format format --in-place --recursive Package.swift Sources Tests
