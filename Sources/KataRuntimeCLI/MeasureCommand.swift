import ArgumentParser
import Firmware
import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// `kata-runtime measure`: the launch measurement a confidential guest will report, computed
/// before launch. Takes sev-snp-measure 0.0.13's options with the same meaning and output, so it
/// can replace it; adds `--mode tdx` (MRTD) and `--json`.
public struct MeasureCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "Compute the SEV, SEV-ES, SEV-SNP or TDX launch measurement of a guest.",
        discussion: """
            Options and output match sev-snp-measure 0.0.13. Refusals exit with status 1 and say why.
            Numbers follow Python's rules (--vcpu-sig and --guest-features accept 0x/0o/0b prefixes).
            """)

    @Flag(name: .shortAndLong, help: "Prefix the measurement with the mode name.")
    var verbose = false
    @Option(help: "Guest mode: sev, seves, snp, snp:ovmf-hash, snp:svsm or tdx.")
    var mode: String?
    @Option(name: .customLong("vcpus"), parsing: .unconditional, help: "Number of guest vCPUs.")
    var vcpus: String?
    @Option(help: "Guest vCPU type, e.g. EPYC-v4 or EPYC-Milan.")
    var vcpuType: String?
    @Option(parsing: .unconditional, help: "Guest vCPU signature (CPUID 1 EAX).")
    var vcpuSig: String?
    @Option(parsing: .unconditional, help: "Guest vCPU family.")
    var vcpuFamily: String?
    @Option(parsing: .unconditional, help: "Guest vCPU model.")
    var vcpuModel: String?
    @Option(parsing: .unconditional, help: "Guest vCPU stepping.")
    var vcpuStepping: String?
    @Option(help: "VMM that launches the guest: QEMU, ec2 or gce.")
    var vmmType = "QEMU"
    @Option(help: "Firmware image (OVMF, or TDVF for --mode tdx).")
    var ovmf: String?
    @Option(help: "Kernel booted with -kernel.")
    var kernel: String?
    @Option(help: "Initrd (needs --kernel).")
    var initrd: String?
    @Option(help: "Kernel command line (needs --kernel).")
    var append: String?
    @Option(parsing: .unconditional, help: "SEV features of the SNP VMSA.")
    var guestFeatures = "0x1"
    @Option(help: "Output format: hex or base64.")
    var outputFormat = "hex"
    @Option(help: "Precomputed SNP digest of the firmware pages (hex), from --mode snp:ovmf-hash.")
    var snpOvmfHash: String?
    @Flag(help: "Write the measured VMSA pages to vmsa<N>.bin.")
    var dumpVmsa = false
    @Option(help: "Coconut-SVSM image (snp:svsm).")
    var svsm: String?
    @Option(parsing: .unconditional, help: "Size of the OVMF variable store in bytes (snp:svsm).")
    var varsSize: String?
    @Option(help: "OVMF variable store file, for its size (snp:svsm).")
    var varsFile: String?
    @Option(help: "VMSA initial FPU state: current (as sev-snp-measure 0.0.13) or legacy (zero).")
    var vmsaFlavour = "current"
    @Flag(help: "Print a JSON report: every input's digest and the measurement.")
    var json = false

    public init() {}

    public func run() throws {
        let output = try execute()
        print(output.text)
        for (index, page) in output.vmsaPages.enumerated() {
            try write(page, to: "vmsa\(index).bin")
        }
    }

    /// Computes what `run` prints; throws a `KataError` for every refusal.
    public func execute() throws -> MeasureOutput {
        let request = try MeasureRequest(self)
        return try request.perform()
    }

    private func write(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw KataError.system("\(path): open", errno: errno) }
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw KataError.system("\(path): write", errno: errno) }
    }
}
