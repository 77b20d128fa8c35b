/// The first processor's entry of /proc/cpuinfo: vendor, model name and feature flags.
public struct CPUInfo: Sendable, Equatable, Codable {
    public var vendorID: String
    public var modelName: String
    public var flags: Set<String>

    public init(vendorID: String, modelName: String, flags: Set<String>) {
        self.vendorID = vendorID
        self.modelName = modelName
        self.flags = flags
    }

    /// Parses /proc/cpuinfo text; only the first processor block is read (all cores share
    /// vendor and flags). Missing fields are empty.
    public init(parsing text: String) {
        var vendor = ""
        var model = ""
        var flags: Set<String> = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingWhitespace().isEmpty && !vendor.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingWhitespace()
            let value = line[line.index(after: colon)...].trimmingWhitespace()
            switch key {
            case "vendor_id": vendor = value
            case "model name": model = value
            case "flags": flags = Set(value.split(separator: " ").map(String.init))
            default: break
            }
        }
        self.init(vendorID: vendor, modelName: model, flags: flags)
    }

    public enum Vendor: String, Sendable, Codable {
        case amd = "AuthenticAMD"
        case intel = "GenuineIntel"
        case other
    }

    public var vendor: Vendor { Vendor(rawValue: vendorID) ?? .other }

    /// The hardware virtualisation flag for this vendor: `svm` (AMD) or `vmx` (Intel).
    public var virtualisationFlag: String? {
        switch vendor {
        case .amd: "svm"
        case .intel: "vmx"
        case .other: nil
        }
    }

    /// Flags upstream `kata-runtime check` requires for QEMU, with what each means.
    public var requiredFlags: [(flag: String, meaning: String)] {
        var required = [(flag: "lm", meaning: "64-bit CPU"), (flag: "sse4_1", meaning: "SSE4.1")]
        if let flag = virtualisationFlag { required.insert((flag, "hardware virtualisation support"), at: 0) }
        return required
    }
}
