import CSeccomp

/// Seccomp support: libseccomp's version and API level, and the kernel's filter actions.
public struct SeccompSupport: Sendable, Equatable, Codable {
    /// libseccomp's API level (`seccomp_api_get`): 0 means the kernel offers no usable
    /// seccomp filter support, 1 or more is usable.
    public var apiLevel: Int
    public var libraryVersion: String
    /// Contents of /proc/sys/kernel/seccomp/actions_avail, split, or empty when absent.
    public var kernelActions: [String]

    public var available: Bool { apiLevel >= 1 }

    public static func probe(_ probe: HostProbe) -> SeccompSupport {
        let version = seccomp_version().map { "\($0.pointee.major).\($0.pointee.minor).\($0.pointee.micro)" }
        let actions = probe.filesystem.readLine("/proc/sys/kernel/seccomp/actions_avail")?
            .split(separator: " ").map(String.init)
        return SeccompSupport(
            apiLevel: Int(seccomp_api_get()), libraryVersion: version ?? "unknown",
            kernelActions: actions ?? [])
    }
}
