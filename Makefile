# Common jobs. `make test` and `make demo` install what they need first (Debian 12, root).
SHELL := /bin/bash
SWIFT ?= swift
BUILD_DIR ?= $(CURDIR)/build
SWIFT_BUILD_FLAGS ?=

# Every Debian package the project needs, for building, testing and the demo (systemd: the
# journald JournalTests runs privately; it is not started as the init system).
APT_PACKAGES := pkg-config libssl-dev libseccomp-dev libcap-ng-dev libsystemd-dev \
	qemu-system-x86 ovmf containerd protobuf-compiler busybox-static crun cpio xz-utils \
	zstd python3-venv libprotobuf-dev binutils osslsigncode openssl zlib1g-dev curl erofs-utils \
	cryptsetup-bin containernetworking-plugins systemd

.PHONY: prometheus all deps build test fuzz fuzz-build demo lint format clean protos bench-ttrpc kernel measure-venv bench-measure cri-venv guest bench-agent bench-shim bench-monitor install

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

# Unit tests run in parallel; the suites that boot VMs or start containerd run one test at a
# time: on 2 cores, parallel TCG guests starve each other and every timing check.
VM_SUITES := QEMUTests|AgentTests|ShimIntegrationTests|ContainerdInteropTests
test: build kernel guest measure-venv cri-venv prometheus
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	$(SWIFT) test --skip-build $(SWIFT_BUILD_FLAGS) --skip '$(VM_SUITES)'
	$(SWIFT) test --skip-build $(SWIFT_BUILD_FLAGS) --no-parallel --filter '$(VM_SUITES)'
	$(FUZZ_BUILD)
	Fuzz/run.sh $(FUZZ_DIR) $(TEST_FUZZ_SECONDS) $(FUZZ_TARGETS)

# libFuzzer targets (Fuzz/*.swift) for the parsers that read outside bytes. Fuzz/build.py
# recompiles only the fuzzed modules with -sanitize=fuzzer,address and links everything else
# from the debug build above, so no second build of the dependencies. A crash fails the job and
# leaves its input under build/fuzz/artifacts/<target>/; each target prints its executions.
FUZZ_DIR := $(BUILD_DIR)/fuzz
FUZZ_SECONDS ?= 60
TEST_FUZZ_SECONDS := 20
FUZZ_TARGETS := ttrpc-frames qmp-messages firmware-metadata config-annotations oci-spec agent-requests initdata \
	netlink-replies
FUZZ_BUILD = python3 Fuzz/build.py $$($(SWIFT) build $(SWIFT_BUILD_FLAGS) --show-bin-path) $(FUZZ_DIR) \
	$(FUZZ_TARGETS)

fuzz-build: build
	$(FUZZ_BUILD)

fuzz: fuzz-build
	Fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The Debian guest kernel, fetched without touching /boot: build/kernel/vmlinuz (bzImage),
# build/kernel/vmlinux (its unpacked ELF payload, which boots ~3 s faster under TCG) and
# build/kernel/modules (for the guest image).
KERNEL_DIR := $(BUILD_DIR)/kernel
kernel:
	guest/build-kernel.sh $(KERNEL_DIR)

# sev-snp-measure and pefile, the references the measurement tests cross-check against (PyPI, pinned);
# pefile parses PE headers for Tests/MeasurementTests/Fixtures/tdx_reference.py.
MEASURE_VENV := $(BUILD_DIR)/venv
SEV_SNP_MEASURE_VERSION := 0.0.13
PEFILE_VERSION := 2024.8.26

measure-venv: deps
	@if ! $(MEASURE_VENV)/bin/python3 -c 'import sevsnpmeasure.cli as c, importlib.metadata as m; \
		assert c.VERSION == "$(SEV_SNP_MEASURE_VERSION)"; assert m.version("pefile") == "$(PEFILE_VERSION)"' \
		2>/dev/null; then \
		python3 -m venv $(MEASURE_VENV) && \
		$(MEASURE_VENV)/bin/python3 -m pip install -q sev-snp-measure==$(SEV_SNP_MEASURE_VERSION) \
			pefile==$(PEFILE_VERSION); \
	else echo "measure-venv: sev-snp-measure $(SEV_SNP_MEASURE_VERSION), pefile $(PEFILE_VERSION) present"; fi

# grpcio + grpcio-tools for tests/cri/pod_test.py, our CRI v1 client (PyPI, pinned): the
# ShimIntegrationTests' CRI pod tests find it at build/cri-venv.
CRI_VENV := $(BUILD_DIR)/cri-venv
CRI_PIP_PINS := grpcio==1.85.1 grpcio-tools==1.85.1 protobuf==7.36.2

cri-venv: deps
	@if ! $(CRI_VENV)/bin/python3 -c 'import sys, importlib.metadata as m; \
		sys.exit(any(m.version(n) != v for n, v in (p.split("==") for p in sys.argv[1:])))' \
		$(CRI_PIP_PINS) 2>/dev/null; then \
		python3 -m venv $(CRI_VENV) && $(CRI_VENV)/bin/pip install -q $(CRI_PIP_PINS); \
	else echo "cri-venv: $(CRI_PIP_PINS) present"; fi

# Debian's Prometheus server and promtool under build/prometheus/usr/bin, unpacked from the .deb
# rather than installed: installing the package would start a system-wide Prometheus service.
# KataMonitorPrometheusTests scrapes kata-monitor with it.
PROMETHEUS_DIR := $(BUILD_DIR)/prometheus
prometheus: deps
	@if [ -x $(PROMETHEUS_DIR)/usr/bin/prometheus ] && [ -x $(PROMETHEUS_DIR)/usr/bin/promtool ]; then \
		echo "prometheus: $$($(PROMETHEUS_DIR)/usr/bin/prometheus --version 2>&1 | head -1)"; \
	else \
		rm -rf $(PROMETHEUS_DIR).deb && mkdir -p $(PROMETHEUS_DIR).deb && cd $(PROMETHEUS_DIR).deb && \
		{ apt-get download prometheus 2>/dev/null || { apt-get update -q && apt-get download prometheus; }; } && \
		dpkg -x prometheus_*.deb $(PROMETHEUS_DIR) && cd / && rm -rf $(PROMETHEUS_DIR).deb; \
	fi

# SNP measurement of the distro kernel + a 512 MiB initrd: ours vs sev-snp-measure (not a test).
bench-measure: deps measure-venv
	$(SWIFT) build -c release --product kata-runtime
	$(MEASURE_VENV)/bin/python3 bench/measure_bench.py \
		--kata $$($(SWIFT) build -c release --show-bin-path)/kata-runtime \
		--sev-snp-measure $(MEASURE_VENV)/bin/sev-snp-measure --work $(BUILD_DIR)/bench

# The guest image under build/guest: kata-agent (release, static Swift stdlib, stripped), the
# reproducible initrd holding it as /init, and the unpacked kernel. Prints sizes and SHA-256s.
GUEST_DIR := $(BUILD_DIR)/guest
AGENT_BUILD_FLAGS := -c release --static-swift-stdlib
guest: deps kernel
	$(SWIFT) build $(AGENT_BUILD_FLAGS) --product kata-agent
	guest/build-guest.sh $(GUEST_DIR) $(KERNEL_DIR) \
		$$($(SWIFT) build $(AGENT_BUILD_FLAGS) --show-bin-path)/kata-agent

# The main job: a private containerd runs `uname -a` in a busybox container inside a QEMU VM
# through containerd-shim-kata-v2, then everything it started is stopped.
demo: build guest
	$$($(SWIFT) build $(SWIFT_BUILD_FLAGS) --show-bin-path)/kata-runtime check \
	  --config configuration/configuration-qemu.toml
	scripts/demo.sh

# Installs where upstream Kata does, so a containerd on this machine finds the runtime:
# binaries in /usr/local/bin, configurations in /usr/share/defaults/kata-containers/ (the plain
# QEMU one as configuration.toml), the guest kernel and initrd in /usr/share/kata-containers/
# (the ELF vmlinux for plain guests, the bzImage as vmlinuz-confidential.container for the
# SEV/SNP/TDX configurations, whose firmware boots it through its EFI stub), the RuntimeClass
# manifests in /usr/share/kata-containers/runtimeclasses/ (`kubectl apply -f` that directory),
# and the CRI handlers kata-qemu* registered in containerd's config (CONTAINERD_CONFIG; restart
# containerd afterwards).
PREFIX ?= /usr/local
CONTAINERD_CONFIG ?= /etc/containerd/config.toml
install: deps guest
	$(SWIFT) build -c release --product kata-runtime
	$(SWIFT) build -c release --product containerd-shim-kata-v2
	$(SWIFT) build -c release --product kata-monitor
	install -D -m 0755 $$($(SWIFT) build -c release --show-bin-path)/kata-monitor $(PREFIX)/bin/kata-monitor
	install -D -m 0755 $$($(SWIFT) build -c release --show-bin-path)/kata-runtime $(PREFIX)/bin/kata-runtime
	install -D -m 0755 $$($(SWIFT) build -c release --show-bin-path)/containerd-shim-kata-v2 \
	  $(PREFIX)/bin/containerd-shim-kata-v2
	install -d /usr/share/defaults/kata-containers
	for f in configuration/*.toml; do install -m 0644 $$f /usr/share/defaults/kata-containers/; done
	install -m 0644 configuration/configuration-qemu.toml /usr/share/defaults/kata-containers/configuration.toml
	install -D -m 0644 $(KERNEL_DIR)/vmlinux /usr/share/kata-containers/vmlinux.container
	install -D -m 0644 $(KERNEL_DIR)/vmlinuz /usr/share/kata-containers/vmlinuz-confidential.container
	install -D -m 0644 $(GUEST_DIR)/kata-initrd.img /usr/share/kata-containers/kata-containers-initrd.img
	install -d /usr/share/kata-containers/runtimeclasses
	install -m 0644 configuration/runtimeclasses/*.yaml /usr/share/kata-containers/runtimeclasses/
	scripts/containerd-register-kata.sh $(CONTAINERD_CONFIG) configuration/containerd/kata-runtimes.toml

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests

clean:
	rm -rf .build $(BUILD_DIR)

format:
	$(SWIFT) format format --in-place --recursive Package.swift Sources Tests

# Regenerates the committed Swift code from our .proto files. protoc-gen-swift is built from the
# swift-protobuf checkout SwiftPM resolved, so the generated code matches the linked library.
# Generated files keep protoc-gen-swift's layout and are marked for swift-format to skip.
PROTOC_GEN_SWIFT := $(BUILD_DIR)/protoc-gen-swift/release/protoc-gen-swift
PROTO_INCLUDE := /usr/include
protos: deps
	$(SWIFT) package resolve
	$(SWIFT) build -c release --product protoc-gen-swift \
		--package-path .build/checkouts/swift-protobuf --scratch-path $(BUILD_DIR)/protoc-gen-swift
	rm -f Sources/Protocols/*.pb.swift Sources/Protocols/*.generated.swift Sources/TTRPC/Generated/*.pb.swift
	mkdir -p Sources/TTRPC/Generated
	cd Sources/TTRPC/proto && protoc -I . -I $(PROTO_INCLUDE) \
		--plugin=protoc-gen-swift=$(PROTOC_GEN_SWIFT) \
		--swift_opt=Visibility=Internal --swift_opt=FileNaming=PathToUnderscores \
		--swift_out=../Generated $$(find . -name '*.proto' | sort)
	cd Sources/Protocols/proto && protoc -I . -I $(PROTO_INCLUDE) \
		--plugin=protoc-gen-swift=$(PROTOC_GEN_SWIFT) \
		--swift_opt=Visibility=Public --swift_opt=FileNaming=PathToUnderscores \
		--swift_out=.. $$(find . -name '*.proto' | sort)
	python3 scripts/gen-rpc-methods.py Sources/Protocols/proto Sources/Protocols/RPCMethods.generated.swift
	sed -i '1i // swift-format-ignore-file' Sources/Protocols/*.pb.swift Sources/TTRPC/Generated/*.pb.swift

# Not part of `make test`: boots the guest image and prints QEMU start -> first Health.Check
# answer and container create+start -> first output byte (host side in debug: the guest image
# is the release build, and a second release build of the host stack would cost minutes).
bench-agent: guest
	$(SWIFT) run $(SWIFT_BUILD_FLAGS) AgentBench

# `ctr run` to first output through our shim beside the bare-QEMU floor, and peak RSS (not a test).
bench-shim: build guest
	RUNS=5 scripts/bench-shim.sh

# kata-monitor's scrape latency with 1, 4 and 8 sandboxes beside one shim's own (not a test).
bench-monitor: build guest
	scripts/bench-monitor.sh

# Not part of `make test`: prints calls/s and latency percentiles of ttrpc over a unix socket.
bench-ttrpc: deps
	$(SWIFT) run -c release $(SWIFT_BUILD_FLAGS) ttrpc-bench
