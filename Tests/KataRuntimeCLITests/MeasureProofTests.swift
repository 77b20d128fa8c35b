import Foundation
import TestFixtures
import Testing

@testable import KataRuntimeCLI

/// The issue's proof, with stand-ins because this machine has no SEV, SNP or TDX: a fake host
/// tree offering the technology (`--host-root`, `--host-cpuid`) and a synthetic firmware. The
/// planner's path (`kata-runtime measure --config --json`) reports the measurement and the argv
/// the QEMU backend would run; sev-snp-measure 0.0.13 (build/venv, `make measure-venv`) then runs
/// on `-kernel`/`-initrd`/`-append`/`-smp`/firmware/`-cpu` taken from that argv — as upstream's CI
/// derives reference values — and must print the same measurement. TDX: the independent MRTD
/// calculation (MeasurementTests/Fixtures/tdx_mrtd.py) on the firmware from the argv.
/// vCPUs vary through the CRI annotations (static sizing: default_vcpus + ceil(quota/period)).
@Suite(.serialized) struct MeasureProofTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let python = packageRoot.appendingPathComponent("build/venv/bin/python3").path

    /// quota/period → expected vCPUs with default_vcpus = 1.
    static let sizings: [(quota: Int?, period: Int?, vcpus: Int)] = [
        (nil, nil, 1), (100_000, 100_000, 2), (250_000, 100_000, 4),
    ]

    @Test(arguments: [ProofHost.Technology.sev, .sevES, .snp])
    func standInHostSEVFamilyMatchesSevSnpMeasureOnTheArgv(_ technology: ProofHost.Technology) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "run `make measure-venv`")
        let host = try ProofHost(technology)
        let config = try host.configuration(technology)
        var measurements: [String] = []
        for sizing in Self.sizings {
            let report = try measure(host, config: config, quota: sizing.quota, period: sizing.period)
            let argv = try commandLine(report)
            let smp = try #require(Self.value(after: "-smp", in: argv), "no -smp in \(argv)")
            let vcpus = Self.vcpuCount(smp)
            #expect(vcpus == String(sizing.vcpus), "-smp \(smp)")
            var args = [
                "--mode", technology == .sevES ? "seves" : technology.rawValue,
                "--ovmf", try Self.firmware(in: argv),
                "--kernel", try #require(Self.value(after: "-kernel", in: argv)),
                "--initrd", try #require(Self.value(after: "-initrd", in: argv)),
                "--append", try #require(Self.value(after: "-append", in: argv)),
            ]
            if technology != .sev {
                let cpu = try #require(Self.value(after: "-cpu", in: argv)).split(separator: ",").first.map(
                    String.init)
                args += ["--vcpus", vcpus]
                args +=
                    cpu == "host"
                    ? ["--vcpu-sig", String(ProofHost.hostSignature)] : ["--vcpu-type", cpu ?? ""]
            }
            let reference = try Self.run(
                Self.python,
                [
                    "-c",
                    "import sys; from sevsnpmeasure import cli; sys.argv[0] = 'sev-snp-measure'; sys.exit(cli.main())",
                ]
                    + args)
            try #require(reference.status == 0, "sev-snp-measure \(args): \(reference.error)")
            let measurement = try #require(report["measurement"] as? String)
            #expect(
                measurement == reference.output.trimmingCharacters(in: .whitespacesAndNewlines), "\(args)")
            #expect(report["mode"] as? String == technology.rawValue)
            measurements.append(measurement)
        }
        if technology == .snp {
            // The RVPS message carries the same value under the default policy's name.
            var args = ["--config", config, "--reference-values", "--host-root", host.root]
            for leaf in host.cpuid { args += ["--host-cpuid", leaf] }
            let message = try MeasureCommand.parse(args).execute().text
            let object = try JSONSerialization.jsonObject(with: Data(message.utf8)) as? [String: String]
            let payload = try #require(Data(base64Encoded: object?["payload"] ?? ""))
            #expect(
                String(decoding: payload, as: UTF8.self)
                    == #"{"snp_launch_measurement":["\#(measurements[0])"]}"#)
        }
        // SEV measures no VMSA, so the vCPU count does not enter; SEV-ES and SNP follow it.
        #expect(Set(measurements).count == (technology == .sev ? 1 : Self.sizings.count), "\(measurements)")
        print(
            "proof \(technology.rawValue): \(zip(Self.sizings.map(\.vcpus), measurements).map { "\($0) vCPU \($1)" })"
        )
    }

    @Test func standInHostTDXMatchesTheIndependentMRTD() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "run `make measure-venv`")
        let host = try ProofHost(.tdx)
        let report = try measure(host, config: try host.configuration(.tdx), quota: 200_000, period: 100_000)
        let argv = try commandLine(report)
        let script = Self.packageRoot.appendingPathComponent("Tests/MeasurementTests/Fixtures/tdx_mrtd.py")
            .path
        let reference = try Self.run(Self.python, [script, try Self.firmware(in: argv)])
        try #require(reference.status == 0, "tdx_mrtd.py: \(reference.error)")
        #expect(report["mode"] as? String == "tdx")
        #expect(
            report["measurement"] as? String
                == reference.output.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(report["mr_td"] as? String == report["measurement"] as? String)
        // RTMR1/RTMR2 from -kernel, -initrd, -append and -m of the argv, by the independent
        // calculation, with upstream Kata's profile (no QEMU was probed).
        let memory = try #require(Self.value(after: "-m", in: argv)?.split(separator: ",").first)
        let mebibytes = try #require(Int(memory.filter(\.isNumber)), "-m \(memory)")
        let cases: [[String: Any]] = [
            [
                "kernel": try #require(Self.value(after: "-kernel", in: argv)),
                "initrd": try #require(Self.value(after: "-initrd", in: argv)),
                "cmdline": try #require(Self.value(after: "-append", in: argv)), "memory": mebibytes << 20,
                "header": "unpatched", "initrd_option": "prefix", "separator": "rtmr_1", "stub": NSNull(),
            ]
        ]
        let casesPath = host.directory + "/rtmr-cases.json"
        try JSONSerialization.data(withJSONObject: cases).write(to: URL(fileURLWithPath: casesPath))
        let rtmr = Self.packageRoot.appendingPathComponent("Tests/MeasurementTests/Fixtures/tdx_reference.py")
            .path
        let registers = try Self.run(Self.python, [rtmr, "rtmr", casesPath])
        try #require(registers.status == 0, "tdx_reference.py: \(registers.error)")
        let expected = try #require(
            try JSONSerialization.jsonObject(with: Data(registers.output.utf8)) as? [String: Any])
        #expect(report["rtmr_1"] as? String == expected["rtmr_1"] as? String)
        #expect(report["rtmr_2"] as? String == expected["rtmr_2"] as? String)
        let names = (report["events"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(
            names.contains("tdvfkernel") && names.contains("tdvfkernelparams") && names.contains("initrd"))
    }

    // MARK: Helpers

    func measure(_ host: ProofHost, config: String, quota: Int?, period: Int?) throws -> [String: Any] {
        var args = [
            "--config", config, "--json", "--host-root", host.root, "--state-root", host.directory + "/sbs",
        ]
        for leaf in host.cpuid { args += ["--host-cpuid", leaf] }
        if let quota { args += ["--annotation", "io.kubernetes.cri.sandbox-cpu-quota=\(quota)"] }
        if let period { args += ["--annotation", "io.kubernetes.cri.sandbox-cpu-period=\(period)"] }
        let output = try MeasureCommand.parse(args).execute()
        let object = try JSONSerialization.jsonObject(with: Data(output.text.utf8))
        return try #require(object as? [String: Any], "not a JSON object: \(output.text)")
    }

    func commandLine(_ report: [String: Any]) throws -> [String] {
        let argv = try #require(report["hypervisor_command_line"] as? [String], "no hypervisor_command_line")
        try #require(
            !argv.isEmpty,
            "hypervisor_command_line is empty: defaultBackend() is still the stand-in; QEMUBackend (qemu branch) renders it"
        )
        return argv
    }

    /// The vCPU count of `-smp N,...` or `-smp cpus=N,...`.
    static func vcpuCount(_ smp: String) -> String {
        let first = smp.split(separator: ",").first.map(String.init) ?? ""
        return first.hasPrefix("cpus=") ? String(first.dropFirst(5)) : first
    }

    static func value(after option: String, in argv: [String]) -> String? {
        guard let index = argv.firstIndex(of: option), index + 1 < argv.count else { return nil }
        return argv[index + 1]
    }

    /// The firmware from `-bios FILE` or a pflash `-drive ...,file=FILE`.
    static func firmware(in argv: [String]) throws -> String {
        if let bios = value(after: "-bios", in: argv) { return bios }
        for (index, arg) in argv.enumerated() where arg == "-drive" && index + 1 < argv.count {
            let fields = argv[index + 1].split(separator: ",")
            guard fields.contains("if=pflash") else { continue }
            if let file = fields.first(where: { $0.hasPrefix("file=") }) { return String(file.dropFirst(5)) }
        }
        Issue.record("no firmware (-bios or pflash -drive) in \(argv)")
        throw CancellationError()
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (
        status: Int32, output: String, error: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: out, as: UTF8.self),
            String(decoding: err, as: UTF8.self)
        )
    }
}
