import COpenSSL

/// Where a shim listens, as containerd's shim library computes it: a socket under
/// /run/containerd/s/ named by the SHA-256 of "<containerd address>/<namespace>/<id>"
/// (containerd 1.6 cannot move this directory).
public enum ShimSocketAddress {
    public static let directory = "/run/containerd/s"

    public static func path(
        containerdAddress: String, namespace: String, id: String,
        directory: String = directory
    ) -> String {
        let key = joinPath([containerdAddress, namespace, id])
        return "\(directory)/\(sha256Hex(Array(key.utf8)))"
    }

    /// The URL form containerd expects on the shim's stdout.
    public static func url(forPath path: String) -> String { "unix://\(path)" }

    /// filepath.Join semantics for the parts containerd joins: one slash between parts,
    /// duplicate and trailing slashes dropped.
    static func joinPath(_ parts: [String]) -> String {
        let absolute = parts.first?.hasPrefix("/") ?? false
        let pieces = parts.flatMap { $0.split(separator: "/") }.filter { $0 != "." }
        return (absolute ? "/" : "") + pieces.joined(separator: "/")
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        _ = SHA256(bytes, bytes.count, &digest)
        return digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
