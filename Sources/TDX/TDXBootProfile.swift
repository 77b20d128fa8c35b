import KataCore

/// The three things RTMR1/RTMR2 of a direct-boot TD depend on besides the kernel, initrd and
/// command line, which changed between QEMU and edk2 releases:
///
/// - QEMU before 10.2 rewrites the kernel's setup header (type_of_loader, loadflags,
///   heap_end_ptr, cmd_line_ptr, ramdisk_image/size) in the copy it serves OVMF over fw_cfg,
///   and OVMF measures that copy; QEMU commit a7542a38f399 ("x86/loader: Don't update kernel
///   header for CoCo VMs", first in 10.2.0) stopped doing so for every confidential guest.
/// - edk2 before edk2-stable202411 extends the ReadyToBoot separator into RTMR0 (two
///   separators there, none in RTMR1); commit efaf8931 ("OvmfPkg/TdTcg2Dxe: Fix the
///   SeparatorEvent issue in RTMRs") moved it to RTMR1.
/// - edk2's X86QemuLoadImageLib appended " initrd=initrd" to the load options; commit
///   a2ac0fea (PR #11115, opened 2025-05-23, after the edk2-stable202505 freeze) puts
///   "initrd=initrd " in front, so edk2-stable202508 and later prefix it.
public struct TDXBootProfile: Sendable, Equatable, Codable {
    public enum KernelHeader: String, Sendable, Codable, CaseIterable {
        /// Measured as QEMU < 10.2 patched it.
        case patched
        /// Measured as the file is (QEMU 10.2+).
        case unpatched
    }

    public enum InitrdOption: String, Sendable, Codable, CaseIterable {
        /// "initrd=initrd <cmdline>" (edk2-stable202508+).
        case prefix
        /// "<cmdline> initrd=initrd" (older edk2).
        case suffix
    }

    public enum SeparatorRegister: String, Sendable, Codable, CaseIterable {
        case rtmr0 = "rtmr_0"
        case rtmr1 = "rtmr_1"
    }

    public var kernelHeader: KernelHeader
    public var initrdOption: InitrdOption
    public var separator: SeparatorRegister
    /// Whether the kernel's EFI stub measures its load options and initrd into RTMR2; nil
    /// decides from the kernel's version string (the CC measurement protocol arrived in
    /// Linux 6.9; older stubs find no TCG2 protocol in a TD and measure nothing).
    public var stubMeasures: Bool?

    public init(
        kernelHeader: KernelHeader, initrdOption: InitrdOption, separator: SeparatorRegister,
        stubMeasures: Bool? = nil
    ) {
        self.kernelHeader = kernelHeader
        self.initrdOption = initrdOption
        self.separator = separator
        self.stubMeasures = stubMeasures
    }

    /// The QEMU and edk2 releases of upstream Kata's TDX stack (versions.yaml: qemu v10.2.0,
    /// externals.ovmf.tdx edk2-stable202511, OvmfPkg/IntelTdx/IntelTdxX64.dsc).
    public static let upstreamKataQEMU = "10.2.0"
    public static let upstreamKataEDK2 = "edk2-stable202511"

    /// What the version rules give for those releases (a test holds the two together).
    public static let upstreamKata = TDXBootProfile(
        kernelHeader: .unpatched, initrdOption: .prefix, separator: .rtmr1)

    /// The profile the version rules give for a QEMU release ("10.1.2") and an edk2 tag
    /// ("edk2-stable202411", "202408.01").
    public init(qemuVersion: String, edk2Version: String) throws {
        let qemu = try Self.qemuRelease(qemuVersion)
        let edk2 = try Self.edk2Release(edk2Version)
        self.init(
            kernelHeader: qemu >= (10, 2) ? .unpatched : .patched,
            initrdOption: edk2 >= 202508 ? .prefix : .suffix,
            separator: edk2 >= 202411 ? .rtmr1 : .rtmr0)
    }

    package static func qemuRelease(_ text: String) throws -> (Int, Int) {
        let trimmed = text.hasPrefix("v") ? text.dropFirst() : Substring(text)
        let parts = trimmed.prefix { $0.isNumber || $0 == "." }.split(separator: ".")
        guard parts.count >= 2, let major = Int(parts[0]), let minor = Int(parts[1]) else {
            throw KataError(.invalidArgument, "QEMU version \"\(text)\": expected MAJOR.MINOR[.PATCH]")
        }
        return (major, minor)
    }

    package static func edk2Release(_ text: String) throws -> Int {
        let tag = text.hasPrefix("edk2-stable") ? text.dropFirst("edk2-stable".count) : Substring(text)
        let digits = tag.prefix { $0.isNumber }
        guard digits.count == 6, let value = Int(digits) else {
            throw KataError(.invalidArgument, "edk2 version \"\(text)\": expected edk2-stableYYYYMM")
        }
        return value
    }
}
