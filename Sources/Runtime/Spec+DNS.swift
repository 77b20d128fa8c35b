import KataCore
import OCI

#if canImport(Glibc)
    import Glibc
#endif

extension Spec {
    /// The most of a resolv.conf read for CreateSandbox's `dns`.
    static let maxResolvConfBytes = 64 << 10

    /// The lines of the pod's resolv.conf: containerd's CRI binds the file it wrote for the pod
    /// into the sandbox container's spec at /etc/resolv.conf so that a VM runtime can set up the
    /// guest's DNS. Empty when the spec has none. The file's last component is not followed.
    package func sandboxDNS() throws -> [String] {
        guard
            let mount = mounts?.first(where: {
                $0.destination == "/etc/resolv.conf" && GuestVolume.isBind($0)
            }),
            let source = mount.source
        else { return [] }
        let fd = open(source, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw KataError.system("sandbox /etc/resolv.conf source \(source)", errno: errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size <= Self.maxResolvConfBytes
        else {
            throw KataError(
                .invalidArgument,
                "sandbox /etc/resolv.conf source \(source): a regular file of at most \(Self.maxResolvConfBytes) bytes"
            )
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count >= 0 else { throw KataError.system("read \(source)", errno: errno) }
        let text = String(decoding: bytes[0..<count].filter { $0 != 0 }, as: UTF8.self)
        return text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map(String.init)
    }
}
