/// A bundle directory from containerd (the `-bundle` flag, the Create request): the shim reads
/// config.json from it and writes `address` and `shim.pid` into it, so it must be an absolute,
/// normalised path (no `.` or `..` components that could point the shim elsewhere).
enum BundlePath {
    /// Nil when `path` is usable, else why it is not.
    static func problem(_ path: String) -> String? {
        guard path.hasPrefix("/") else { return "\"\(path)\" is not an absolute path" }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        if parts.contains(where: { $0 == "." || $0 == ".." }) || path.utf8.contains(0) {
            return "\"\(path)\" is not a normalised path"
        }
        return nil
    }
}
