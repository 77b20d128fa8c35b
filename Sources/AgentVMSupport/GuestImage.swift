import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// The guest image `make guest` builds: the unpacked kernel and the initrd with our agent.
public struct GuestImage: Sendable, Equatable {
    public var kernel: String
    public var initrd: String

    public init(kernel: String, initrd: String) {
        self.kernel = kernel
        self.initrd = initrd
    }

    /// This package's `build/` (from this file's location), or `$KATA_BUILD_DIR`.
    public static var buildDirectory: String {
        if let dir = getenv("KATA_BUILD_DIR") { return String(cString: dir) }
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Sources/AgentVMSupport/GuestImage.swift
        return parts.joined(separator: "/") + "/build"
    }

    /// build/kernel/vmlinux and build/guest/kata-initrd.img; a clear error when missing.
    public static func built() throws -> GuestImage {
        let image = GuestImage(
            kernel: "\(buildDirectory)/kernel/vmlinux", initrd: "\(buildDirectory)/guest/kata-initrd.img")
        for path in [image.kernel, image.initrd] where access(path, R_OK) != 0 {
            throw KataError(.notFound, "\(path): missing guest image file; run `make guest` first")
        }
        return image
    }
}
