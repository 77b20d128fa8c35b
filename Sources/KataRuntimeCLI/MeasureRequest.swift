import Firmware
import KataCore
import SEV

#if canImport(Glibc)
    import Glibc
#endif

/// The options of `kata-runtime measure`, checked in the order sev-snp-measure 0.0.13 checks them
/// so that the same command lines are refused.
struct MeasureRequest {
    enum Mode: String, CaseIterable {
        case sev
        case seves
        case snp
        case snpOVMFHash = "snp:ovmf-hash"
        case snpSVSM = "snp:svsm"
        case tdx

        /// The name sev-snp-measure prints with --verbose.
        var verboseName: String {
            switch self {
            case .sev: "SEV"
            case .seves: "SEV_ES"
            case .snp, .snpOVMFHash: "SEV_SNP"
            case .snpSVSM: "SEV_SNP_SVSM"
            case .tdx: "TDX"
            }
        }
    }

    let options: MeasureCommand
    let mode: Mode
    let firmwarePath: String
    let wantsBase64: Bool
    let vcpus: Int?
    let guestFeatures: UInt64
    let flavour: VMSAFlavour

    init(_ options: MeasureCommand) throws {
        self.options = options
        guard let modeName = options.mode else { throw refusal("--mode is required") }
        guard let mode = Mode(rawValue: modeName) else {
            throw refusal(
                "--mode \(modeName): choose from \(Mode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.mode = mode
        guard let firmwarePath = options.ovmf else { throw refusal("--ovmf is required") }
        self.firmwarePath = firmwarePath
        // Every number is parsed up front: argparse rejects a bad one whatever the mode.
        vcpus = try options.vcpus.map { try integer($0, option: "--vcpus", autoBase: false).exact("--vcpus") }
        for (value, name) in [
            (options.vcpuFamily, "--vcpu-family"), (options.vcpuModel, "--vcpu-model"),
            (options.vcpuStepping, "--vcpu-stepping"), (options.varsSize, "--vars-size"),
        ] {
            if let value { _ = try integer(value, option: name, autoBase: false).exact(name) }
        }
        if let sig = options.vcpuSig { _ = try integer(sig, option: "--vcpu-sig", autoBase: true) }
        guestFeatures = try integer(options.guestFeatures, option: "--guest-features", autoBase: true).wrapped
        if let type = options.vcpuType, CPUSignature.forType(type) == nil {
            throw refusal(
                "--vcpu-type \(type): choose from \(CPUSignature.byTypeName.map(\.key).joined(separator: ", "))"
            )
        }
        guard ["hex", "base64"].contains(options.outputFormat) else {
            throw refusal("--output-format \(options.outputFormat): choose from hex, base64")
        }
        wantsBase64 = options.outputFormat == "base64"
        guard let flavour = VMSAFlavour(rawValue: options.vmsaFlavour) else {
            throw refusal("--vmsa-flavour \(options.vmsaFlavour): choose from current, legacy")
        }
        self.flavour = flavour
        if options.varsSize != nil && options.varsFile != nil {
            throw refusal("--vars-size and --vars-file exclude each other")
        }
    }

    /// Checks that apply to the launch modes (after `snp:ovmf-hash`, which ignores them).
    func launch() throws -> SEVLaunch {
        if nonEmpty(options.initrd) && options.kernel == nil {
            throw refusal("--kernel required when using --initrd")
        }
        if nonEmpty(options.append) && options.kernel == nil {
            throw refusal("--kernel required when using --append")
        }
        if mode != .sev && vcpus == nil {
            throw refusal("missing --vcpus N in guest mode '\(mode.rawValue)'")
        }
        guard let vmm = VMMType(rawValue: options.vmmType) else {
            throw refusal("unknown VMM type '\(options.vmmType)'")
        }
        let signature = try vcpuSignature(vmm: vmm)
        var varsSize = 0
        if mode == .snpSVSM {
            if let varsFile = options.varsFile {
                // As sev-snp-measure: the size stat reports (0 for a pipe or device).
                varsSize = try statSize(varsFile)
            } else if let size = try options.varsSize.map({
                try integer($0, option: "--vars-size", autoBase: false)
            }),
                !size.isZero
            {
                varsSize = try size.exact("--vars-size")
            } else {
                throw refusal("snp:svsm mode requires --vars-size or --vars-file")
            }
        }
        if options.dumpVmsa && mode == .sev { throw refusal("--dump-vmsa is not available in mode 'sev'") }
        if nonEmpty(options.snpOvmfHash) && mode != .snp {
            throw refusal("--snp-ovmf-hash works only with --mode snp")
        }
        return SEVLaunch(
            firmwarePath: firmwarePath, kernelPath: options.kernel, initrdPath: options.initrd,
            cmdline: options.append, vcpus: vcpus ?? 0, vcpuSignature: signature, vmm: vmm,
            guestFeatures: guestFeatures, flavour: flavour,
            firmwareDigestSeed: try options.snpOvmfHash.flatMap { $0.isEmpty ? nil : try hexBytes($0) },
            svsmPath: options.svsm, varsSize: varsSize, keepVMSAPages: options.dumpVmsa)
    }

    /// The vCPU signature, chosen like sev-snp-measure: family/model/stepping when the family is
    /// non-zero, else a non-zero --vcpu-sig, else --vcpu-type; required for QEMU.
    private func vcpuSignature(vmm: VMMType) throws -> UInt64 {
        if mode == .sev { return 0 }
        let family = try options.vcpuFamily.map { try integer($0, option: "--vcpu-family", autoBase: false) }
        if let family, !family.isZero {
            guard let model = options.vcpuModel, let stepping = options.vcpuStepping else {
                throw refusal("--vcpu-family needs --vcpu-model and --vcpu-stepping")
            }
            return CPUSignature.from(
                family: try family.exact("--vcpu-family"),
                model: try integer(model, option: "--vcpu-model", autoBase: false).exact("--vcpu-model"),
                stepping: try integer(stepping, option: "--vcpu-stepping", autoBase: false).exact(
                    "--vcpu-stepping"))
        }
        if let sig = try options.vcpuSig.map({ try integer($0, option: "--vcpu-sig", autoBase: true) }),
            !sig.isZero
        {
            return sig.wrapped
        }
        if let type = options.vcpuType, let signature = CPUSignature.forType(type) { return signature }
        if vmm == .qemu {
            throw refusal(
                "missing --vcpu-type or --vcpu-sig or --vcpu-family in guest mode '\(mode.rawValue)'")
        }
        return 0  // EC2 and GCE put their own signature in the VMSA
    }
}

/// `os.stat(path).st_size`, following symlinks.
private func statSize(_ path: String) throws -> Int {
    var status = stat()
    guard stat(path, &status) == 0 else {
        let code = errno
        throw KataError(code == ENOENT ? .notFound : .system, "\(path): \(errnoDescription(code))")
    }
    return Int(status.st_size)
}

func refusal(_ reason: String) -> KataError {
    KataError(.invalidArgument, reason)
}

private func nonEmpty(_ text: String?) -> Bool {
    !(text ?? "").isEmpty
}

private func integer(_ text: String, option: String, autoBase: Bool) throws -> PythonInteger {
    guard let value = PythonInteger(text, autoBase: autoBase) else {
        throw refusal("\(option): invalid \(autoBase ? "integer" : "decimal integer") '\(text)'")
    }
    return value
}

extension PythonInteger {
    fileprivate func exact(_ option: String) throws -> Int {
        guard let value = intValue else { throw refusal("\(option): value out of range") }
        return value
    }
}

/// Python's `bytes.fromhex`: pairs of hex digits, whitespace allowed between pairs.
func hexBytes(_ text: String) throws -> [UInt8] {
    var bytes: [UInt8] = []
    var iterator = text.unicodeScalars.makeIterator()
    while let scalar = iterator.next() {
        if scalar.properties.isWhitespace && scalar.isASCII { continue }
        guard let high = scalar.isASCII ? Hex.value(UInt8(scalar.value)) : nil,
            let next = iterator.next(), next.isASCII, let low = Hex.value(UInt8(next.value))
        else {
            throw refusal("--snp-ovmf-hash: '\(text)' is not a hex string")
        }
        bytes.append(high << 4 | low)
    }
    return bytes
}
