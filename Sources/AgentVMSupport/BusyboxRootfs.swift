import KataCore
import OCI

#if canImport(Glibc)
    import Glibc
#endif

/// A container root filesystem made from the host's static busybox, and a spec to run it.
public enum BusyboxRootfs {
    static let applets = ["sh", "echo", "cat", "sleep", "true", "false", "ls", "printf", "id"]

    /// Creates `directory` (the container's `rootfs`) holding /bin/busybox and its applets.
    public static func create(at directory: String, busybox: String = "/bin/busybox") throws {
        for sub in ["", "/bin", "/proc", "/dev", "/sys", "/tmp", "/etc"] {
            guard mkdir(directory + sub, 0o755) == 0 || errno == EEXIST else {
                throw KataError.system("mkdir \(directory + sub)", errno: errno)
            }
        }
        try copyFile(from: busybox, to: "\(directory)/bin/busybox", mode: 0o755)
        for applet in applets {
            guard symlink("busybox", "\(directory)/bin/\(applet)") == 0 || errno == EEXIST else {
                throw KataError.system("symlink \(directory)/bin/\(applet)", errno: errno)
            }
        }
    }

    /// A runtime spec for `args` in a busybox rootfs at the guest convention's default place
    /// (a relative `root.path` of `rootfs`, under the shared directory of the container).
    public static func spec(args: [String], terminal: Bool = false) -> Spec {
        Spec(
            process: Process(
                terminal: terminal, args: args, env: ["PATH=/bin", "TERM=xterm"], cwd: "/",
                noNewPrivileges: true),
            root: Root(path: "rootfs"),
            hostname: "busybox",
            mounts: [
                Mount(
                    destination: "/proc", type: "proc", source: "proc",
                    options: ["nosuid", "noexec", "nodev"]),
                Mount(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "mode=755"]),
                Mount(
                    destination: "/dev/pts", type: "devpts", source: "devpts",
                    options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]),
            ],
            linux: Linux(namespaces: ["pid", "mount", "ipc", "uts"].map { Namespace(type: $0) }))
    }

    static func copyFile(from source: String, to target: String, mode: mode_t) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw KataError.system("open \(source)", errno: errno) }
        defer { close(input) }
        let output = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard output >= 0 else { throw KataError.system("open \(target)", errno: errno) }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            guard n >= 0 else { throw KataError.system("read \(source)", errno: errno) }
            if n == 0 { return }
            guard buffer.withUnsafeBytes({ write(output, $0.baseAddress, n) }) == n else {
                throw KataError.system("write \(target)", errno: errno)
            }
        }
    }
}
