import Foundation
import Host
import KataConfig
import KataCore
import Logging
import OCI
import Protocols
import QEMU
import Runtime
import Synchronization
import TestFixtures
import Testing

@testable import Shim

/// The issue's proof on the shim's own path, with stand-ins because this machine has no SEV or
/// SNP: a fake host tree offering the technology, a synthetic firmware, and a STAND-IN QEMU (a
/// shell script) that records the argv the real QEMU backend spawns it with and exits. The
/// measurement the shim logged before the spawn must equal sev-snp-measure 0.0.13 run on the
/// -kernel/-initrd/-append/-smp/-cpu/firmware of that recorded argv, and follow the vCPU count
/// the CRI annotations ask for.
@Suite(.serialized) struct StandInQEMUMeasurementTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let python = packageRoot + "/build/venv/bin/python3"

    @Test(arguments: [ProofHost.Technology.sevES, .snp])
    func shimLogsTheMeasurementOfTheArgvItSpawns(_ technology: ProofHost.Technology) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "run `make measure-venv`")
        let host = try ProofHost(technology)
        let qemu = try Self.standInQEMU(in: host.directory)
        let config = try host.configuration(technology, hypervisorPath: qemu)
        var seen: [String] = []
        for (annotations, vcpus) in [
            ([String: String](), 1),
            (
                [
                    "io.kubernetes.cri.sandbox-cpu-quota": "200000",
                    "io.kubernetes.cri.sandbox-cpu-period": "100000",
                ], 3
            ),
        ] {
            let (logged, argv) = try await Self.createThroughTheShim(
                host: host, config: config, annotations: annotations)
            #expect(Self.value(after: "-smp", in: argv)?.split(separator: ",").first == "\(vcpus)", "\(argv)")
            let cpu = Self.value(after: "-cpu", in: argv)?.split(separator: ",").first.map(String.init) ?? ""
            var args = [
                "--mode", technology == .sevES ? "seves" : "snp", "--vcpus", "\(vcpus)",
                "--ovmf", try #require(Self.firmware(in: argv)),
                "--kernel", try #require(Self.value(after: "-kernel", in: argv)),
                "--initrd", try #require(Self.value(after: "-initrd", in: argv)),
                "--append", try #require(Self.value(after: "-append", in: argv)),
            ]
            args += cpu == "host" ? ["--vcpu-sig", "\(ProofHost.hostSignature)"] : ["--vcpu-type", cpu]
            let reference = try await Self.run(
                Self.python,
                [
                    "-c",
                    "import sys; from sevsnpmeasure import cli; sys.argv[0] = 'sev-snp-measure'; sys.exit(cli.main())",
                ]
                    + args)
            #expect(logged == reference.trimmingCharacters(in: .whitespacesAndNewlines), "\(args)")
            seen.append(logged)
        }
        #expect(Set(seen).count == 2, "the vCPU count did not change the measurement: \(seen)")
        print("stand-in QEMU \(technology.rawValue): shim measured \(seen)")
    }

    /// One Create through a real TaskService with the QEMU backend: returns the logged
    /// `launch_measurement` and the argv the stand-in recorded; checks nothing is left.
    static func createThroughTheShim(
        host: ProofHost, config: String, annotations: [String: String]
    ) async throws -> (String, [String]) {
        let root = host.directory + "/shim-\(UUID().uuidString.prefix(6))"
        let records = LogRecords()
        let logger = Logger(label: "test.stand-in") { _ in RecordingLogHandler(records: records) }
        let probe = try host.probe
        let service = TaskService(
            namespace: "test", shimID: "shim",
            events: EventPublisher(address: "", namespace: "test", logger: logger),
            dialer: { _, _ in throw KataError(.unsupported, "the stand-in QEMU runs no guest") },
            backend: QEMUBackend(), hostFacts: { HostFacts.gather(probe) },
            loadConfiguration: { annotations, _ in
                try ConfigurationLoader.loadForShim(annotations: annotations, shimConfigPath: config)
                    .configuration
            }, stateRoot: root + "/sbs", sharedRoot: root + "/shared", logger: logger, onShutdown: {})
        let bundle = root + "/bundle"
        try FileManager.default.createDirectory(atPath: bundle + "/rootfs", withIntermediateDirectories: true)
        let spec = Spec(
            process: OCI.Process(args: ["/bin/true"]), root: Root(path: "rootfs"), annotations: annotations)
        try JSONEncoder().encode(spec).write(to: URL(fileURLWithPath: bundle + "/config.json"))
        var request = Containerd_Task_V2_CreateTaskRequest()
        request.id = "standin-\(UUID().uuidString.prefix(6).lowercased())"
        request.bundle = bundle
        let failure = await errorCode { _ = try await service.create(request) }
        #expect(failure != nil, "the stand-in QEMU exits: Create must fail")
        print("Create through the stand-in: \(failure.map { "\($0.1)" } ?? "succeeded")")
        #expect(!FileManager.default.fileExists(atPath: root + "/sbs/\(request.id)"), "state left behind")
        let argv = try String(contentsOfFile: host.directory + "/argv", encoding: .utf8)
            .split(separator: "\0").map(String.init)
        try FileManager.default.removeItem(atPath: host.directory + "/argv")
        let logged = try #require(records.value(of: "launch_measurement"), "no launch_measurement logged")
        return (logged, argv)
    }

    /// Answers the probes (`--version`, `-accel help`, `-object help`) as a QEMU with SEV, SNP
    /// and TDX objects would; any other invocation is recorded (NUL-separated) and fails.
    static func standInQEMU(in directory: String) throws -> String {
        let path = directory + "/stand-in-qemu"
        try """
        #!/bin/sh
        case "$1 $2" in
          "--version "*) echo "QEMU emulator version 9.2.0 (stand-in)"; exit 0 ;;
          "-accel help") printf 'Accelerators supported in QEMU binary:\\ntcg\\nkvm\\n'; exit 0 ;;
          "-object help") printf 'List of user creatable objects:\\nsev-guest\\nsev-snp-guest\\ntdx-guest\\n'; exit 0 ;;
        esac
        for argument in "$@"; do printf '%s\\0' "$argument"; done > "\(directory)/argv"
        echo "stand-in QEMU: no guest is run" >&2
        exit 1

        """.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    static func value(after option: String, in argv: [String]) -> String? {
        guard let index = argv.firstIndex(of: option), index + 1 < argv.count else { return nil }
        return argv[index + 1]
    }

    /// `-bios PATH` (SNP) or the read-only pflash drive's `file=` (SEV, SEV-ES).
    static func firmware(in argv: [String]) -> String? {
        if let bios = value(after: "-bios", in: argv) { return bios }
        for (index, argument) in argv.enumerated() where argument == "-drive" && index + 1 < argv.count {
            let options = argv[index + 1].split(separator: ",")
            if options.contains("if=pflash"), let file = options.first(where: { $0.hasPrefix("file=") }) {
                return String(file.dropFirst(5))
            }
        }
        return nil
    }

    /// Runs a program without blocking a concurrency thread; returns its standard output.
    static func run(_ executable: String, _ arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            process.terminationHandler = { _ in done.resume() }
            do { try process.run() } catch { done.resume() }
        }
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}

/// The metadata of every log entry, for tests that read what was logged.
final class LogRecords: Sendable {
    private let entries = Mutex<[Logger.Metadata]>([])
    func append(_ metadata: Logger.Metadata) { entries.withLock { $0.append(metadata) } }
    func value(of key: String) -> String? {
        entries.withLock { $0.compactMap { $0[key].map { "\($0)" } }.first }
    }
}

struct RecordingLogHandler: LogHandler {
    let records: LogRecords
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(
        level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String,
        file: String, function: String, line: UInt
    ) {
        records.append(metadata.merging(extra ?? [:]) { $1 })
    }
}
