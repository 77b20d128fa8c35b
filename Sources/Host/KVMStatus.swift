import CKataSys
import KataCore

/// What can be measured about KVM on this host. A successful `KVM_CREATE_VM` shows the
/// device works, not that a guest kernel will boot: under nested or paravirtualised KVM a
/// stock kernel can still hang, which no cheap probe detects.
public struct KVMStatus: Sendable, Equatable, Codable {
    /// Result of opening /dev/kvm and issuing KVM_GET_API_VERSION then KVM_CREATE_VM.
    public enum CreateVMResult: Sendable, Equatable, Codable {
        case created(apiVersion: Int)
        case failed(step: String, errno: Int32)
        case deviceMissing
    }

    /// How far KVM can be trusted, from the measurements.
    public enum Usability: String, Sendable, Equatable, Codable {
        /// A VM can be created on hardware virtualisation the host itself owns.
        case usable
        /// A VM can be created, but KVM is nested or not backed by vmx/svm: a guest kernel may hang.
        case uncertain
        /// No VM can be created.
        case unusable
    }

    public var devicePath: String
    public var deviceKind: HostFilesystem.FileKind?
    public var createVM: CreateVMResult
    /// kvm_* modules loaded (kvm_amd, kvm_intel, kvm_pvm, ...).
    public var backendModules: [String]
    /// The `nested` parameter of kvm_amd / kvm_intel, when present.
    public var nested: Bool?
    /// CPUID.1:ECX[31]: this host is itself a virtual machine.
    public var runningUnderHypervisor: Bool
    /// The CPU flag vmx or svm is present.
    public var hardwareVirtualisation: Bool

    public var usability: Usability {
        guard case .created = createVM else { return .unusable }
        let ownsHardware =
            hardwareVirtualisation && backendModules.contains { $0 == "kvm_amd" || $0 == "kvm_intel" }
        return ownsHardware && !runningUnderHypervisor ? .usable : .uncertain
    }

    /// Why the usability is what it is, in one sentence.
    public var usabilityReason: String {
        switch createVM {
        case .deviceMissing:
            return "\(devicePath) does not exist"
        case .failed(let step, let code):
            return "\(step) on \(devicePath) failed: \(errnoDescription(code))"
        case .created(let version):
            var notes: [String] = []
            if runningUnderHypervisor {
                notes.append("this host runs under a hypervisor (CPUID hypervisor bit)")
            }
            if !hardwareVirtualisation { notes.append("the CPU shows no vmx/svm flag") }
            if nested == true { notes.append("nested virtualisation is enabled") }
            let backends = backendModules.isEmpty ? "none" : backendModules.joined(separator: ", ")
            let created = "KVM_CREATE_VM succeeded (API \(version), backend modules: \(backends))"
            if usability == .usable { return created }
            return created + "; " + notes.joined(separator: "; ")
                + "; a guest kernel may still hang under this KVM, prefer TCG (accelerator auto picks it)"
        }
    }

    /// Probes `/dev/kvm` under `probe`'s root with a real KVM_CREATE_VM ioctl.
    public static func probe(_ probe: HostProbe, cpu: CPUInfo) -> KVMStatus {
        let modules = KernelModules(filesystem: probe.filesystem)
        let devicePath = probe.filesystem.resolve("/dev/kvm")
        let kind = probe.filesystem.kind("/dev/kvm")
        var result = CreateVMResult.deviceMissing
        if kind != nil {
            var stage: Int32 = 0
            let code = ckata_kvm_create_vm(devicePath, &stage)
            if code >= 0 {
                result = .created(apiVersion: Int(code))
            } else {
                let step = ["open", "KVM_GET_API_VERSION", "KVM_CREATE_VM"][max(0, min(2, Int(stage) - 1))]
                result = .failed(step: step, errno: -code)
            }
        }
        let nested = modules.flag("kvm_amd", "nested") ?? modules.flag("kvm_intel", "nested")
        let hypervisorBit = (probe.cpuid(1, 0)?.ecx ?? 0) & (1 << 31) != 0
        let hardware = cpu.virtualisationFlag.map { cpu.flags.contains($0) } ?? false
        return KVMStatus(
            devicePath: devicePath, deviceKind: kind, createVM: result, backendModules: modules.kvmBackends(),
            nested: nested, runningUnderHypervisor: hypervisorBit, hardwareVirtualisation: hardware)
    }
}
