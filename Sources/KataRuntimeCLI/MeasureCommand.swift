import ArgumentParser
import Firmware
import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// `kata-runtime measure`: the launch measurement a confidential guest will report, computed
/// before launch. Takes sev-snp-measure 0.0.13's options with the same meaning and output, so it
/// can replace it; adds `--mode tdx` (MRTD; with --kernel also RTMR1 and RTMR2) and `--json`.
public struct MeasureCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "Compute the SEV, SEV-ES, SEV-SNP or TDX launch measurement of a guest.",
        discussion: """
            Options and output match sev-snp-measure 0.0.13. Refusals exit with status 1 and say why.
            Numbers follow Python's rules (--vcpu-sig and --guest-features accept 0x/0o/0b prefixes).

            With --config FILE (and --annotation KEY=VALUE...), prints what a pod with that configuration will measure on this host, planned as the shim plans it; --sandbox ID prints a running sandbox's recorded measurement; --reference-values prints either as a Trustee RVPS sample message.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(
        name: .customLong("annotation"),
        help: ArgumentHelp("A pod annotation for --config (repeatable).", valueName: "KEY=VALUE"))
    var annotations: [String] = []
    @Option(help: ArgumentHelp("Print this running sandbox's recorded measurement.", valueName: "ID"))
    var sandbox: String?
    @Flag(help: "Print the measurement as a Trustee RVPS \"sample\" message (with --config or --sandbox).")
    var referenceValues = false
    /// Reads /proc, /sys and /dev under this directory instead of "/" (tests use fake trees).
    @Option(name: .long, help: .hidden)
    var hostRoot = "/"
    /// CPUID leaves the host reports, `LEAF=EAX,EBX,ECX,EDX` in hex (tests fake SEV hosts);
    /// when any is given, other leaves read as zero.
    @Option(name: .customLong("host-cpuid"), help: .hidden)
    var hostCPUID: [String] = []
    /// Where sandbox state lives (default /run/vc/sbs).
    @Option(name: .long, help: .hidden)
    var stateRoot = "/run/vc/sbs"

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
    @Option(
        help:
            "Guest memory in MiB (--mode tdx with --kernel; QEMU < 10.2 patches the initrd address from it).")
    var memory: String?
    @Option(help: "QEMU release for the TDX version rules (default: upstream Kata's, 10.2.0).")
    var tdxQemuVersion: String?
    @Option(
        help:
            "edk2 release of the TDVF for the TDX version rules (default: upstream Kata's, edk2-stable202511)."
    )
    var tdxEdk2Version: String?
    @Option(
        help:
            "Override: kernel measured as QEMU patched its setup header (patched) or as the file is (unpatched)."
    )
    var tdxKernelHeader: String?
    @Option(help: "Override: \"initrd=initrd\" before (prefix) or after (suffix) the command line.")
    var tdxInitrdOption: String?
    @Option(help: "Override: register of the ReadyToBoot separator (rtmr_0 or rtmr_1).")
    var tdxSeparator: String?
    @Option(help: "Override: whether the kernel's EFI stub measures its load options and initrd (yes or no).")
    var tdxStubMeasures: String?

    /// Kata's `default_memory`, the TD's memory when --memory is not given.
    static let defaultMemoryMiB = 2048

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
        if global.config != nil || sandbox != nil { return try PlannedMeasurement(self).output() }
        if !annotations.isEmpty { throw refusal("--annotation needs --config") }
        if referenceValues { throw refusal("--reference-values needs --config or --sandbox") }
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
