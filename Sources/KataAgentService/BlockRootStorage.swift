import GuestAgent
import KataCore
import Protocols

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A container root filesystem on a hot-plugged block device, as the host describes it in a
/// Storage (upstream's `blk` shape): `source` is the device's PCI path, fstype `erofs`, options
/// `ro`, and driver options `verity_info=<JSON>` (required: an image without a root hash is
/// refused), `source_type=virtio_pci`, and `overlay_tmpfs_size=<bytes>` when the root is
/// writable. Checked in full (no I/O) before anything is mounted.
struct BlockRootStorage: Sendable, Equatable {
    static let driver = "blk"
    static let overlaySizeKey = BlockRootOption.overlayTmpfsSize
    /// The writable layer is guest memory: at most 16 GiB, at least 1 MiB.
    static let overlaySizes: ClosedRange<UInt64> = (1 << 20)...(16 << 30)
    /// Driver options are few and short (the JSON is ~250 bytes).
    static let maxDriverOptionBytes = 4096

    var pciPath: GuestPCIPath
    var verity: DmVerityInfo
    /// Bytes of tmpfs for the overlay's upper layer; nil: the root stays read-only.
    var overlaySize: UInt64?
    var mountPoint: String
    let mountComponents: [String]

    init(_ storage: Grpc_Storage, root: String) throws {
        guard storage.driver == Self.driver else {
            throw KataError(.invalidArgument, "storage driver \"\(storage.driver)\" is not \(Self.driver)")
        }
        guard storage.fstype == "erofs" else {
            throw KataError(
                .invalidArgument, "storage fstype \"\(storage.fstype)\": a blk root filesystem must be erofs")
        }
        guard storage.options.contains("ro"),
            storage.options.allSatisfy({ ["ro", "nodev", "nosuid"].contains($0) })
        else {
            throw KataError(
                .invalidArgument,
                "storage options \(storage.options): a blk root filesystem takes ro (nodev, nosuid)")
        }
        pciPath = try GuestPCIPath(parsing: storage.source)
        mountComponents = try BeneathPath.components(
            of: storage.mountPoint, below: root, field: "storage mount_point")
        mountPoint = storage.mountPoint
        var seen: [String: String] = [:]
        for option in storage.driverOptions {
            guard option.utf8.count <= Self.maxDriverOptionBytes, !option.utf8.contains(0),
                let equals = option.firstIndex(of: "=")
            else {
                throw KataError(
                    .invalidArgument,
                    "storage driver_options: each is key=value, at most \(Self.maxDriverOptionBytes) bytes")
            }
            let key = String(option[..<equals])
            guard seen[key] == nil else {
                throw KataError(.invalidArgument, "storage driver_options: \(key) appears twice")
            }
            seen[key] = String(option[option.index(after: equals)...])
        }
        let known: Set<String> = [
            DmVerityInfo.driverOptionKey, BlockRootOption.sourceType, Self.overlaySizeKey,
        ]
        if let unknown = seen.keys.sorted().first(where: { !known.contains($0) }) {
            throw KataError(
                .invalidArgument, "storage driver_options: unknown key \(unknown.debugDescription)")
        }
        if let sourceType = seen[BlockRootOption.sourceType], sourceType != BlockRootOption.virtioPCI {
            throw KataError(
                .invalidArgument,
                "storage driver_options: source_type \(sourceType.debugDescription) is not virtio_pci")
        }
        guard let json = seen[DmVerityInfo.driverOptionKey] else {
            throw KataError(
                .invalidArgument,
                "storage driver_options: no \(DmVerityInfo.driverOptionKey): a blk root filesystem must carry its root hash"
            )
        }
        do {
            verity = try JSONDecoder().decode(DmVerityInfo.self, from: Data(json.utf8))
        } catch {
            throw KataError(
                .invalidArgument,
                "storage driver_options: \(DmVerityInfo.driverOptionKey) is not the JSON expected: \(error)")
        }
        try verity.validate()
        if let text = seen[Self.overlaySizeKey] {
            guard text.utf8.count <= 12, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                let size = UInt64(text),
                Self.overlaySizes.contains(size)
            else {
                throw KataError(
                    .invalidArgument,
                    "storage driver_options: \(Self.overlaySizeKey) \(text.debugDescription): bytes in \(Self.overlaySizes)"
                )
            }
            overlaySize = size
        }
    }
}
