import Firmware
import KataCore
import Runtime
import TDX

extension MeasureRequest {
    /// `--mode tdx`: MRTD from the firmware; with `--kernel`, RTMR1 and RTMR2 of a direct boot.
    func performTDX() throws -> MeasureOutput {
        for (given, name) in [(options.snpOvmfHash, "--snp-ovmf-hash"), (options.svsm, "--svsm")]
        where given != nil {
            throw refusal("\(name) does not apply to --mode tdx")
        }
        if options.dumpVmsa { throw refusal("--dump-vmsa does not apply to --mode tdx") }
        if options.kernel == nil && (options.initrd != nil || options.append != nil) {
            throw refusal("--initrd and --append need --kernel (RTMR1/RTMR2 of a direct boot)")
        }
        let firmware = try FileReader(path: firmwarePath)
        let mrtd = try MRTD.compute(firmware: firmware)
        guard let kernel = options.kernel else {
            return try report(mrtd, plain: formatted(mrtd), firmware: firmware, launch: nil, measured: nil)
        }
        let boot = try TDXDirectBoot.compute(
            kernel: kernel, initrd: options.initrd, commandLine: options.append ?? "",
            memoryBytes: try tdxMemoryBytes(), profile: try tdxProfile())
        let plain = [("MRTD", mrtd), ("RTMR1", boot.rtmr1), ("RTMR2", boot.rtmr2)].map {
            "\($0.0): \(wantsBase64 ? Base64.encode($0.1) : hexString($0.1))"
        }.joined(separator: "\n")
        var inputs: [(String, JSONValue)] = [("kernel", .string(kernel))]
        if let initrd = options.initrd { inputs.append(("initrd", .string(initrd))) }
        inputs.append(("cmdline", .string(options.append ?? "")))
        inputs.append(("loadOptions", boot.loadOptions.map { .string($0) } ?? .null))
        inputs.append(("kernelVersion", boot.kernelVersion.map { .string($0) } ?? .null))
        return try report(
            mrtd, plain: plain, firmware: firmware, launch: nil, measured: nil, extraInputs: inputs,
            extra: TDXRegisters(mrTD: mrtd, boot: boot).jsonMembers)
    }

    private func tdxMemoryBytes() throws -> UInt64 {
        guard let text = options.memory else { return UInt64(MeasureCommand.defaultMemoryMiB) << 20 }
        guard let mebibytes = UInt64(text), mebibytes > 0, mebibytes <= 1 << 24 else {
            throw refusal("--memory \(text): expected MiB, 1 to \(1 << 24)")
        }
        return mebibytes << 20
    }

    /// The version rule for `--tdx-qemu-version` / `--tdx-edk2-version` (upstream Kata's by
    /// default), then any explicit choice.
    private func tdxProfile() throws -> TDXBootProfile {
        var profile = try TDXBootProfile(
            qemuVersion: options.tdxQemuVersion ?? TDXBootProfile.upstreamKataQEMU,
            edk2Version: options.tdxEdk2Version ?? TDXBootProfile.upstreamKataEDK2)
        if let header = options.tdxKernelHeader {
            profile.kernelHeader = try choice(header, "--tdx-kernel-header")
        }
        if let option = options.tdxInitrdOption {
            profile.initrdOption = try choice(option, "--tdx-initrd-option")
        }
        if let separator = options.tdxSeparator {
            profile.separator = try choice(separator, "--tdx-separator")
        }
        if let stub = options.tdxStubMeasures {
            guard ["yes", "no"].contains(stub) else {
                throw refusal("--tdx-stub-measures \(stub): choose from yes, no")
            }
            profile.stubMeasures = stub == "yes"
        }
        return profile
    }

    private func choice<T: RawRepresentable & CaseIterable>(_ text: String, _ option: String) throws -> T
    where T.RawValue == String {
        guard let value = T(rawValue: text) else {
            throw refusal(
                "\(option) \(text): choose from \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}
