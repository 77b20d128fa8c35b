import CKataSys
import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// What the agent does first as PID 1 of the initramfs: mount the kernel filesystems, load
/// the kernel modules the image lists, and become the reaper of every orphan.
public enum GuestInit {
    struct Mount {
        let source: String
        let target: String
        let type: String
        let flags: UInt
        let data: String?
    }

    static let essentialMounts: [Mount] = [
        Mount(source: "proc", target: "/proc", type: "proc", flags: nosuid | nodev | noexec, data: nil),
        Mount(source: "sysfs", target: "/sys", type: "sysfs", flags: nosuid | nodev | noexec, data: nil),
        Mount(source: "devtmpfs", target: "/dev", type: "devtmpfs", flags: nosuid, data: "mode=0755"),
        Mount(
            source: "devpts", target: "/dev/pts", type: "devpts", flags: nosuid | noexec,
            data: "newinstance,ptmxmode=0666,mode=0620"),
        Mount(source: "shm", target: "/dev/shm", type: "tmpfs", flags: nosuid | nodev, data: "mode=1777"),
        Mount(source: "tmpfs", target: "/run", type: "tmpfs", flags: nosuid | nodev, data: "mode=0755"),
        Mount(source: "tmpfs", target: "/tmp", type: "tmpfs", flags: nosuid | nodev, data: "mode=1777"),
        Mount(
            source: "cgroup2", target: "/sys/fs/cgroup", type: "cgroup2",
            flags: nosuid | nodev | noexec, data: nil),
    ]
    static let nosuid = UInt(MS_NOSUID), nodev = UInt(MS_NODEV), noexec = UInt(MS_NOEXEC)

    /// Mounts what is not mounted yet. A mount that fails is reported, not fatal: the agent
    /// must still come up to tell the host what went wrong.
    public static func mountEssentials() -> [String] {
        var problems: [String] = []
        for m in essentialMounts {
            mkdir(m.target, 0o755)
            let rc = mount(m.source, m.target, m.type, m.flags, m.data)
            if rc != 0 && errno != EBUSY {
                problems.append("mount \(m.type) on \(m.target): \(errnoDescription(errno))")
            }
        }
        symlink("/proc/self/fd", "/dev/fd")
        symlink("/dev/pts/ptmx", "/dev/ptmx")
        return problems
    }

    /// The module file names listed in `listFile` (one a line), in order; empty if unreadable.
    public static func moduleList(_ listFile: String) -> [String] {
        guard let list = try? readTextFile(listFile) else { return [] }
        return list.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }

    /// Loads, in order, the modules `names` (file names) from `directory`. Returns one line per
    /// module that failed; an already loaded one is fine.
    public static func loadModules(_ names: [String], directory: String) -> [String] {
        var problems: [String] = []
        for name in names {
            let path = "\(directory)/\(name)"
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                problems.append("module \(path): \(errnoDescription(errno))")
                continue
            }
            let rc = ckata_finit_module(fd)
            close(fd)
            if rc != 0 && -rc != EEXIST {
                problems.append("module \(path): \(errnoDescription(-rc))")
            }
        }
        return problems
    }

    /// The running kernel's release, for the module directory.
    public static func kernelRelease() -> String {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    public static func setHostname(_ name: String) throws {
        guard sethostname(name, name.utf8.count) == 0 else {
            throw KataError.system("sethostname \(name)", errno: errno)
        }
    }
}
