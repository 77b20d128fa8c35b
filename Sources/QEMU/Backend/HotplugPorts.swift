import KataCore
import Synchronization

/// The VM's empty PCIe root ports and which hot-plugged device occupies each. The ports sit at
/// slots 0x0f... of bus 0: above what QEMU assigns on its own (it fills slots from 1 up) and
/// below q35's fixed devices at 0x1f.
final class HotplugPorts: Sendable {
    static let firstSlot = 0x0f
    static let maxPorts = 16
    static func portID(_ index: Int) -> String { "rp\(index)" }

    private let occupants: Mutex<[String?]>

    init(count: Int) { occupants = Mutex(Array(repeating: nil, count: min(max(count, 0), Self.maxPorts))) }

    /// Takes a free port for `device`; its index.
    func reserve(for device: String) throws -> Int {
        try occupants.withLock { ports in
            guard !ports.contains(device) else {
                throw KataError(.failedPrecondition, "block device \(device) is already attached")
            }
            guard let index = ports.firstIndex(of: nil) else {
                throw KataError(
                    .failedPrecondition,
                    "no free PCIe root port for block device \(device) (all \(ports.count) in use; "
                        + "hypervisor.qemu.pcie_root_port sets how many)")
            }
            ports[index] = device
            return index
        }
    }

    func index(of device: String) -> Int? { occupants.withLock { $0.firstIndex(of: device) } }

    func release(_ device: String) {
        occupants.withLock { ports in
            if let index = ports.firstIndex(of: device) { ports[index] = nil }
        }
    }
}
