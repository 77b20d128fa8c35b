import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Process-wide logging set-up for the runtime's executables.
public enum KataLogging {
    /// journald's native-protocol socket.
    public static let journalSocketPath = "/run/systemd/journal/socket"

    /// Where log entries go.
    public enum Destination: String, Sendable, Equatable {
        case journal, stderr
    }

    /// Installs the runtime's handlers: the journal when it is reachable, else stderr.
    /// Call once, at the start of `main` (swift-log allows one bootstrap per process).
    @discardableResult
    public static func bootstrap(level: Logger.Level, identifier: String = "kata") -> Destination {
        let destination: Destination = journalReachable() ? .journal : .stderr
        LoggingSystem.bootstrap { label in
            makeHandler(label: label, level: level, identifier: identifier, destination: destination)
        }
        return destination
    }

    /// The handler `bootstrap` installs for one logger label.
    public static func makeHandler(
        label: String, level: Logger.Level, identifier: String, destination: Destination
    ) -> any LogHandler {
        switch destination {
        case .journal: JournalLogHandler(label: label, identifier: identifier, level: level)
        case .stderr: StderrLogHandler(label: label, level: level)
        }
    }

    /// True when `socketPath` exists and a datagram socket can connect to it, as journald's
    /// socket does while journald runs.
    public static func journalReachable(socketPath: String = journalSocketPath) -> Bool {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }
}
