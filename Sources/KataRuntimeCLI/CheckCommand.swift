import ArgumentParser
import Host
import KataConfig
import Runtime

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `kata-runtime check`: one line per host check with its verdict and reason. Exits non-zero
/// when no VM can run at all.
public struct CheckCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check whether this host can run Kata Containers VMs (KVM, TCG, SEV, SEV-ES, SNP, TDX).")

    @OptionGroup public var global: GlobalOptions

    @Option(name: .long, help: "The QEMU binary to check (default: the configuration's hypervisor path).")
    public var qemu: String?

    @Flag(name: .long, help: "Print the report as JSON.")
    public var json = false

    /// Reads /proc, /sys, /dev and /etc under this directory instead of "/" (tests use fake trees).
    @Option(name: .long, help: .hidden)
    public var hostRoot = "/"

    public init() {}

    public func run() throws {
        let report = makeReport()
        print(try Self.render(report, json: json))
        if !report.canRunVM
            || report.checks.contains(where: { $0.name == LaunchCheck.name && $0.status == .fail })
        {
            throw ExitCode(1)
        }
    }

    /// Gathers the facts and judges them, then asks the launch planner whether the configuration
    /// (when one loads) can be launched here as it asks: the same decision sandbox creation makes.
    public func makeReport() -> HostCheckReport {
        let facts = HostFacts.gather(HostProbe(filesystem: HostFilesystem(root: hostRoot)))
        let qemu = QEMUBinary.probe(path: qemuPath())
        var report = HostCheckReport(facts: facts, qemu: qemu)
        let configuration = Result { try global.loadConfiguration() }
        report.checks.append(LaunchCheck.judge(configuration, host: facts, qemu: qemu))
        return report
    }

    /// `--qemu`, else the configured hypervisor path; a configuration that does not load is
    /// reported by `env`, so `check` falls back to the configuration's default path.
    func qemuPath() -> String {
        if let qemu { return qemu }
        return (try? global.loadConfiguration())?.configuration.hypervisor.path ?? QEMUConfig().path
    }

    /// The report as text (`STATUS name: reason` lines, then the summary) or as JSON.
    public static func render(_ report: HostCheckReport, json: Bool) throws -> String {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            return String(decoding: try encoder.encode(report), as: UTF8.self)
        }
        let width = report.checks.map(\.name.count).max() ?? 0
        var lines = report.checks.map { check in
            let padding = String(repeating: " ", count: width - check.name.count)
            return "\(check.status.rawValue.uppercased()) \(check.name)\(padding) : \(check.reason)"
        }
        lines.append(report.summary)
        return lines.joined(separator: "\n")
    }
}
