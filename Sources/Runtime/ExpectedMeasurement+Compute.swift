import Firmware
import KataCore
import SEV
import TDX
import VirtualMachine

extension ExpectedMeasurement {
    /// The SEV features QEMU puts in an SNP guest's VMSA. sev-snp-measure's default
    /// `--guest-features 0x1` is SNPActive (bit 0) alone; QEMU with KVM_SEV_INIT2 (QEMU 9.1+,
    /// Linux 6.10+) passes no other VMSA feature unless asked, so an SNP guest launched from
    /// our description carries exactly 0x1. (Older KVM enabled DebugSwap, 0x20, on its own;
    /// such hosts measure 0x21 and are not supported.) SEV-ES always measures 0.
    public static let snpGuestFeatures: UInt64 = 0x1

    /// The launch measurement `vm` will report, computed from the files and values its
    /// description names: nil for an ordinary VM. `hostCPUSignature` is this host's CPUID(1).EAX,
    /// needed only when an SEV-ES or SNP guest runs with the `host` CPU model.
    /// `qemuVersion` (the probed `--version` line) and `tdxFirmwareRelease` (the configured
    /// edk2 release of the TDVF) pick the TDX boot profile.
    public static func compute(
        for vm: VirtualMachineDescription, hostCPUSignature: UInt64?, qemuVersion: String? = nil,
        tdxFirmwareRelease: String? = nil
    ) throws -> ExpectedMeasurement? {
        guard let confidential = vm.confidential else { return nil }
        let mode = confidential.protection
        guard let firmware = vm.firmware, !firmware.isEmpty else {
            throw KataError(
                .invalidConfig,
                "hypervisor.qemu.firmware: a \(mode.rawValue) guest needs firmware to be measured")
        }
        switch confidential {
        case .tdx:
            return try tdx(
                vm, firmware: firmware, qemuVersion: qemuVersion, firmwareRelease: tdxFirmwareRelease)
        case .sev(let options):
            return try sevFamily(
                vm, firmware: firmware, mode: mode, kernelHashes: options.kernelHashes,
                policy: "0x" + String(options.policy, radix: 16), hostCPUSignature: hostCPUSignature)
        case .snp(let options):
            return try sevFamily(
                vm, firmware: firmware, mode: mode, kernelHashes: options.kernelHashes,
                policy: "0x" + String(options.policy, radix: 16), hostCPUSignature: hostCPUSignature)
        }
    }

    private static func sevFamily(
        _ vm: VirtualMachineDescription, firmware: String, mode: GuestProtection, kernelHashes: Bool,
        policy: String, hostCPUSignature: UInt64?
    ) throws -> ExpectedMeasurement {
        let signature = mode == .sev ? 0 : try vcpuSignature(vm, hostCPUSignature: hostCPUSignature)
        var launch = SEVLaunch(
            firmwarePath: firmware, kernelPath: kernelHashes ? vm.kernel : nil,
            initrdPath: kernelHashes ? vm.initrd : nil, cmdline: kernelHashes ? vm.kernelCommandLine : nil,
            vcpus: vm.vcpus, vcpuSignature: signature, vmm: .qemu, guestFeatures: snpGuestFeatures)
        let file = try FileReader(path: firmware)
        launch.firmwareInput = file
        let measured: LaunchMeasurement
        switch mode {
        case .sev: measured = try SEVMeasurement.sev(launch)
        case .sevES: measured = try SEVMeasurement.sevES(launch)
        default: measured = try SNPMeasurement.snp(launch)
        }
        var inputs = [try fileInput("firmware", file, .sha256)]
        if let hashes = measured.kernelHashes {
            inputs.append(
                MeasuredInput(
                    name: "kernel", path: vm.kernel, algorithm: "sha256", digest: hexString(hashes.kernel)))
            inputs.append(
                MeasuredInput(
                    name: "initrd", path: vm.initrd, algorithm: "sha256", digest: hexString(hashes.initrd)))
            inputs.append(
                MeasuredInput(
                    name: "cmdline", value: vm.kernelCommandLine, algorithm: "sha256",
                    digest: hexString(hashes.cmdline)))
        }
        inputs.append(MeasuredInput(name: "policy", value: policy))
        if mode != .sev {
            inputs.append(MeasuredInput(name: "vcpus", value: String(vm.vcpus)))
            inputs.append(MeasuredInput(name: "vcpu_model", value: vm.cpuModel))
            inputs.append(MeasuredInput(name: "vcpu_signature", value: "0x" + String(signature, radix: 16)))
        }
        if mode == .snp {
            inputs.append(
                MeasuredInput(name: "guest_features", value: "0x" + String(snpGuestFeatures, radix: 16)))
        }
        return ExpectedMeasurement(
            mode: mode, algorithm: mode == .snp ? "sha384" : "sha256",
            measurement: hexString(measured.digest),
            inputs: inputs)
    }

    /// The CPUID(1).EAX the guest's vCPUs report, which SEV-ES and SNP measure in every VMSA:
    /// the host's own for `host`, the named model's otherwise.
    static func vcpuSignature(_ vm: VirtualMachineDescription, hostCPUSignature: UInt64?) throws -> UInt64 {
        if vm.cpuModel == "host" {
            guard let hostCPUSignature else {
                throw KataError(
                    .unsupported,
                    "cpu model host: this host's CPUID(1).EAX could not be read, so the vCPU signature "
                        + "a \(vm.protection.rawValue) guest measures is unknown")
            }
            return hostCPUSignature
        }
        guard let signature = CPUSignature.forType(vm.cpuModel) else {
            throw KataError(
                .unsupported,
                "cpu model \(vm.cpuModel): no known CPUID signature for a \(vm.protection.rawValue) "
                    + "measurement (use host or one of \(CPUSignature.byTypeName.map(\.key).joined(separator: ", ")))"
            )
        }
        return signature
    }

    static func fileInput(_ name: String, _ file: FileReader, _ algorithm: DigestAlgorithm) throws
        -> MeasuredInput
    {
        MeasuredInput(
            name: name, path: file.path, size: file.size, algorithm: algorithm.rawValue,
            digest: hexString(try algorithm.hash(file: file)))
    }
}
