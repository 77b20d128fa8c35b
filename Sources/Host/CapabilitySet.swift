import CCapNG

/// A set of Linux capabilities as the kernel numbers them (bit n = capability n), the form
/// /proc/<pid>/status prints in hex. Names are libcap-ng's (`chown`, `dac_override`, ...).
public struct CapabilitySet: Sendable, Hashable, CustomStringConvertible {
    public var mask: UInt64

    public init(mask: UInt64) { self.mask = mask }

    public init(_ numbers: [Int32]) {
        mask = 0
        for number in numbers where (0..<64).contains(number) { mask |= 1 << UInt64(number) }
    }

    public static let empty = CapabilitySet(mask: 0)

    // The capabilities QEMU may need, by what it does with them.
    /// Serving a 9p share as root: open and read files whatever their owner and mode.
    public static let fileRead = CapabilitySet([CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH])
    /// Serving a writable 9p share: also give created files the guest's owner and mode.
    public static let fileWrite = fileRead.union(CapabilitySet([CAP_CHOWN, CAP_FOWNER, CAP_FSETID]))
    /// Pinning guest memory beyond RLIMIT_MEMLOCK (KVM's SEV memory-region registration).
    public static let memoryLock = CapabilitySet([CAP_IPC_LOCK])
    /// Attaching to a host network interface by name.
    public static let networkAdmin = CapabilitySet([CAP_NET_ADMIN])

    public var isEmpty: Bool { mask == 0 }

    public func contains(_ number: Int32) -> Bool {
        (0..<64).contains(number) && mask & (1 << UInt64(number)) != 0
    }

    public func union(_ other: CapabilitySet) -> CapabilitySet { CapabilitySet(mask: mask | other.mask) }
    public func intersection(_ other: CapabilitySet) -> CapabilitySet {
        CapabilitySet(mask: mask & other.mask)
    }
    public func subtracting(_ other: CapabilitySet) -> CapabilitySet {
        CapabilitySet(mask: mask & ~other.mask)
    }

    /// The capability numbers in the set, ascending.
    public var numbers: [Int32] { (0..<64).filter { contains($0) } }

    /// libcap-ng's names (`cap_<n>` for a number it does not know), ascending.
    public var names: [String] {
        numbers.map { number in
            capng_capability_to_name(UInt32(number)).map { String(cString: $0) } ?? "cap_\(number)"
        }
    }

    /// `chown,dac_override,...`, or `none`.
    public var description: String { isEmpty ? "none" : names.joined(separator: ",") }
}
