import Firmware
import KataCore

/// SEV-SNP launch digests: firmware pages, the metadata sections OVMF asks for, then the VMSAs.
public enum SNPMeasurement {
    /// The digest of the firmware pages alone, to seed later measurements with (`snp:ovmf-hash`).
    public static func firmwareDigest(firmwarePath: String) throws -> [UInt8] {
        try firmwareDigest(firmware: FileReader(path: firmwarePath))
    }

    public static func firmwareDigest(firmware input: FileReader) throws -> [UInt8] {
        let firmware = try FirmwareImage(file: input)
        _ = try firmware.sevMetadata()
        var digest = try SNPLaunchDigest()
        try digest.updateNormalPages(gpa: firmware.gpa, file: firmware.file)
        return digest.value
    }

    /// `snp`: OVMF booted by QEMU, EC2 or GCE, optionally with `-kernel`.
    public static func snp(_ launch: SEVLaunch) throws -> LaunchMeasurement {
        let firmware = try launch.openFirmware()
        let sections = try firmware.sevMetadata()
        var digest: SNPLaunchDigest
        if let seed = launch.firmwareDigestSeed {
            digest = try SNPLaunchDigest(seed: seed)
        } else {
            digest = try SNPLaunchDigest()
            try digest.updateNormalPages(gpa: firmware.gpa, file: firmware.file)
        }
        let hashes = try launch.kernelHashes()
        try measureSections(sections, of: firmware, hashes: hashes, vmm: launch.vmm, into: &digest)
        let vmsa = try VMSASet(firmware: firmware, launch: launch, sevFeatures: launch.guestFeatures)
        var kept: [[UInt8]] = []
        try vmsa.forEachPage(vcpus: launch.vcpus) { page in
            try digest.updateVMSAPage(page)
            if launch.keepVMSAPages { kept.append(page) }
        }
        return LaunchMeasurement(digest: digest.value, kernelHashes: hashes, vmsaPages: kept)
    }

    /// The metadata sections in image order, with EC2's quirk of adding CPUID pages last.
    static func measureSections(
        _ sections: [SEVMetadataSection], of firmware: FirmwareImage, hashes: KernelHashes?, vmm: VMMType,
        into digest: inout SNPLaunchDigest
    ) throws {
        for (index, section) in sections.enumerated() {
            let gpa = Int(section.gpa)
            let size = Int(section.size)
            let what = "\(firmware.path): SEV metadata section \(index) (GPA \(hex(section.gpa)))"
            switch section.type {
            case .snpSecMem:
                try digest.updateEmptyPages(
                    vmm == .gce ? .unmeasured : .zero, gpa: gpa, length: size, what: what)
            case .snpSecrets:
                try digest.update(.secrets, gpa: gpa, contents: SNPLaunchDigest.zeros)
            case .cpuid:
                if vmm != .ec2 { try digest.update(.cpuid, gpa: gpa, contents: SNPLaunchDigest.zeros) }
            case .snpKernelHashes:
                if let hashes {
                    try measureHashTable(
                        hashes, firmware: firmware, gpa: gpa, size: size, what: what, into: &digest)
                } else {
                    try digest.updateEmptyPages(.zero, gpa: gpa, length: size, what: what)
                }
            case .svsmCAA:
                try digest.updateEmptyPages(.zero, gpa: gpa, length: size, what: what)
            case nil:
                throw KataError(.malformedInput, "\(what) has unknown type \(hex(section.rawType))")
            }
        }
        if vmm == .ec2 {
            for section in sections where section.type == .cpuid {
                try digest.update(.cpuid, gpa: Int(section.gpa), contents: SNPLaunchDigest.zeros)
            }
        }
        if hashes != nil && !sections.contains(where: { $0.type == .snpKernelHashes }) {
            throw KataError(
                .unsupported,
                "\(firmware.path): a kernel was given but the firmware's SEV metadata has no "
                    + "SNP_KERNEL_HASHES section to measure it in")
        }
    }

    private static func measureHashTable(
        _ hashes: KernelHashes, firmware: FirmwareImage, gpa: Int, size: Int, what: String,
        into digest: inout SNPLaunchDigest
    ) throws {
        guard let tableGPA = firmware.table.sevHashTableGPA else {
            throw KataError(
                .malformedInput,
                "\(firmware.path): SNP_KERNEL_HASHES section present but the footer table has no "
                    + "SEV hashes-table entry (\(FirmwareGUID.sevHashTable))")
        }
        let page = try SEVHashTable.page(hashes, offsetInPage: Int(tableGPA & 0xfff))
        guard size == page.count else {
            throw KataError(
                .malformedInput, "\(what): SNP_KERNEL_HASHES section is \(size) bytes, expected one page")
        }
        try page.withUnsafeBytes { try digest.updateNormalPage(gpa: gpa, page: $0) }
    }

    /// `snp:svsm`: OVMF below a Coconut-SVSM image; every vCPU starts in the SVSM.
    public static func svsm(_ launch: SEVLaunch) throws -> LaunchMeasurement {
        guard launch.vmm == .qemu else {
            throw KataError(.unsupported, "snp:svsm is measured only for the QEMU VMM type")
        }
        let firmware = try launch.openFirmware()
        _ = try firmware.sevMetadata()
        guard let svsmPath = launch.svsmPath, !svsmPath.isEmpty else {
            throw KataError(.invalidArgument, "snp:svsm needs the SVSM image (--svsm)")
        }
        let (svsmEnd, overflow) = firmware.gpa.subtractingReportingOverflow(launch.varsSize)
        guard !overflow else {
            throw KataError(.invalidArgument, "OVMF variable store size \(launch.varsSize) is out of range")
        }
        let svsm = try FirmwareImage(
            file: launch.svsmInput ?? FileReader(path: svsmPath), endAddress: svsmEnd)
        let sections = try svsm.sevMetadata()
        guard let entry = svsm.table.value32(.svsmInfo) else {
            throw KataError(
                .malformedInput,
                "\(svsmPath): the footer table has no SVSM information entry (\(FirmwareGUID.svsmInfo))")
        }
        let eip = UInt64(truncatingIfNeeded: Int(entry) &+ svsm.gpa)
        var digest = try SNPLaunchDigest()
        try digest.updateNormalPages(gpa: firmware.gpa, file: firmware.file)
        try digest.updateNormalPages(gpa: svsm.gpa, file: svsm.file)
        try measureSections(sections, of: svsm, hashes: nil, vmm: .qemu, into: &digest)
        let page = VMSA.svsmPage(eip: eip, vcpuSignature: launch.vcpuSignature, flavour: launch.flavour)
        var kept: [[UInt8]] = []
        for _ in 0..<max(launch.vcpus, 0) {
            try digest.updateVMSAPage(page)
            if launch.keepVMSAPages { kept.append(page) }
        }
        return LaunchMeasurement(digest: digest.value, kernelHashes: nil, vmsaPages: kept)
    }
}

func hex(_ value: UInt32) -> String {
    "0x" + String(value, radix: 16)
}
