/// Who creates the guest: the initial register state differs slightly between them.
public enum VMMType: String, Sendable, CaseIterable {
    case qemu = "QEMU"
    case ec2
    case gce
}

/// Which initial FPU state the VMSA carries.
public enum VMSAFlavour: String, Sendable, CaseIterable {
    /// MXCSR 0x1f80 and x87 FCW 0x37f under QEMU, as KVM sets them today and sev-snp-measure
    /// 0.0.13 computes.
    case current
    /// Older KVM left the FPU state zero.
    case legacy
}

/// Builds the 4 KiB VMSA (SEV-ES save area) pages that SEV-ES and SNP measure, one per vCPU.
public enum VMSA {
    public static let pageSize = 4096
    /// The reset vector where the boot processor starts.
    public static let bootProcessorEIP: UInt32 = 0xffff_fff0

    /// A VMSA for a vCPU that starts at `eip` in real mode (OVMF without SVSM).
    public static func page(
        eip: UInt32, sevFeatures: UInt64, vcpuSignature: UInt64, vmm: VMMType, flavour: VMSAFlavour
    ) -> [UInt8] {
        var csAttributes: UInt16 = 0x9b
        var ssAttributes: UInt16 = 0x93
        var trAttributes: UInt16 = 0x8b
        var pat: UInt64 = 0x0007_0406_0007_0406  // PAT reset value, AMD APM vol. 2 A.3
        var rdx = vcpuSignature
        var fpu = flavour == .current
        switch vmm {
        case .qemu:
            break
        case .ec2:
            // EC2 marks the boot processor's code segment not-accessed and uses a fixed signature.
            if eip == bootProcessorEIP { csAttributes = 0x9a }
            ssAttributes = 0x92
            trAttributes = 0x83
            rdx = 0x600
            fpu = false
        case .gce:
            pat = 0x0007_0106  // GCE programs its own PAT
            rdx = 0x600
            fpu = false
        }
        var area = SaveArea()
        area.segment(.es, selector: 0, attributes: 0x93, limit: 0xffff, base: 0)
        area.segment(
            .cs, selector: 0xf000, attributes: csAttributes, limit: 0xffff, base: UInt64(eip & 0xffff_0000))
        area.segment(.ss, selector: 0, attributes: ssAttributes, limit: 0xffff, base: 0)
        for segment in [SaveArea.Segment.ds, .fs, .gs] {
            area.segment(segment, selector: 0, attributes: 0x93, limit: 0xffff, base: 0)
        }
        area.segment(.gdtr, selector: 0, attributes: 0, limit: 0xffff, base: 0)
        area.segment(.idtr, selector: 0, attributes: 0, limit: 0xffff, base: 0)
        area.segment(.ldtr, selector: 0, attributes: 0x82, limit: 0xffff, base: 0)
        area.segment(.tr, selector: 0, attributes: trAttributes, limit: 0xffff, base: 0)
        area.commonRegisters(
            cr0: 0x10, rip: UInt64(eip & 0xffff), pat: pat, rdx: rdx, sevFeatures: sevFeatures)
        if fpu {
            area.put(UInt32(0x1f80), at: SaveArea.mxcsr)
            area.put(UInt16(0x37f), at: SaveArea.x87FCW)
        }
        return area.bytes
    }

    /// The VMSA every vCPU of a Coconut-SVSM guest starts with: 32-bit protected mode at the SVSM
    /// entry point. sev-snp-measure 0.0.13 sets MXCSR here but never FCW (its keyword misses the
    /// field), and the current flavour reproduces that to give the same digest.
    public static func svsmPage(eip: UInt64, vcpuSignature: UInt64, flavour: VMSAFlavour) -> [UInt8] {
        var area = SaveArea()
        for segment in [SaveArea.Segment.es, .ss, .ds, .fs] {
            area.segment(segment, selector: 16, attributes: 0xc93, limit: 0xffff_ffff, base: 0)
        }
        area.segment(.cs, selector: 8, attributes: 0xc9b, limit: 0xffff_ffff, base: 0)
        area.segment(.gs, selector: 0, attributes: 0x93, limit: 0xffff, base: 0)
        area.segment(.gdtr, selector: 0, attributes: 0, limit: 0xffff, base: 0)
        area.segment(.idtr, selector: 0, attributes: 0, limit: 0xffff, base: 0)
        area.segment(.ldtr, selector: 0, attributes: 0x82, limit: 0xffff, base: 0)
        area.segment(.tr, selector: 0, attributes: 0x8b, limit: 0xffff, base: 0)
        area.commonRegisters(
            cr0: 0x11, rip: eip, pat: 0x0007_0406_0007_0406, rdx: vcpuSignature, sevFeatures: 0x1)
        if flavour == .current {
            area.put(UInt32(0x1f80), at: SaveArea.mxcsr)
        }
        return area.bytes
    }
}

/// The VMSA page with field offsets from the AMD APM vol. 2, table B-4.
struct SaveArea {
    enum Segment: Int {
        case es = 0x00, cs = 0x10, ss = 0x20, ds = 0x30, fs = 0x40, gs = 0x50
        case gdtr = 0x60, ldtr = 0x70, idtr = 0x80, tr = 0x90
    }

    static let efer = 0xd0
    static let cr4 = 0x148
    static let cr0 = 0x158
    static let dr7 = 0x160
    static let dr6 = 0x168
    static let rflags = 0x170
    static let rip = 0x178
    static let pat = 0x268
    static let rdx = 0x310
    static let sevFeatures = 0x3b0
    static let xcr0 = 0x3e8
    static let mxcsr = 0x408
    static let x87FCW = 0x410

    var bytes = [UInt8](repeating: 0, count: VMSA.pageSize)

    mutating func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        for index in 0..<T.bitWidth / 8 {
            bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index))
        }
    }

    mutating func segment(
        _ segment: Segment, selector: UInt16, attributes: UInt16, limit: UInt32, base: UInt64
    ) {
        put(selector, at: segment.rawValue)
        put(attributes, at: segment.rawValue + 2)
        put(limit, at: segment.rawValue + 4)
        put(base, at: segment.rawValue + 8)
    }

    /// Registers both VMSA kinds set the same way, apart from CR0, RIP, PAT and RDX.
    mutating func commonRegisters(cr0: UInt64, rip: UInt64, pat: UInt64, rdx: UInt64, sevFeatures: UInt64) {
        put(UInt64(0x1000), at: Self.efer)  // KVM sets EFER.SVME
        put(UInt64(0x40), at: Self.cr4)  // KVM sets CR4.MCE
        put(cr0, at: Self.cr0)
        put(UInt64(0x400), at: Self.dr7)
        put(UInt64(0xffff_0ff0), at: Self.dr6)
        put(UInt64(0x2), at: Self.rflags)
        put(rip, at: Self.rip)
        put(pat, at: Self.pat)
        put(rdx, at: Self.rdx)
        put(sevFeatures, at: Self.sevFeatures)
        put(UInt64(0x1), at: Self.xcr0)
    }
}
