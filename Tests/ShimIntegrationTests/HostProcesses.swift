import Foundation

/// The host's processes as /proc shows them, to find (and count) the shims and VMs a test's
/// containers started. Matching is by command line, never by name alone: other processes on
/// this machine are not ours.
enum HostProcesses {
    /// Every process with its command line, arguments joined by spaces.
    static func all() -> [(pid: Int32, cmdline: String)] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { name in
            guard let pid = Int32(name),
                let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline"), !data.isEmpty
            else { return nil }
            return (pid, String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self))
        }
    }

    /// The shim serving container (or sandbox) `id`.
    static func shimPID(for id: String) -> Int32? {
        all().first { $0.cmdline.contains("containerd-shim-kata-v2") && $0.cmdline.contains("-id \(id) ") }?
            .pid
    }

    /// The QEMU of sandbox `id` (its `-name sandbox-<id>`).
    static func qemuPIDs(for id: String) -> [Int32] {
        all().filter { $0.cmdline.contains("qemu-system") && $0.cmdline.contains("sandbox-\(id),") }.map(
            \.pid)
    }

    /// Open descriptors of `pid`, or nil when it is gone.
    static func descriptorCount(_ pid: Int32) -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
    }

    static func isAlive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 || errno == EPERM }
}
