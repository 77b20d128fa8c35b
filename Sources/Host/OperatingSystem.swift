#if canImport(Glibc)
    import Glibc
#endif

/// The host kernel and distribution, as `kata-runtime env` reports them.
public struct OperatingSystem: Sendable, Equatable, Codable {
    /// /proc/sys/kernel/osrelease, e.g. "6.1.0-18-amd64".
    public var kernelRelease: String
    /// `uname -m` of this process, e.g. "x86_64".
    public var architecture: String
    /// NAME and VERSION_ID from /etc/os-release.
    public var distroName: String
    public var distroVersion: String

    public static func probe(_ probe: HostProbe) -> OperatingSystem {
        let release = parseOSRelease(probe.filesystem.readText("/etc/os-release") ?? "")
        return OperatingSystem(
            kernelRelease: probe.filesystem.readLine("/proc/sys/kernel/osrelease") ?? "unknown",
            architecture: machineArchitecture(), distroName: release["NAME"] ?? "unknown",
            distroVersion: release["VERSION_ID"] ?? "unknown")
    }

    /// Parses os-release `KEY=value` lines; values may be single- or double-quoted.
    public static func parseOSRelease(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingWhitespace()
            guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { continue }
            var value = String(trimmed[trimmed.index(after: equals)...])
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            fields[String(trimmed[..<equals])] = value
        }
        return fields
    }

    static func machineArchitecture() -> String {
        var names = utsname()
        guard uname(&names) == 0 else { return "unknown" }
        return withUnsafeBytes(of: names.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

/// Memory figures from /proc/meminfo, in KiB.
public struct MemoryInfo: Sendable, Equatable, Codable {
    public var totalKiB: UInt64
    public var freeKiB: UInt64
    public var availableKiB: UInt64

    /// Parses /proc/meminfo; fields that are missing are 0.
    public init(parsing text: String) {
        var values: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " })
            if parts.count >= 2, let number = UInt64(parts[1]) { values[String(parts[0])] = number }
        }
        totalKiB = values["MemTotal"] ?? 0
        freeKiB = values["MemFree"] ?? 0
        availableKiB = values["MemAvailable"] ?? 0
    }
}
