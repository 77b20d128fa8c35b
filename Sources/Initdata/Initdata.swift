import Firmware
import KataCore

/// A pod's initdata (upstream Kata's `io.katacontainers.config.hypervisor.cc_init_data`):
/// standard base64 of gzip of a TOML document. The host decodes it from the annotation before
/// the VM starts and binds its digest into the launch; the guest agent decodes the same gzip
/// bytes from the initdata disk with the same code and computes the same digest.
public struct Initdata: Sendable, Equatable {
    public static let annotation = "io.katacontainers.config.hypervisor.cc_init_data"
    /// The bound on the gzip bytes and, separately, on the decompressed document.
    public static let maximumSize = 1 << 20
    /// What the guest names the document in `InitdataDisk.guestDirectory`.
    public static let documentFileName = "initdata.toml"

    /// The gzip bytes exactly as the annotation carried them (what the disk holds).
    public let gzip: [UInt8]
    /// The decompressed document: what the digest covers.
    public let toml: [UInt8]
    public let document: InitdataDocument
    public let digest: [UInt8]

    public var algorithm: DigestAlgorithm { document.algorithm }

    /// Decodes the annotation's value; every refusal names the annotation and the problem.
    public init(annotation value: String) throws {
        let origin = "annotation \(Self.annotation)"
        // Base64 of the largest gzip allowed, with padding.
        let longest = (Self.maximumSize + 2) / 3 * 4
        guard value.utf8.count <= longest else {
            throw KataError(
                .invalidConfig,
                "\(origin): \(value.utf8.count) characters encode more than the \(Self.maximumSize) bytes of gzip allowed"
            )
        }
        guard let gzip = Base64.decode(value) else {
            throw KataError(
                .invalidConfig,
                "\(origin): not standard base64 (RFC 4648 alphabet with '=' padding, no line breaks or spaces)"
            )
        }
        try self.init(gzip: gzip, origin: origin, code: .invalidConfig)
    }

    /// Decodes gzip bytes from `origin` (the annotation, or the guest's initdata disk).
    public init(gzip: [UInt8], origin: String, code: KataError.Code = .malformedInput) throws {
        do throws(InitdataProblem) {
            guard gzip.count <= Self.maximumSize else {
                throw InitdataProblem("\(gzip.count) bytes of gzip; at most \(Self.maximumSize) are allowed")
            }
            let toml = try Self.gunzip(gzip, limit: Self.maximumSize)
            document = try InitdataDocument(InitdataTOML.parse(toml))
            self.gzip = gzip
            self.toml = toml
            digest = document.algorithm.hash(toml)
        } catch {
            throw KataError(code, "\(origin): \(error.message)")
        }
    }

    /// The digest cut or zero-padded to `count` bytes: SNP `host-data` takes 32, TDX
    /// `mrconfigid` 48 (a SHA-512 digest loses its tail, a SHA-256 one is padded with zeros).
    public func digest(fittedTo count: Int) -> [UInt8] {
        Array(digest.prefix(count)) + [UInt8](repeating: 0, count: max(0, count - digest.count))
    }
}
