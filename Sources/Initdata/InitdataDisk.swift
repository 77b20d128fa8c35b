/// The initdata disk as upstream Kata delivers it: the 8 bytes `initdata`, the gzip length as
/// a little-endian u64, the gzip bytes exactly as the annotation carried them, and zeros up to
/// a multiple of 512 bytes. Attached read-only as a virtio-blk disk, with or without a TEE.
public enum InitdataDisk {
    public static let magic: [UInt8] = Array("initdata".utf8)
    public static let headerSize = 16
    public static let sectorSize = 512
    /// Where the guest agent writes the document and each `[data]` entry.
    public static let guestDirectory = "/run/confidential-containers/initdata"

    /// The whole image for `gzip`.
    public static func image(gzip: [UInt8]) -> [UInt8] {
        var image = magic
        var length = UInt64(gzip.count)
        for _ in 0..<8 {
            image.append(UInt8(truncatingIfNeeded: length))
            length >>= 8
        }
        image += gzip
        let padding = (sectorSize - image.count % sectorSize) % sectorSize
        return image + [UInt8](repeating: 0, count: padding)
    }

    /// What a disk's first 16 bytes say: nil when they do not start with the magic (not an
    /// initdata disk), else the gzip length they claim — checked by the caller against the
    /// disk's real size and `Initdata.maximumSize`, since the host writes these bytes.
    public static func claimedLength(header: [UInt8]) -> UInt64? {
        guard header.count >= headerSize, Array(header[0..<8]) == magic else { return nil }
        var length: UInt64 = 0
        for index in (8..<16).reversed() { length = length << 8 | UInt64(header[index]) }
        return length
    }
}
