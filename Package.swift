// swift-tools-version:6.1
// A Swift re-implementation of the Kata Containers runtime for confidential guests.
// Layers (see README "Layout"): C system libraries at the bottom, pure leaf modules
// (KataCore, KataUUID, Retry), measurement (Firmware, SEV, TDX), protocols (TTRPC,
// Protocols), the QEMU backend, configuration, and the command-line front ends on top.
import PackageDescription

let package = Package(
    name: "kata-swift",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kata-runtime", targets: ["KataRuntimeMain"]),
        .executable(name: "containerd-shim-kata-v2", targets: ["ShimMain"]),
        .executable(name: "kata-agent", targets: ["KataAgentMain"]),
        .executable(name: "kata-monitor", targets: ["KataMonitorMain"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // No default traits: BinaryDelimitedStreams imports full Foundation, which would put ~40 MB
        // of ICU data into the guest agent.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0", traits: []),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // MARK: C system libraries (pkg-config) and our small C shim for syscalls/ioctls.
        // libcrypto alone (EVP digests): pkg-config's `openssl` would also link libssl, which
        // nothing uses and the guest image would then carry.
        .systemLibrary(
            name: "COpenSSL", path: "Sources/C/COpenSSL", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CSeccomp", path: "Sources/C/CSeccomp", pkgConfig: "libseccomp",
            providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(
            name: "CCapNG", path: "Sources/C/CCapNG", pkgConfig: "libcap-ng",
            providers: [.apt(["libcap-ng-dev"])]),
        .systemLibrary(
            name: "CSystemd", path: "Sources/C/CSystemd", pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/C/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CKataSys", path: "Sources/C/CKataSys"),

        // MARK: Leaves
        .target(name: "KataCore", dependencies: ["CKataSys"]),
        .target(name: "KataUUID", dependencies: ["KataCore"]),
        .target(name: "Retry", dependencies: ["KataCore"]),
        .target(
            name: "KataLog",
            dependencies: [
                "KataCore", "CSystemd", .product(name: "Logging", package: "swift-log"),
            ]),

        // MARK: rtnetlink messages and socket, shared by the host (taps, tc) and the guest agent
        // (interfaces, routes): Glibc only, no Foundation.
        .target(name: "Netlink", dependencies: ["KataCore"]),

        // MARK: Host facts (CPU, KVM, SEV/TDX support) used by `check`, `env` and QEMU.
        .target(name: "Host", dependencies: ["KataCore", "CKataSys", "CCapNG", "CSeccomp"]),

        // MARK: Launch measurement
        .target(name: "Firmware", dependencies: ["KataCore", "KataUUID", "COpenSSL"]),
        .target(name: "SEV", dependencies: ["Firmware", "KataCore", "KataUUID", "COpenSSL"]),
        .target(name: "TDX", dependencies: ["Firmware", "KataCore", "COpenSSL"]),

        // MARK: Initdata (annotation, TOML subset, digest, disk): shared by the host and the guest agent
        .target(name: "Initdata", dependencies: ["KataCore", "Firmware", "CZlib"]),

        // MARK: Configuration
        .target(
            name: "KataConfig",
            dependencies: [
                "KataCore", .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // MARK: Wire protocols
        .target(
            name: "TTRPC",
            dependencies: [
                "KataCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ], exclude: ["proto"]),
        .target(
            name: "Protocols",
            dependencies: [
                "TTRPC", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ], exclude: ["proto"]),

        // MARK: The hypervisor-neutral VM description and the backend protocol (no QEMU, no KataConfig)
        .target(
            name: "VirtualMachine",
            dependencies: ["KataCore", .product(name: "Logging", package: "swift-log")]),

        // MARK: QEMU backend
        .target(
            name: "QEMU",
            dependencies: [
                "KataCore", "VirtualMachine", "Host", "CKataSys",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // MARK: OCI runtime-spec types (config.json)
        .target(name: "OCI"),

        // MARK: The host side of the guest agent (runtime-owned API)
        .target(name: "OCIProtobuf", dependencies: ["OCI", "Protocols"]),
        .target(
            name: "Agent",
            dependencies: [
                "KataCore", "OCI", "OCIProtobuf", "Protocols", "TTRPC", "Retry",
                .product(name: "NIOCore", package: "swift-nio"),
            ]),

        // MARK: The guest agent's own logic (runs inside the VM as PID 1)
        .target(name: "GuestAgent", dependencies: ["KataCore", "CKataSys", "Initdata"]),
        // grpc.AgentService over ttrpc in the guest; `kata-agent` is its thin main (FoundationEssentials only).
        .target(
            name: "KataAgentService",
            dependencies: [
                "GuestAgent", "Initdata", "Firmware", "KataCore", "Netlink", "OCI", "OCIProtobuf",
                "Protocols",
                "TTRPC",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
        .executableTarget(
            name: "KataAgentMain", dependencies: ["KataAgentService"], path: "Sources/kata-agent"),
        // Boots the guest image (build/guest) with a 9p share for the agent tests and benchmark.
        .target(name: "AgentVMSupport", dependencies: ["Agent", "QEMU", "OCI", "KataCore"]),
        // `make bench-agent`: QEMU start to first Health.Check, container create+start to first output.
        .executableTarget(
            name: "AgentBench", dependencies: ["AgentVMSupport"], path: "Sources/agent-bench"),

        // MARK: Runtime layer: sandboxes, containers, IO (upstream's virtcontainers)
        .target(
            name: "Runtime",
            dependencies: [
                "KataCore", "KataConfig", "VirtualMachine", "QEMU", "Host", "Firmware", "SEV", "TDX",
                "Agent", "OCI", "CKataSys", "Initdata", "Netlink",
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Prometheus text parsed strictly and relabelled (series relayed from the guest and the shims).
        .target(name: "PrometheusText"),

        // The git commit the binaries were built from (a prebuild plugin writes it).
        .plugin(name: "GitCommitStamp", capability: .buildTool()),
        .target(name: "BuildInfo", plugins: ["GitCommitStamp"]),

        // MARK: Local HTTP (the shim's management socket, kata-monitor's listener and its client)
        .target(
            name: "LocalHTTP",
            dependencies: [
                "KataCore", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),

        // MARK: containerd-shim-kata-v2
        .target(
            name: "Shim",
            dependencies: [
                "KataCore", "CKataSys", "COpenSSL", "KataConfig", "KataLog", "Runtime", "VirtualMachine",
                "QEMU",
                "Host", "Agent", "OCI", "TTRPC",
                "Protocols", "LocalHTTP", "PrometheusText",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),

        .executableTarget(
            name: "ShimMain", dependencies: ["Shim", "Agent", "VirtualMachine"],
            path: "Sources/containerd-shim-kata-v2"),

        // MARK: Command-line front ends (commands live in a library; mains stay thin)
        .target(
            name: "KataRuntimeCLI",
            dependencies: [
                "KataCore", "KataConfig", "KataLog", "Host", "Firmware", "SEV", "TDX", "Runtime",
                "VirtualMachine", "QEMU", "BuildInfo", "LocalHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "KataRuntimeMain", dependencies: ["KataRuntimeCLI"],
            path: "Sources/kata-runtime"),
        // kata-monitor: one Prometheus endpoint for every sandbox on the node.
        .target(
            name: "KataMonitor",
            dependencies: [
                "KataCore", "CKataSys", "KataLog", "LocalHTTP", "PrometheusText", "Runtime",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "KataMonitorMain", dependencies: ["KataMonitor"], path: "Sources/kata-monitor"),
        // `make bench-ttrpc`: ttrpc round trips over a unix socket (not part of the tests).
        .executableTarget(
            name: "ttrpc-bench",
            dependencies: ["TTRPC", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Sources/ttrpc-bench"),

        // MARK: Tests
        // Shared by the unit tests: synthetic OVMF/TDVF images, a fake SEV/SNP/TDX host, a fake agent.
        .target(
            name: "TestFixtures", dependencies: ["Firmware", "Host", "KataCore", "Agent", "OCI"],
            path: "Tests/TestFixtures"),
        .testTarget(name: "KataCoreTests", dependencies: ["KataCore"]),
        .testTarget(name: "NetlinkTests", dependencies: ["Netlink", "KataCore"]),
        .testTarget(
            name: "InitdataTests", dependencies: ["Initdata", "Firmware", "KataCore", "TestFixtures"]),
        .testTarget(name: "KataUUIDTests", dependencies: ["KataUUID", "KataCore"]),
        .testTarget(name: "RetryTests", dependencies: ["Retry", "KataCore"]),
        .testTarget(name: "KataLogTests", dependencies: ["KataLog", "KataCore"]),
        .testTarget(name: "HostTests", dependencies: ["Host", "KataCore"]),
        .testTarget(
            name: "KataConfigTests", dependencies: ["KataConfig", "KataCore"], exclude: ["Fixtures"]),
        .testTarget(
            name: "MeasurementTests",
            dependencies: ["TestFixtures", "Firmware", "SEV", "TDX", "KataUUID", "KataRuntimeCLI"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "TTRPCTests",
            dependencies: [
                "TTRPC", "Protocols", "KataCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
        .testTarget(
            name: "QEMUTests",
            dependencies: [
                "QEMU", "VirtualMachine", "Host", "KataCore", "Firmware", "TDX",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .testTarget(
            name: "ShimTests",
            dependencies: [
                "TestFixtures", "QEMU", "Initdata", "LocalHTTP",
                .product(name: "Prometheus", package: "swift-prometheus"),
                "Shim", "Runtime", "Agent", "VirtualMachine", "Host", "KataConfig", "KataCore", "OCI",
                "Protocols",
            ]),
        .testTarget(
            name: "RuntimeTests",
            dependencies: [
                "TestFixtures", "Runtime", "Agent", "OCI", "KataCore", "KataConfig", "Host", "Firmware",
                "SEV",
                "TDX", "VirtualMachine", .product(name: "Logging", package: "swift-log"),
            ]),
        // Drives the built containerd-shim-kata-v2 through a private containerd (no module deps).
        .testTarget(name: "ShimIntegrationTests", dependencies: ["KataCore", "TTRPC", "Protocols"]),
        .testTarget(name: "OCITests", dependencies: ["OCI"]),
        .testTarget(name: "PrometheusTextTests", dependencies: ["PrometheusText"]),
        .testTarget(
            name: "KataMonitorTests",
            dependencies: [
                "KataMonitor", "LocalHTTP", "Runtime", "KataCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        .testTarget(
            name: "GuestAgentTests", dependencies: ["GuestAgent", "Initdata", "KataCore", "TestFixtures"]),
        .testTarget(name: "OCIProtobufTests", dependencies: ["OCIProtobuf", "OCI", "Protocols"]),
        .testTarget(
            name: "AgentTests",
            dependencies: [
                "Agent", "AgentVMSupport", "KataAgentService", "GuestAgent", "TTRPC", "Protocols", "OCI",
                "KataCore", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
        .testTarget(
            name: "KataRuntimeCLITests",
            dependencies: [
                "TestFixtures",
                "KataRuntimeCLI", "Host", "KataCore", "KataConfig", "Runtime", "Firmware",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
