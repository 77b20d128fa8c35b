/// Loaded kernel modules and their parameters, from /sys/module.
public struct KernelModules: Sendable {
    public let filesystem: HostFilesystem

    public init(filesystem: HostFilesystem) { self.filesystem = filesystem }

    /// True when /sys/module/NAME exists (the module is loaded or built in).
    public func isLoaded(_ name: String) -> Bool { filesystem.kind("/sys/module/\(name)") == .directory }

    /// The first line of /sys/module/MODULE/parameters/NAME, or nil when absent.
    public func parameter(_ module: String, _ name: String) -> String? {
        filesystem.readLine("/sys/module/\(module)/parameters/\(name)")
    }

    /// A boolean parameter: "Y"/"1" is true, "N"/"0" false, anything else or absent is nil.
    public func flag(_ module: String, _ name: String) -> Bool? {
        switch parameter(module, name) {
        case "Y", "y", "1": true
        case "N", "n", "0": false
        default: nil
        }
    }

    /// Loaded modules whose name starts with "kvm_" (kvm_amd, kvm_intel, or others such as
    /// kvm_pvm, the pagetable-based KVM some cloud guests offer).
    public func kvmBackends() -> [String] {
        (filesystem.entries("/sys/module") ?? []).filter { $0.hasPrefix("kvm_") }
    }
}
