import Firmware
import KataCore

/// Everything an SEV, SEV-ES or SNP launch measurement depends on.
public struct SEVLaunch: Sendable {
    public var firmwarePath: String
    /// `nil` or empty: no `-kernel`, so no kernel-hashes table.
    public var kernelPath: String?
    public var initrdPath: String?
    public var cmdline: String?
    public var vcpus: Int
    public var vcpuSignature: UInt64
    public var vmm: VMMType
    /// SEV features in the SNP VMSA (`--guest-features`); SEV-ES always uses 0.
    public var guestFeatures: UInt64
    public var flavour: VMSAFlavour
    /// SNP: a precomputed digest of the firmware pages to start from instead of hashing the image.
    public var firmwareDigestSeed: [UInt8]?
    /// snp:svsm: the Coconut-SVSM image and the size of the OVMF variable store below the code.
    public var svsmPath: String?
    public var varsSize: Int
    /// Return the measured VMSA pages too (for `--dump-vmsa`).
    public var keepVMSAPages: Bool
    /// The firmware and SVSM images when the caller opened them already (a pipe can be read
    /// only once); otherwise `firmwarePath` and `svsmPath` are opened.
    public var firmwareInput: FileReader?
    public var svsmInput: FileReader?

    public init(
        firmwarePath: String, kernelPath: String? = nil, initrdPath: String? = nil, cmdline: String? = nil,
        vcpus: Int = 1, vcpuSignature: UInt64 = 0, vmm: VMMType = .qemu, guestFeatures: UInt64 = 1,
        flavour: VMSAFlavour = .current, firmwareDigestSeed: [UInt8]? = nil, svsmPath: String? = nil,
        varsSize: Int = 0, keepVMSAPages: Bool = false
    ) {
        self.firmwarePath = firmwarePath
        self.kernelPath = kernelPath
        self.initrdPath = initrdPath
        self.cmdline = cmdline
        self.vcpus = vcpus
        self.vcpuSignature = vcpuSignature
        self.vmm = vmm
        self.guestFeatures = guestFeatures
        self.flavour = flavour
        self.firmwareDigestSeed = firmwareDigestSeed
        self.svsmPath = svsmPath
        self.varsSize = varsSize
        self.keepVMSAPages = keepVMSAPages
    }

    var hasKernel: Bool { !(kernelPath ?? "").isEmpty }

    func openFirmware() throws -> FirmwareImage {
        try FirmwareImage(file: firmwareInput ?? FileReader(path: firmwarePath))
    }

    func kernelHashes() throws -> KernelHashes? {
        guard let kernelPath, !kernelPath.isEmpty else { return nil }
        return try KernelHashes.compute(kernelPath: kernelPath, initrdPath: initrdPath, cmdline: cmdline)
    }
}

/// A launch measurement and what went into it.
public struct LaunchMeasurement: Sendable {
    public let digest: [UInt8]
    public let kernelHashes: KernelHashes?
    /// The VMSA pages in measurement order, when asked for.
    public let vmsaPages: [[UInt8]]
}

/// SEV and SEV-ES: one SHA-256 over everything the PSP encrypts at launch.
public enum SEVMeasurement {
    /// SEV: firmware, then the kernel-hashes table when booting with `-kernel`.
    public static func sev(_ launch: SEVLaunch) throws -> LaunchMeasurement {
        let firmware = try launch.openFirmware()
        _ = try firmware.sevMetadata()  // a malformed block is refused in every mode
        let digest = StreamingDigest(.sha256)
        let hashes = try hashFirmwareAndTable(firmware, launch, into: digest)
        return LaunchMeasurement(digest: digest.finalize(), kernelHashes: hashes, vmsaPages: [])
    }

    /// SEV-ES: as SEV, then one VMSA page per vCPU.
    public static func sevES(_ launch: SEVLaunch) throws -> LaunchMeasurement {
        let firmware = try launch.openFirmware()
        _ = try firmware.sevMetadata()
        let vmsa = try VMSASet(firmware: firmware, launch: launch, sevFeatures: 0)
        let digest = StreamingDigest(.sha256)
        let hashes = try hashFirmwareAndTable(firmware, launch, into: digest)
        var kept: [[UInt8]] = []
        try vmsa.forEachPage(vcpus: launch.vcpus) { page in
            digest.update(page)
            if launch.keepVMSAPages { kept.append(page) }
        }
        return LaunchMeasurement(digest: digest.finalize(), kernelHashes: hashes, vmsaPages: kept)
    }

    private static func hashFirmwareAndTable(
        _ firmware: FirmwareImage, _ launch: SEVLaunch, into digest: StreamingDigest
    ) throws -> KernelHashes? {
        if launch.hasKernel && !firmware.supportsSEVHashTable {
            throw KataError(
                .unsupported,
                "\(firmware.path): a kernel was given but this firmware cannot measure it "
                    + "(no non-zero SEV hashes-table GPA in its footer table)")
        }
        try firmware.file.forEachChunk { digest.update($0) }
        let hashes = try launch.kernelHashes()
        if let hashes { digest.update(SEVHashTable.table(hashes)) }
        return hashes
    }
}

/// The VMSA pages of a launch: the boot processor's at the reset vector, the others at the
/// SEV-ES reset block's EIP.
struct VMSASet {
    let bootProcessor: [UInt8]
    let applicationProcessor: [UInt8]?
    let path: String

    init(firmware: FirmwareImage, launch: SEVLaunch, sevFeatures: UInt64) throws {
        let apEIP = try firmware.sevESResetEIP()
        func page(_ eip: UInt32) -> [UInt8] {
            VMSA.page(
                eip: eip, sevFeatures: sevFeatures, vcpuSignature: launch.vcpuSignature, vmm: launch.vmm,
                flavour: launch.flavour)
        }
        bootProcessor = page(VMSA.bootProcessorEIP)
        applicationProcessor = apEIP == 0 ? nil : page(apEIP)
        path = firmware.path
    }

    func forEachPage(vcpus: Int, _ body: ([UInt8]) throws -> Void) throws {
        for index in 0..<max(vcpus, 0) {
            if index == 0 {
                try body(bootProcessor)
            } else if let applicationProcessor {
                try body(applicationProcessor)
            } else {
                throw KataError(
                    .malformedInput,
                    "\(path): the SEV-ES reset block gives EIP 0, so application processors cannot "
                        + "start; only 1 vCPU can be measured, \(vcpus) requested")
            }
        }
    }
}
