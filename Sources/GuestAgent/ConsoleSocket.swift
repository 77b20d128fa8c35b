import CKataSys
import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// The listening unix socket crun sends a new terminal's pty master to (`--console-socket`).
final class ConsoleSocket: Sendable {
    let path: String
    private let listener: Int32

    init(path: String) throws {
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw KataError.system("console socket", errno: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            Glibc.close(fd)
            throw KataError(.invalidArgument, "console socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, listen(fd, 1) == 0 else {
            let err = errno
            Glibc.close(fd)
            throw KataError.system("console socket \(path)", errno: err)
        }
        self.path = path
        self.listener = fd
    }

    /// Accepts crun's connection and returns the pty master it sends. Blocks a thread; give up
    /// by calling `close()` (for example when crun failed before connecting).
    func receiveMaster() async throws -> Int32 {
        let listener = self.listener
        let path = self.path
        return try await withCheckedThrowingContinuation { continuation in
            startDetachedThread {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else {
                    continuation.resume(
                        throwing: KataError.system("console socket \(path): accept", errno: errno))
                    return
                }
                let master = ckata_recv_fd(connection)
                Glibc.close(connection)
                if master < 0 {
                    continuation.resume(
                        throwing: KataError.system("console socket \(path): receive", errno: -master))
                } else {
                    continuation.resume(returning: master)
                }
            }
        }
    }

    func close() {
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
        unlink(path)
    }
}
