import CCapNG

/// This process's Linux capabilities, read with libcap-ng.
public struct ProcessCapabilities: Sendable, Equatable, Codable {
    /// Names of the effective capabilities, e.g. "sys_admin", in capability-number order.
    public var effective: [String]
    /// Whether CAP_SYS_ADMIN is effective (mounts, namespaces, cgroups need it).
    public var hasSysAdmin: Bool
    /// Set when libcap-ng could not read the process's capabilities.
    public var error: String?

    public init(effective: [String], hasSysAdmin: Bool, error: String? = nil) {
        self.effective = effective
        self.hasSysAdmin = hasSysAdmin
        self.error = error
    }

    /// Reads the calling process's capabilities. libcap-ng keeps its state per thread, and
    /// nothing here suspends, so all calls run on one thread.
    public static func current() -> ProcessCapabilities {
        guard capng_get_caps_process() == 0 else {
            return ProcessCapabilities(
                effective: [], hasSysAdmin: false, error: "capng_get_caps_process failed")
        }
        var names: [String] = []
        // Capability numbers end at CAP_LAST_CAP (40 in Linux 6.x); unknown numbers have no name.
        for capability in UInt32(0)...63 {
            guard capng_have_capability(CAPNG_EFFECTIVE, capability) == 1,
                let name = capng_capability_to_name(capability)
            else { continue }
            names.append(String(cString: name))
        }
        let sysAdmin = capng_have_capability(CAPNG_EFFECTIVE, UInt32(CAP_SYS_ADMIN)) == 1
        return ProcessCapabilities(effective: names, hasSysAdmin: sysAdmin)
    }
}
