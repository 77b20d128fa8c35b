import CKataSys
import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// The accelerator a configuration asks for: a fixed one, or `auto` (KVM when usable).
public enum AcceleratorChoice: String, Sendable, Equatable, CaseIterable {
    case kvm
    case tcg
    case auto

    /// `auto` becomes `.kvm` when `kvmDevice` opens and creates a VM, else `.tcg`. Note that a
    /// usable /dev/kvm does not prove a guest will boot (nested KVM here hangs a stock kernel),
    /// which is why this machine's defaults say `tcg` explicitly.
    public func resolve(kvmDevice: String = "/dev/kvm") -> Accelerator {
        switch self {
        case .kvm: .kvm
        case .tcg: .tcg
        case .auto: (try? KVMProbe.createVM(device: kvmDevice)) != nil ? .kvm : .tcg
        }
    }
}

/// Opens the KVM device and creates (and destroys) a VM, the honest test that KVM works.
public enum KVMProbe {
    /// Returns the KVM API version, or throws naming the step that failed.
    public static func createVM(device: String = "/dev/kvm") throws -> Int {
        var stage: Int32 = 0
        let result = ckata_kvm_create_vm(device, &stage)
        guard result < 0 else { return Int(result) }
        let step =
            switch stage {
            case 1: "open"
            case 2: "KVM_GET_API_VERSION"
            default: "KVM_CREATE_VM"
            }
        throw KataError(
            result == -ENOENT ? .notFound : .unsupported, "\(device): \(step): \(errnoDescription(-result))")
    }
}
