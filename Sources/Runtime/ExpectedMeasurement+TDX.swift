import Firmware
import KataCore
import TDX
import VirtualMachine

/// A TD's registers as a verifier compares them (Trustee's names): MRTD from the firmware,
/// RTMR1 and RTMR2 from the direct boot, with every event and the boot profile assumed.
public struct TDXRegisters: Sendable, Equatable, Codable {
    public var mrTD: String
    public var rtmr1: String
    public var rtmr2: String
    public var events: [RTMREvent]
    public var profile: TDXBootProfile
    /// Whether the kernel's EFI stub was taken to measure into RTMR2.
    public var stubMeasures: Bool

    enum CodingKeys: String, CodingKey {
        case mrTD = "mr_td"
        case rtmr1 = "rtmr_1"
        case rtmr2 = "rtmr_2"
        case events, profile
        case stubMeasures = "stub_measures"
    }

    public init(mrTD: [UInt8], boot: TDXDirectBoot) {
        self.mrTD = hexString(mrTD)
        rtmr1 = hexString(boot.rtmr1)
        rtmr2 = hexString(boot.rtmr2)
        events = boot.events
        profile = boot.profile
        stubMeasures = boot.stubMeasures
    }

    /// The digest of the named event (`tdvfkernel`, `tdvfkernelparams`), if it was measured.
    public func digest(of name: String) -> String? { events.first { $0.name == name }?.digest }
}

extension ExpectedMeasurement {
    /// The boot profile for the QEMU that will launch the TD (its release when the probe read
    /// one, else upstream Kata's) and the configured TDVF release (else upstream Kata's; it
    /// cannot be read from the image).
    static func tdxProfile(qemuVersion: String?, firmwareRelease: String?) throws -> TDXBootProfile {
        let qemu =
            qemuVersion.flatMap { line in
                line.split(separator: " ").first { $0.first?.isNumber == true }.map(String.init)
            } ?? TDXBootProfile.upstreamKataQEMU
        let edk2 = firmwareRelease.flatMap { $0.isEmpty ? nil : $0 } ?? TDXBootProfile.upstreamKataEDK2
        do {
            _ = try TDXBootProfile.edk2Release(edk2)
        } catch let error as KataError {
            throw KataError(.invalidConfig, "hypervisor.qemu.tdx_firmware_edk2_release: \(error.message)")
        }
        // An unreadable probe line leaves the QEMU side at upstream Kata's release.
        return try (try? TDXBootProfile(qemuVersion: qemu, edk2Version: edk2))
            ?? TDXBootProfile(qemuVersion: TDXBootProfile.upstreamKataQEMU, edk2Version: edk2)
    }

    static func tdx(
        _ vm: VirtualMachineDescription, firmware: String, qemuVersion: String?, firmwareRelease: String?
    ) throws -> ExpectedMeasurement {
        let file = try FileReader(path: firmware)
        let mrtd = try MRTD.compute(firmware: file)
        let boot = try TDXDirectBoot.compute(
            kernel: vm.kernel, initrd: vm.initrd, commandLine: vm.kernelCommandLine,
            memoryBytes: UInt64(vm.memoryMiB) << 20,
            profile: try tdxProfile(qemuVersion: qemuVersion, firmwareRelease: firmwareRelease))
        let registers = TDXRegisters(mrTD: mrtd, boot: boot)
        var inputs = [try fileInput("firmware", file, .sha384)]
        inputs.append(
            MeasuredInput(
                name: "kernel", path: vm.kernel, algorithm: "authenticode_sha384",
                digest: registers.digest(of: "tdvfkernel")))
        if let initrd = vm.initrd, !initrd.isEmpty {
            let digest =
                try registers.digest(of: "initrd")
                ?? hexString(DigestAlgorithm.sha384.hash(contentsOf: initrd))
            inputs.append(MeasuredInput(name: "initrd", path: initrd, algorithm: "sha384", digest: digest))
        }
        inputs.append(MeasuredInput(name: "cmdline", value: vm.kernelCommandLine))
        // What the kernel receives (with "initrd=initrd") and RTMR2 measures when the stub does.
        inputs.append(
            MeasuredInput(
                name: "load_options", value: boot.loadOptions ?? "",
                algorithm: registers.stubMeasures ? "sha384" : nil,
                digest: registers.digest(of: "tdvfkernelparams")))
        return ExpectedMeasurement(
            mode: .tdx, algorithm: "sha384", measurement: hexString(mrtd), inputs: inputs, tdx: registers)
    }
}
