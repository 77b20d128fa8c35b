import COpenSSL
import KataCore

/// The hash functions launch measurements and initdata use, through OpenSSL's EVP interface.
public enum DigestAlgorithm: String, Sendable, CaseIterable {
    case sha256
    case sha384
    /// Not a launch measurement's: an initdata document may choose it.
    case sha512

    /// Digest length in bytes.
    public var size: Int {
        switch self {
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    var evpMethod: OpaquePointer? {
        switch self {
        case .sha256: EVP_sha256()
        case .sha384: EVP_sha384()
        case .sha512: EVP_sha512()
        }
    }

    /// One-shot digest of a buffer.
    public func hash(_ buffer: UnsafeRawBufferPointer) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: size)
        var length: UInt32 = 0
        let status = output.withUnsafeMutableBufferPointer { out in
            EVP_Digest(buffer.baseAddress, buffer.count, out.baseAddress, &length, evpMethod, nil)
        }
        // EVP_Digest fails only when OpenSSL cannot allocate or lacks the algorithm.
        precondition(status == 1 && Int(length) == size, "OpenSSL EVP_Digest(\(rawValue)) failed")
        return output
    }

    /// One-shot digest of bytes.
    public func hash(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// Digest of a whole file, read in chunks so memory stays flat whatever the file size.
    public func hash(file: FileReader, chunkSize: Int = FileReader.defaultChunkSize) throws -> [UInt8] {
        let digest = StreamingDigest(self)
        try file.forEachChunk(chunkSize: chunkSize) { digest.update($0) }
        return digest.finalize()
    }
}

/// An incremental digest over an OpenSSL EVP_MD_CTX. Not shared between threads.
public final class StreamingDigest {
    public let algorithm: DigestAlgorithm
    private let context: OpaquePointer

    public init(_ algorithm: DigestAlgorithm) {
        self.algorithm = algorithm
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("OpenSSL EVP_MD_CTX_new failed") }
        self.context = context
        let status = EVP_DigestInit_ex(context, algorithm.evpMethod, nil)
        precondition(status == 1, "OpenSSL EVP_DigestInit_ex(\(algorithm.rawValue)) failed")
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ buffer: UnsafeRawBufferPointer) {
        guard buffer.count > 0 else { return }
        let status = EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
        precondition(status == 1, "OpenSSL EVP_DigestUpdate failed")
    }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Returns the digest; the object may not be updated afterwards.
    public func finalize() -> [UInt8] {
        var output = [UInt8](repeating: 0, count: algorithm.size)
        var length: UInt32 = 0
        let status = output.withUnsafeMutableBufferPointer {
            EVP_DigestFinal_ex(context, $0.baseAddress, &length)
        }
        precondition(status == 1 && Int(length) == algorithm.size, "OpenSSL EVP_DigestFinal_ex failed")
        return output
    }
}
