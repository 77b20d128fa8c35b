import CKataSys
import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// The guest's device-mapper through its ioctls (there is no dmsetup or udev in the image):
/// devtmpfs makes the control node when dm-mod loads; without it, it is made from the misc
/// device number sysfs reports. Device nodes must be on /dev (/run is mounted nodev).
public struct DeviceMapper: Sendable {
    public var controlPath: String

    public init(controlPath: String = "/dev/mapper/control") { self.controlPath = controlPath }

    /// Creates the device `name` with one read-only `target` over `sectors`, activates it and
    /// returns its device number. On failure the device is removed again.
    public func createReadOnly(name: String, target: String, sectors: UInt64, parameters: String) throws
        -> (major: UInt32, minor: UInt32)
    {
        let control = try openControl()
        defer { close(control) }
        var rc = ckata_dm_create(control, name)
        guard rc == 0 else { throw KataError.system("device-mapper: create \(name)", errno: -rc) }
        rc = ckata_dm_load_table(control, name, target, sectors, parameters, 1)
        guard rc == 0 else {
            _ = ckata_dm_remove(control, name)
            throw KataError.system(
                "device-mapper: load the \(target) table of \(name) (\(parameters))", errno: -rc)
        }
        var major: UInt32 = 0
        var minor: UInt32 = 0
        rc = ckata_dm_resume(control, name, &major, &minor)
        guard rc == 0 else {
            _ = ckata_dm_remove(control, name)
            throw KataError.system("device-mapper: activate \(name)", errno: -rc)
        }
        return (major, minor)
    }

    /// Removes the device; a device still open is retried for up to `patience` (a lazily
    /// detached filesystem lets go a moment later).
    public func remove(name: String, patience: Duration = .seconds(2)) throws {
        let control = try openControl()
        defer { close(control) }
        let deadline = ContinuousClock.now + patience
        while true {
            let rc = ckata_dm_remove(control, name)
            if rc == 0 || rc == -ENXIO { return }
            guard rc == -EBUSY, ContinuousClock.now < deadline else {
                throw KataError.system("device-mapper: remove \(name)", errno: -rc)
            }
            usleep(20_000)
        }
    }

    private func openControl() throws -> Int32 {
        var fd = open(controlPath, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
        if fd < 0 && errno == ENOENT {
            let dev = try readTextFile("/sys/class/misc/device-mapper/dev")
            let numbers =
                dev.split(separator: "\n").first?.split(separator: ":").compactMap { UInt32($0) } ?? []
            guard numbers.count == 2 else {
                throw KataError(.malformedInput, "/sys/class/misc/device-mapper/dev: \(dev.debugDescription)")
            }
            try makeDirectories(
                String(controlPath[..<(controlPath.lastIndex(of: "/") ?? controlPath.endIndex)]), mode: 0o700)
            try Self.makeNode(controlPath, mode: S_IFCHR | 0o600, major: numbers[0], minor: numbers[1])
            fd = open(controlPath, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
        }
        guard fd >= 0 else { throw KataError.system("open \(controlPath) (is dm-mod loaded?)", errno: errno) }
        return fd
    }

    /// mknod(2) of a device node; an existing node is replaced (it may name an older device).
    public static func makeNode(_ path: String, mode: mode_t, major: UInt32, minor: UInt32) throws {
        unlink(path)
        // glibc's makedev encoding (a macro Swift does not import).
        let major64 = UInt64(major)
        let minor64 = UInt64(minor)
        let device =
            ((major64 & 0xffff_f000) << 32) | ((major64 & 0xfff) << 8) | ((minor64 & 0xffff_ff00) << 12)
            | (minor64 & 0xff)
        guard mknod(path, mode, dev_t(device)) == 0 else {
            throw KataError.system("mknod \(path) \(major):\(minor)", errno: errno)
        }
    }
}
