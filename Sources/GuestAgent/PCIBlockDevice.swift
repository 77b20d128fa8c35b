import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// Finds the block device the host hot-plugged at a PCI path, through sysfs: the root bus's
/// device at the first slot, then at each further slot the one child PCI function 0 on the
/// bus behind it, then its virtio device's disk. Names read from sysfs are checked before
/// they become paths.
public enum PCIBlockDevice {
    public struct Found: Sendable, Equatable {
        /// The kernel's disk name, e.g. "vda".
        public var name: String
        public var major: UInt32
        public var minor: UInt32

        public init(name: String, major: UInt32, minor: UInt32) {
            self.name = name
            self.major = major
            self.minor = minor
        }
    }

    /// Waits up to `timeout` for the disk to appear (hot-plug takes the guest a moment).
    public static func wait(
        for path: GuestPCIPath, timeout: Duration, sysfs: String = "/sys/devices/pci0000:00"
    ) async throws -> Found {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let found = try find(path, sysfs: sysfs) { return found }
            guard ContinuousClock.now < deadline else {
                throw KataError(
                    .timeout,
                    "no block device appeared at PCI path \(path) within \(timeout) (\(sysfs)); "
                        + "was it hot-plugged?")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The disk at `path` now, or nil while it is not (fully) there.
    public static func find(_ path: GuestPCIPath, sysfs: String) throws -> Found? {
        var directory = "\(sysfs)/0000:00:\(GuestPCIPath.slotText(path.slots[0])).0"
        for slot in path.slots.dropFirst() {
            let suffix = ":\(GuestPCIPath.slotText(slot)).0"
            guard
                let child = ((try? directoryEntries(directory)) ?? []).sorted().first(where: {
                    isPCIName($0, suffix: suffix)
                })
            else { return nil }
            directory += "/\(child)"
        }
        guard let virtio = ((try? directoryEntries(directory)) ?? []).sorted().first(where: isVirtioName)
        else {
            return nil
        }
        let blockDirectory = "\(directory)/\(virtio)/block"
        guard let disk = ((try? directoryEntries(blockDirectory)) ?? []).sorted().first(where: isDiskName),
            let dev = try? readTextFile("\(blockDirectory)/\(disk)/dev")
        else { return nil }
        let numbers =
            dev.split(separator: "\n").first?.split(separator: ":", omittingEmptySubsequences: false) ?? []
        guard numbers.count == 2, let major = smallNumber(numbers[0]), let minor = smallNumber(numbers[1])
        else {
            throw KataError(
                .malformedInput, "\(blockDirectory)/\(disk)/dev: not MAJOR:MINOR: \(dev.debugDescription)")
        }
        return Found(name: disk, major: major, minor: minor)
    }

    /// "0000:BB:SS.0" with the wanted ":SS.0".
    static func isPCIName(_ name: String, suffix: String) -> Bool {
        let bytes = Array(name.utf8)
        return bytes.count == 12 && name.hasPrefix("0000:") && name.hasSuffix(suffix)
            && bytes[5...6].allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    static func isVirtioName(_ name: String) -> Bool {
        name.hasPrefix("virtio") && name.utf8.count <= 16
            && name.utf8.dropFirst(6).allSatisfy { (0x30...0x39).contains($0) }
            && name.utf8.count > 6
    }

    static func isDiskName(_ name: String) -> Bool {
        name.hasPrefix("vd") && (3...8).contains(name.utf8.count)
            && name.utf8.allSatisfy { (0x61...0x7a).contains($0) }
    }

    static func smallNumber(_ text: Substring) -> UInt32? {
        guard (1...7).contains(text.utf8.count), text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            return nil
        }
        return UInt32(text)
    }
}
