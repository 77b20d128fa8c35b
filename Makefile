# Common jobs. `make test` and `make demo` install what they need first (Debian 12, root).
SHELL := /bin/bash
SWIFT ?= swift
BUILD_DIR ?= $(CURDIR)/build
SWIFT_BUILD_FLAGS ?=

# Every Debian package the project needs, for building, testing and the demo.
APT_PACKAGES := pkg-config libssl-dev libseccomp-dev libcap-ng-dev libsystemd-dev \
	qemu-system-x86 ovmf containerd protobuf-compiler busybox-static crun cpio xz-utils \
	zstd python3-venv

.PHONY: all deps build test demo lint format clean kernel

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

test: build kernel
	$(SWIFT) test $(SWIFT_BUILD_FLAGS)

# The Debian guest kernel for the QEMU tests, fetched without touching /boot: build/kernel/vmlinuz
# (bzImage) and build/kernel/vmlinux (its unpacked ELF payload, which boots ~3 s faster under TCG).
KERNEL_DIR := $(BUILD_DIR)/kernel
kernel: $(KERNEL_DIR)/vmlinux

$(KERNEL_DIR)/vmlinuz:
	@set -euo pipefail; \
	pkg=$$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $$2; exit}'); \
	if [ -z "$$pkg" ]; then apt-get update -q; \
	  pkg=$$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $$2; exit}'); fi; \
	work=$$(mktemp -d); trap 'rm -rf "$$work"' EXIT; \
	(cd "$$work" && apt-get download -q "$$pkg") || (apt-get update -q && cd "$$work" && apt-get download -q "$$pkg"); \
	dpkg -x "$$work"/$$pkg*.deb "$$work/root"; \
	mkdir -p $(KERNEL_DIR); cp "$$work"/root/boot/vmlinuz-* $@.tmp; mv $@.tmp $@; \
	echo "kernel: $$pkg -> $@"

$(KERNEL_DIR)/vmlinux: $(KERNEL_DIR)/vmlinuz
	scripts/extract-vmlinux.sh $< $@

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
